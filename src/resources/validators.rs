//! Proton's naming rules (model shapes `ResourceName` and
//! `TemplateVersionPart`) as schema validators, shared by every resource and
//! data source that takes a template name or a version number.

use crate::plugin::schema::Validator;

/// Proton's `ResourceName`.
pub fn template_name_validators() -> [Validator; 2] {
    [
        Validator::Length { min: 1, max: 100 },
        Validator::pattern(
            "^[0-9A-Za-z]+[0-9A-Za-z_\\-]*$",
            "must start with a letter or digit and contain only letters, digits, `_` and `-`",
        ),
    ]
}

/// Proton's `TemplateVersionPart`: the form of the number (with
/// [`version_part_length_validator`] for its length, so that a number that is
/// too long is not reported as malformed).
pub fn version_part_validator() -> Validator {
    Validator::pattern(
        "^(0|[1-9][0-9]*)$",
        "must be a whole number without leading zeros, such as \"1\"",
    )
}

/// Proton's `TemplateVersionPart` is at most 20 digits long.
pub fn version_part_length_validator() -> Validator {
    Validator::Length { min: 1, max: 20 }
}

/// Both rules of a version number, form and length.
pub fn version_part_validators() -> [Validator; 2] {
    [version_part_length_validator(), version_part_validator()]
}
