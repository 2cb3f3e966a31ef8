//! HCL for the acceptance tests' configurations.

/// A short `timeouts.delete` for a version block, so that a delete that waits
/// instead of converging fails a test quickly instead of after five minutes.
pub const SHORT_DELETE: &str = "  timeouts {\n    delete = \"20s\"\n  }";

/// A published version resource of type `ty` named `label`, from the bundle
/// `s3://BUCKET/KEY`; `template` is an HCL expression, `extra` more lines of
/// the block (indented by the caller).
pub fn published_version(
    ty: &str,
    label: &str,
    template: &str,
    (bucket, key): (&str, &str),
    extra: &str,
) -> String {
    format!(
        r#"
resource "{ty}" "{label}" {{
  template_name = {template}
  status        = "PUBLISHED"
  source {{
    s3 {{
      bucket = "{bucket}"
      key    = "{key}"
    }}
  }}
{extra}
}}
"#
    )
}
