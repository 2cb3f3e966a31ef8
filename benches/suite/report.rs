//! The Markdown report of sections 1–5 (the sizes of `Config`, the figures of `Results`).

use std::fmt::Write as _;

use super::{median, percentile, CliResults, Config, Results};
use crate::support::terraform::Cli;

pub(super) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub(super) fn verdict(ok: bool) -> &'static str {
    if ok {
        "**met**"
    } else {
        "**missed**"
    }
}

/// The CLI whose figures carry the targets: the one people run.
fn current(r: &Results) -> Option<&CliResults> {
    r.clis.iter().find(|c| c.cli == Cli::V1_15_5)
}

fn oldest(r: &Results) -> Option<&CliResults> {
    r.clis.iter().find(|c| c.cli == Cli::V1_0_3)
}

/// `| label | value per CLI |` with one column per CLI.
fn row(out: &mut String, label: &str, r: &Results, cell: impl Fn(&CliResults) -> String) {
    let cells: Vec<String> = r.clis.iter().map(cell).collect();
    let _ = writeln!(out, "| {label} | {} |", cells.join(" | "));
}

fn header_row(out: &mut String, first: &str, r: &Results) {
    let names: Vec<String> = r.clis.iter().map(|c| c.cli.to_string()).collect();
    let _ = writeln!(out, "| {first} | {} |", names.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(names.len()));
}

pub(super) fn spread(v: &[f64]) -> String {
    format!(
        "{:.3} s ({:.3}–{:.3})",
        median(v),
        percentile(v, 0.0),
        percentile(v, 100.0)
    )
}

pub(super) fn cpu_ms(secs: f64) -> String {
    match 1000.0 * secs {
        ms if ms < 10.0 => "< 10 ms (one tick)".to_string(),
        ms => format!("{ms:.0} ms"),
    }
}

