//! The provider's data sources, one module each, and what they share: the
//! three look-ups (a template, one template version, every version of a
//! template) are each implemented once, parameterised by template kind, in
//! [`template`], [`template_version`] and [`template_versions`].
//!
//! Every result is wholly known. A look-up that finds nothing is an error
//! that names what was looked for; only the versions list of an existing
//! template may be empty.

use crate::plugin::diag::Diagnostics;
use crate::proton::ProtonError;

pub mod template;
pub mod template_version;
pub mod template_versions;

/// The error for a look-up: "not found" says what was looked for; any other
/// failure is "Unable to read …" with the Proton error.
pub(crate) fn lookup_error(noun: &str, looked_for: &str, err: &ProtonError) -> Diagnostics {
    if err.is_not_found() {
        Diagnostics::from_error(
            format!("{} not found", capitalized(noun)),
            format!("Found no {looked_for}: {err}."),
        )
    } else {
        Diagnostics::from_error(format!("Unable to read {noun}"), err.to_string())
    }
}

/// The first letter in upper case.
pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
