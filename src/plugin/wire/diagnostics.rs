//! Diagnostics and attribute paths in their protocol form.

use crate::plugin::diag::{Diagnostic, Diagnostics, Severity};
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::value::{AttributePath, PathStep};

/// The protocol form of a collection, in order.
pub(crate) fn diagnostics(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    diags.0.into_iter().map(diagnostic).collect()
}

/// The protocol form of one diagnostic. Severity is always set: Terraform
/// ignores INVALID.
fn diagnostic(diagnostic: Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match diagnostic.severity {
            Severity::Error => pb::diagnostic::Severity::Error,
            Severity::Warning => pb::diagnostic::Severity::Warning,
        } as i32,
        summary: diagnostic.summary,
        detail: diagnostic.detail,
        attribute: diagnostic.attribute.map(|path| attribute_path(&path)),
    }
}

/// An attribute path in the protocol form.
pub(crate) fn attribute_path(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .0
            .iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                    PathStep::ElementKeyString(key) => Selector::ElementKeyString(key.clone()),
                    PathStep::ElementKeyInt(index) => Selector::ElementKeyInt(*index),
                }),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_diagnostics_carry_their_path() {
        let mut diags = Diagnostics::new();
        diags.attribute_error(
            AttributePath::root().child_attr("tags").child_key("k"),
            "s",
            "d",
        );
        diags.warning("w", "d");
        let proto = diagnostics(diags);
        assert_eq!(proto[0].severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(proto[1].severity, pb::diagnostic::Severity::Warning as i32);
        assert_eq!(proto[1].attribute, None);
        let steps: Vec<_> = proto[0]
            .attribute
            .iter()
            .flat_map(|path| &path.steps)
            .filter_map(|step| step.selector.clone())
            .collect();
        use pb::attribute_path::step::Selector;
        assert_eq!(
            steps,
            [
                Selector::AttributeName("tags".into()),
                Selector::ElementKeyString("k".into())
            ]
        );
    }
}
