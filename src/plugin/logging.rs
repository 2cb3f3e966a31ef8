//! Logs as go-plugin expects them: one hclog JSON object per stderr line.
//!
//! go-plugin reads a plugin's stderr line by line; a line that parses as JSON
//! with string `@level`, `@message` and `@timestamp` (microsecond layout
//! `2006-01-02T15:04:05.000000Z07:00`) becomes a structured provider log
//! entry, shown by `TF_LOG=debug`. Other keys become key/value pairs.

use std::fmt;

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// Dependencies never log more verbosely than this, whatever the requested
/// level: their trace output is wire noise and may carry request details.
const DEPENDENCY_CAPS: &[(&str, LevelFilter)] = &[
    ("h2", LevelFilter::INFO),
    ("hyper", LevelFilter::INFO),
    ("hyper_util", LevelFilter::INFO),
    ("tower", LevelFilter::INFO),
    ("tonic", LevelFilter::INFO),
    ("rustls", LevelFilter::INFO),
    ("aws_smithy_runtime", LevelFilter::DEBUG),
    ("aws_smithy_http_client", LevelFilter::INFO),
    ("aws_config", LevelFilter::DEBUG),
    ("aws_sigv4", LevelFilter::INFO),
];

/// Values never written to the log (credentials the provider was given).
static REDACTED: std::sync::RwLock<Vec<String>> = std::sync::RwLock::new(Vec::new());

/// Shortest value [`redact`] accepts: shorter ones would mask ordinary words.
const MIN_REDACTED_LEN: usize = 8;

/// Masks `secret` in every later log line, including dependencies' debug
/// output (the AWS SDK prints the access key id of its identity). Values
/// shorter than eight characters are ignored.
pub fn redact(secret: &str) {
    if secret.len() < MIN_REDACTED_LEN {
        return;
    }
    let mut redacted = REDACTED
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // As written, and as it appears inside a JSON string.
    let escaped = serde_json::to_string(secret).unwrap_or_default();
    let escaped = escaped.trim_matches('"').to_string();
    for form in [secret.to_string(), escaped] {
        if !redacted.contains(&form) {
            redacted.push(form);
        }
    }
}

fn redacted(line: String) -> String {
    let secrets = REDACTED
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    secrets.iter().fold(line, |line, secret| {
        if line.contains(secret.as_str()) {
            line.replace(secret.as_str(), "[REDACTED]")
        } else {
            line
        }
    })
}

/// The log level Terraform asks for: `TF_LOG_PROVIDER`, else `TF_LOG`
/// (`JSON` means trace, as in Terraform); `warn` when neither is set.
pub fn level_from_env(lookup: impl Fn(&str) -> Option<String>) -> &'static str {
    let requested = lookup("TF_LOG_PROVIDER")
        .filter(|s| !s.is_empty())
        .or_else(|| lookup("TF_LOG").filter(|s| !s.is_empty()));
    match requested.map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("trace") | Some("json") => "trace",
        Some("debug") => "debug",
        Some("info") => "info",
        Some("warn") => "warn",
        Some("error") => "error",
        Some("off") => "off",
        // Terraform treats unknown levels as trace.
        Some(_) => "trace",
        None => "warn",
    }
}

/// The filter for `level`: that level everywhere, dependencies at most at
/// their cap. A cap never raises a dependency above the requested level (at
/// the default `warn`, a `debug` cap would make the SDK write about 18 lines
/// per request for Terraform to read and drop).
pub fn filter(level: &str) -> EnvFilter {
    let requested = level.parse::<LevelFilter>().unwrap_or(LevelFilter::WARN);
    let mut filter = EnvFilter::new(requested.to_string());
    for &(target, cap) in DEPENDENCY_CAPS {
        if let Ok(directive) = format!("{target}={}", requested.min(cap)).parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// Installs the stderr hclog subscriber. Safe to call more than once (only the
/// first call installs).
pub fn init(level: &str) {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .fmt_fields(JsonFields::new())
        .event_format(HclogFormat)
        .with_env_filter(filter(level))
        .try_init();
}

/// Formats events as hclog JSON lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct HclogFormat;

impl<S, N> FormatEvent<S, N> for HclogFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut entry = Map::new();
        // Span fields first, so the event's own fields win on a name clash.
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let extensions = span.extensions();
                if let Some(fields) = extensions.get::<FormattedFields<N>>() {
                    if let Ok(Json::Object(map)) = serde_json::from_str::<Json>(fields) {
                        entry.extend(map);
                    }
                }
            }
        }
        let mut visitor = FieldVisitor {
            message: String::new(),
            fields: &mut entry,
        };
        event.record(&mut visitor);
        let message = std::mem::take(&mut visitor.message);
        entry.insert(
            "@level".into(),
            Json::from(hclog_level(event.metadata().level())),
        );
        entry.insert("@message".into(), Json::from(message));
        entry.insert("@module".into(), Json::from("proton"));
        entry.insert("@timestamp".into(), Json::from(timestamp()));
        if let Ok(line) = serde_json::to_string(&entry) {
            writeln!(writer, "{}", redacted(line))?;
        }
        Ok(())
    }
}

