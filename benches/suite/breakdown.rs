//! Where the wall time of one `terraform plan` goes, read from Terraform's own
//! `TF_LOG=trace` timestamps (millisecond resolution). It separates what Terraform does for
//! any plugin (its client certificate, hashing the plugin binary) from what the provider does
//! (start-up to handshake, serving RPCs).

use std::fmt::Write as _;

/// Totals over every provider start of one traced plan, in milliseconds.
#[derive(Debug, Clone, Default)]
pub struct PlanBreakdown {
    pub total_ms: f64,
    pub starts: usize,
    /// Terraform generating its P-521 client certificate ("configuring client automatic
    /// mTLS" → "starting plugin").
    pub client_certificate_ms: f64,
    /// fork/exec to the handshake line ("starting plugin" → "using plugin").
    pub launch_to_handshake_ms: f64,
    /// Dial, TLS handshake and gRPC set-up ("using plugin" → first `GRPCProvider.v6` call).
    pub handshake_to_first_rpc_ms: f64,
    /// From the first to the last RPC of each start, and on to "plugin exited".
    pub serving_ms: f64,
    /// Terraform hashing the installed plugin against the lock file (the gap after
    /// "providercache.fillMetaCache"), once per command.
    pub plugin_hash_ms: f64,
}

/// Milliseconds since midnight of a trace line's `2026-11-22T02:51:51.556Z` prefix.
fn timestamp_ms(line: &str) -> Option<f64> {
    let time = line.get(11..23)?;
    let mut parts = time.split(':');
    let hours: f64 = parts.next()?.parse().ok()?;
    let minutes: f64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next()?.parse().ok()?;
    Some(((hours * 60.0 + minutes) * 60.0 + seconds) * 1000.0)
}

impl PlanBreakdown {
    /// Reads a `TF_LOG=trace` stderr; `None` when the expected lines are missing.
    pub fn from_trace(trace: &str) -> Option<Self> {
        let lines: Vec<(f64, &str)> = trace
            .lines()
            .filter_map(|line| Some((timestamp_ms(line)?, line)))
            .collect();
        let first = lines.first()?.0;
        let last = lines.last()?.0;
        let mut b = Self {
            total_ms: last - first,
            ..Self::default()
        };
        let at = |needle: &str, from: usize| {
            lines[from..]
                .iter()
                .position(|(_, l)| l.contains(needle))
                .map(|i| i + from)
        };
        let mut cursor = 0;
        while let Some(mtls) = at("provider: configuring client automatic mTLS", cursor) {
            let starting = at("provider: starting plugin:", mtls)?;
            let using = at("provider: using plugin:", starting)?;
            let first_rpc = at("GRPCProvider.v6: ", using)?;
            let exited = at("provider: plugin exited", first_rpc)?;
            b.starts += 1;
            b.client_certificate_ms += lines[starting].0 - lines[mtls].0;
            b.launch_to_handshake_ms += lines[using].0 - lines[starting].0;
            b.handshake_to_first_rpc_ms += lines[first_rpc].0 - lines[using].0;
            b.serving_ms += lines[exited].0 - lines[first_rpc].0;
            cursor = exited;
        }
        let hashing = lines
            .iter()
            .rposition(|(_, l)| l.contains("providercache.fillMetaCache"))?;
        b.plugin_hash_ms = lines.get(hashing + 1)?.0 - lines[hashing].0;
        (b.starts > 0).then_some(b)
    }

    /// A Markdown table for the report.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Where one traced plan's {:.0} ms go (`TF_LOG=trace` timestamps, ms resolution; tracing itself adds time), summed over its {} provider starts:\n",
            self.total_ms, self.starts
        );
        let _ = writeln!(out, "| phase | whose | ms |\n|---|---|---|");
        for (phase, whose, ms) in [
            (
                "hashing the installed plugin binary against `.terraform.lock.hcl` (once)",
                "Terraform (scales with binary size)",
                self.plugin_hash_ms,
            ),
            (
                "generating its P-521 client certificate (every start)",
                "Terraform",
                self.client_certificate_ms,
            ),
            (
                "fork/exec to the handshake line",
                "provider start-up (and the OS)",
                self.launch_to_handshake_ms,
            ),
            (
                "dial, mutual TLS and gRPC set-up to the first RPC",
                "both (Go signs with P-521)",
                self.handshake_to_first_rpc_ms,
            ),
            (
                "first RPC to plugin exit (all RPCs, the refresh, shutdown)",
                "both",
                self.serving_ms,
            ),
        ] {
            let _ = writeln!(out, "| {phase} | {whose} | {ms:.0} |");
        }
        let _ = writeln!(out);
        out
    }
}
