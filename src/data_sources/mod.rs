//! The provider's data sources, one module each, and what they share: the
//! three look-ups (a template, one template version, every version of a
//! template) are each implemented once, parameterised by template kind, in
//! [`template`], [`template_version`] and [`template_versions`].
//!
//! Every result is wholly known. A look-up that finds nothing is an error
//! that names what was looked for; only the versions list of an existing
//! template may be empty.

use crate::kind::TemplateKind;
use crate::plugin::diag::Diagnostics;
use crate::proton::ProtonError;

pub mod template;
pub mod template_version;
pub mod template_versions;

/// What a look-up looks for: a template of a kind, or a version of one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sought {
    Template(TemplateKind),
    Version(TemplateKind),
}

impl Sought {
    /// `Environment template version`, say: "… not found" follows.
    fn capitalized(self) -> String {
        match self {
            Self::Template(kind) => kind.capitalized_noun(),
            Self::Version(kind) => format!("{} version", kind.capitalized_noun()),
        }
    }
}

impl std::fmt::Display for Sought {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Template(kind) => write!(f, "{}", kind.noun()),
            Self::Version(kind) => write!(f, "{} version", kind.noun()),
        }
    }
}

/// The error for a look-up: "not found" says what was looked for; any other
/// failure is "Unable to read …" with the Proton error.
pub(crate) fn lookup_error(sought: Sought, looked_for: &str, err: &ProtonError) -> Diagnostics {
    if err.is_not_found() {
        not_found(sought, format!("Found no {looked_for}: {err}."))
    } else {
        Diagnostics::from_error(format!("Unable to read {sought}"), err.to_string())
    }
}

/// "… not found", with `detail`.
pub(crate) fn not_found(sought: Sought, detail: String) -> Diagnostics {
    Diagnostics::from_error(format!("{} not found", sought.capitalized()), detail)
}