fn hclog_level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// Now in go-plugin's layout, microseconds and `Z` for UTC.
fn timestamp() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

struct FieldVisitor<'a> {
    message: String,
    fields: &'a mut Map<String, Json>,
}

impl Visit for FieldVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.fields.insert(field.name().into(), Json::from(value));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields.insert(field.name().into(), Json::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields.insert(field.name().into(), Json::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields.insert(field.name().into(), Json::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields.insert(field.name().into(), Json::from(text));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The messages that pass `filter(level)`, by target.
    fn passed(level: &str, events: impl FnOnce()) -> Vec<String> {
        #[derive(Clone, Default)]
        struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_env_filter(filter(level))
            .without_time()
            .finish();
        tracing::subscriber::with_default(subscriber, events);
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        out.lines().map(str::to_string).collect()
    }

    #[test]
    fn dependency_caps_never_raise_the_requested_level() {
        let events = || {
            tracing::debug!(target: "aws_smithy_runtime::client", "sdk-debug");
            tracing::warn!(target: "aws_smithy_runtime::client", "sdk-warn");
            tracing::trace!(target: "hyper::proto", "hyper-trace");
            tracing::debug!(target: "terraform_provider_proton::x", "own-debug");
        };
        let at_warn = passed("warn", events);
        assert_eq!(at_warn.len(), 1, "{at_warn:?}");
        assert!(at_warn[0].contains("sdk-warn"));
        assert_eq!(filter("warn").max_level_hint(), Some(LevelFilter::WARN));

        let at_trace = passed("trace", events).join("\n");
        assert!(at_trace.contains("sdk-debug") && at_trace.contains("own-debug"));
        assert!(!at_trace.contains("hyper-trace"), "hyper is capped at info");
    }

    #[test]
    fn level_prefers_provider_variable() {
        let env = |k: &str| match k {
            "TF_LOG" => Some("TRACE".to_string()),
            "TF_LOG_PROVIDER" => Some("error".to_string()),
            _ => None,
        };
        assert_eq!(level_from_env(env), "error");
        assert_eq!(
            level_from_env(|k| (k == "TF_LOG").then(|| "json".to_string())),
            "trace"
        );
        assert_eq!(level_from_env(|_| None), "warn");
    }

    #[test]
    fn registered_secrets_are_masked_and_short_values_ignored() {
        redact("AKIAREDACTIONTEST1");
        redact("with\"quote-secret");
        redact("short");
        let line = serde_json::to_string(&serde_json::json!({
            "a": "key AKIAREDACTIONTEST1 and with\"quote-secret",
            "b": "a short word",
        }))
        .unwrap_or_default();
        let masked = redacted(line);
        assert!(!masked.contains("AKIAREDACTIONTEST1"), "{masked}");
        assert!(!masked.contains("quote-secret"), "{masked}");
        assert!(masked.contains("a short word"), "{masked}");
        assert_eq!(masked.matches("[REDACTED]").count(), 2, "{masked}");
    }

    #[test]
    fn timestamp_has_microseconds() {
        let ts = timestamp();
        // 2026-11-21T23:59:59.123456Z
        assert_eq!(ts.len(), 27, "{ts}");
        assert!(ts.ends_with('Z'));
        assert_eq!(&ts[19..20], ".");
    }
}