/// Sections 1–5 in Markdown.
pub fn core(config: &Config, r: &Results) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## 1. `terraform plan`: one version in state vs an empty configuration\n"
    );
    let _ = writeln!(
        out,
        "Per CLI: alternated, {} runs each after one warm-up; `plan -detailed-exitcode` must exit 0. The one-version plan refreshes through proton-local. Median (min–max).\n",
        config.plan_runs
    );
    header_row(&mut out, "", r);
    row(&mut out, "empty configuration (floor)", r, |c| {
        spread(&c.plan_empty)
    });
    row(&mut out, "one version in state", r, |c| spread(&c.plan_one));
    row(&mut out, "ratio of medians", r, |c| {
        format!("**{:.2}×**", c.plan_ratio())
    });
    row(&mut out, "provider-attributable (one − empty)", r, |c| {
        format!("**{:.0} ms**", c.provider_attributable_ms())
    });
    row(
        &mut out,
        "provider CPU per plan (utime+stime, 10 ms ticks)",
        r,
        |c| cpu_ms(median(&c.plan_one_cpu)),
    );
    row(&mut out, "provider starts per plan", r, |c| {
        c.plan_one_starts.first().copied().unwrap_or(0).to_string()
    });
    row(&mut out, "API requests per plan", r, |c| {
        c.plan_one_requests.to_string()
    });
    if let (Some(now), Some(old)) = (current(r), oldest(r)) {
        let ratio = now.plan_ratio();
        let attributable = now.provider_attributable_ms();
        let half = old.provider_attributable_ms() / 2.0;
        let _ = writeln!(
            out,
            "\nTargets on {}: ratio ≤ 1.5×: {:.2}×, {}; provider-attributable time at most half of {}'s ({half:.0} ms): {attributable:.0} ms, {}.\n",
            now.cli,
            ratio,
            verdict(ratio <= 1.5),
            old.cli,
            verdict(attributable <= half),
        );
    }
    for c in &r.clis {
        let _ = writeln!(out, "### Where one traced plan goes: {}\n", c.cli);
        match &c.plan_breakdown {
            Some(b) => out.push_str(&b.report()),
            None => out.push_str(
                "(The traced plan could not be broken down: Terraform's trace lines were not found.)\n\n",
            ),
        }
    }

    let _ = writeln!(out, "## 2. Provider process: peak RSS and start-up\n");
    let _ = writeln!(
        out,
        "Peak RSS is the `VmHWM` of every provider process Terraform started, sampled every 2 ms (target ≤ 20 MiB).\n"
    );
    header_row(&mut out, "peak RSS", r);
    row(&mut out, "during the one-version plan", r, |c| {
        let peak = c.plan_one_rss_kib.iter().copied().max().unwrap_or(0);
        format!("**{:.1} MiB** {}", mib(peak), verdict(mib(peak) <= 20.0))
    });
    row(
        &mut out,
        &format!("during the {}-version apply", config.apply_versions),
        r,
        |c| format!("{:.1} MiB", mib(c.apply_rss_kib)),
    );
    row(
        &mut out,
        &format!(
            "during the {}-version refresh-only plan",
            config.refresh_versions
        ),
        r,
        |c| {
            format!(
                "{:.1} MiB",
                mib(c.refresh_rss_kib.iter().copied().max().unwrap_or(0))
            )
        },
    );
    let startup = median(&r.startup_ms);
    let _ = writeln!(
        out,
        "\nStart-up to handshake line (no Terraform involved: the binary launched with go-plugin's environment and a P-521 client certificate, timed from spawn to the first stdout line; {} launches): median **{startup:.2} ms**, p90 {:.2} ms, min {:.2} ms (target ≤ 10 ms): {}.\n",
        r.startup_ms.len(),
        percentile(&r.startup_ms, 90.0),
        percentile(&r.startup_ms, 0.0),
        verdict(startup <= 10.0)
    );

    let _ = writeln!(out, "## 3. Server overhead per RPC\n");
    let _ = writeln!(
        out,
        "Round trip of one unary call through a tonic client ({} timed calls each after a warm-up, one at a time on one connection). Toy provider (`tests/support/toy.rs`, in-memory) so the work behind the call is trivial. No Terraform involved.\n",
        config.rpc_iterations
    );
    let _ = writeln!(
        out,
        "| transport | RPC | p50 | p99 | target p50 ≤ 1 ms |\n|---|---|---|---|---|"
    );
    for s in &r.rpc {
        let _ = writeln!(
            out,
            "| {} | {} | {:.3} ms | {:.3} ms | {} |",
            s.transport,
            s.rpc,
            s.p50_ms,
            s.p99_ms,
            verdict(s.p50_ms <= 1.0)
        );
    }
    let _ = writeln!(out);

    let floor =
        (config.apply_versions as f64 / config.parallelism as f64).ceil() * config.apply_delay_secs;
    let _ = writeln!(
        out,
        "## 4. Apply and destroy of {} versions\n",
        config.apply_versions
    );
    let _ = writeln!(
        out,
        "proton-local `--registration-delay {}`, `-parallelism={}`; each round applies all versions (checked through the API), then destroys them (checked again); {} rounds per CLI. Floor: {floor:.1} s ({}/{} × {}); target ≤ 1.2× the floor.\n",
        config.apply_delay, config.parallelism, config.apply_runs, config.apply_versions, config.parallelism, config.apply_delay,
    );
    header_row(&mut out, "", r);
    for (name, pick) in [
        (
            "apply",
            (|c: &CliResults| &c.apply) as fn(&CliResults) -> &Vec<f64>,
        ),
        ("destroy", |c: &CliResults| &c.destroy),
    ] {
        row(&mut out, &format!("{name}: runs"), r, |c| fmt_runs(pick(c)));
        row(&mut out, &format!("{name}: median / floor"), r, |c| {
            let ratio = median(pick(c)) / floor;
            format!(
                "{:.2} s, **{ratio:.2}×** {}",
                median(pick(c)),
                verdict(ratio <= 1.2)
            )
        });
    }
    let _ = writeln!(out);

    let _ = writeln!(
        out,
        "## 5. Refresh-only plan of {} versions\n",
        config.refresh_versions
    );
    let _ = writeln!(
        out,
        "`terraform plan -refresh-only -detailed-exitcode` (must exit 0), {} runs per CLI; state set up once per CLI by an apply with `-parallelism=50` and registration delay 0 s.\n",
        config.refresh_runs,
    );
    header_row(&mut out, "", r);
    row(&mut out, "wall (median)", r, |c| {
        format!("{:.2} s", median(&c.refresh))
    });
    row(&mut out, "provider CPU, utime+stime (median)", r, |c| {
        format!("{:.2} s", median(&c.refresh_cpu))
    });
    row(&mut out, "provider share of wall", r, |c| {
        format!(
            "{:.0} %",
            100.0 * median(&c.refresh_cpu) / median(&c.refresh)
        )
    });
    row(&mut out, "API requests per plan", r, |c| {
        c.refresh_requests.to_string()
    });
    row(&mut out, "setup apply", r, |c| {
        format!("{:.1} s", c.refresh_setup_secs)
    });
    let _ = writeln!(out);
    out
}

fn fmt_runs(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}
