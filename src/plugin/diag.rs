//! Diagnostics: how every user-facing problem reaches Terraform. The model
//! only; `plugin::wire` gives it its protocol form. Imports values and the
//! codec's error type.

use super::codec::CodecError;
use super::value::AttributePath;

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Fails the operation.
    Error,
    /// Shown, but the operation goes on.
    Warning,
}

/// One problem, optionally pointing at an attribute of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One line naming the action that failed.
    pub summary: String,
    /// What happened and what to do about it.
    pub detail: String,
    /// The attribute it concerns, so Terraform can point at the expression.
    pub attribute: Option<AttributePath>,
}

/// An ordered collection of diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// A collection holding one error.
    pub fn from_error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        let mut diags = Self::new();
        diags.error(summary, detail);
        diags
    }

    /// Adds an error about the whole resource or provider.
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Error, summary.into(), detail.into(), None);
    }

    /// Adds a warning about the whole resource or provider.
    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Warning, summary.into(), detail.into(), None);
    }

    /// Adds an error pointing at one attribute.
    pub fn attribute_error(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.attribute(Severity::Error, path, summary, detail);
    }

    /// Adds a diagnostic of `severity` pointing at one attribute (for code
    /// whose severity depends on when it runs).
    pub fn attribute(
        &mut self,
        severity: Severity,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(severity, summary.into(), detail.into(), Some(path));
    }

    fn push(
        &mut self,
        severity: Severity,
        summary: String,
        detail: String,
        attribute: Option<AttributePath>,
    ) {
        self.0.push(Diagnostic {
            severity,
            summary,
            detail,
            attribute,
        });
    }

    /// Appends all of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Whether any error is present.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// Whether there are none at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The same diagnostics with every attribute path moved under `prefix`:
    /// Terraform resolves list resource paths against the whole `list`
    /// block, whose `config {}` block holds the attributes.
    pub fn under(self, prefix: &AttributePath) -> Self {
        Self(
            self.0
                .into_iter()
                .map(|mut diagnostic| {
                    diagnostic.attribute = diagnostic.attribute.map(|path| {
                        AttributePath(prefix.0.iter().cloned().chain(path.0).collect())
                    });
                    diagnostic
                })
                .collect(),
        )
    }

    /// A value Terraform sent or the provider built did not fit the schema's
    /// type: a provider bug or a Terraform version speaking differently.
    pub fn from_codec_error(summary: &str, err: &CodecError) -> Self {
        Self::from_error(
            summary,
            format!("{err}. This is a bug in the provider or an incompatible Terraform version."),
        )
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Self(vec![diagnostic])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_prefixes_attribute_paths_only() {
        let mut diags = Diagnostics::new();
        diags.attribute_error(AttributePath::attr("name_prefix"), "bad", "d");
        diags.warning("general", "d");
        let moved = diags.under(&AttributePath::attr("config"));
        assert_eq!(
            moved.0[0].attribute,
            Some(AttributePath::attr("config").child_attr("name_prefix"))
        );
        assert_eq!(moved.0[1].attribute, None);
    }
}
