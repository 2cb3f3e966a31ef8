//! Where an import id's object lives. An id names its region with `@REGION`
//! or its ARN (else the provider's region, region rule 5), and an ARN names a
//! partition and an account too. The provider's credentials reach one
//! partition and one account, so an ARN of another is refused, naming both:
//! importing it would bind the same-named object of the provider's own.
//! Region and partition are checked before any call; the account is known
//! only from the ARN Proton returns for the object.

use crate::plugin::diag::Diagnostics;
use crate::plugin::schema::validate_value;
use crate::plugin::value::{AttributePath, Value};
use crate::proton::model::{partition_of_region, ArnScope};
use crate::resources::region::{partition_error, region_validator, split_import_id};

/// The import id `id` without its `@REGION`, and the region of the object it
/// names, for a provider in `default_region`. Refuses a malformed region, a
/// suffix that contradicts an ARN, and a partition other than the provider's.
pub(crate) fn import_region<'a>(
    id: &'a str,
    default_region: &str,
) -> Result<(&'a str, String), Diagnostics> {
    let (named, suffix) = split_import_id(id);
    let arn = ArnScope::of(named);
    let region = match (&arn, suffix) {
        (Some(arn), Some(suffix)) if suffix != arn.region => {
            return Err(Diagnostics::from_error(
                "Conflicting import regions",
                format!("`{named}` is in region `{}`, but the import id ends in `@{suffix}`. An ARN names its region: leave out the suffix.", arn.region),
            ));
        }
        (Some(arn), _) => arn.region.clone(),
        (None, Some(suffix)) => suffix.to_string(),
        (None, None) => default_region.to_string(),
    };
    let mut diags = Diagnostics::new();
    let checked = Value::string(&region);
    validate_value(
        &checked,
        &[region_validator()],
        &AttributePath::root(),
        &mut diags,
    );
    if diags.has_errors() {
        return Err(Diagnostics::from_error(
            "Invalid import region",
            format!("`{id}` names the region `{region}`, which is not an AWS region name such as `us-east-1`. Name a region with `ID@REGION`, for example `{named}@eu-west-1`."),
        ));
    }
    let partition = partition_of_region(default_region);
    let foreign = match &arn {
        Some(arn) if arn.partition != partition => Some(format!(
            "`{id}` is in the AWS partition `{}`, but the provider is configured for region `{default_region}` in partition `{partition}`, whose credentials are not valid there.",
            arn.partition
        )),
        _ => partition_error(&region, default_region),
    };
    match foreign {
        Some(why) => Err(Diagnostics::from_error(
            "Cannot import from another partition",
            format!("{why} Import it with a provider configured for that partition (a provider alias with its own `region` and credentials)."),
        )),
        None => Ok((named, region)),
    }
}

/// Refuses an import ARN whose account is not that of the object Proton
/// returned (`found_arn`), i.e. not the account of the provider's credentials.
pub(crate) fn refuse_foreign_account(id: &str, found_arn: &str) -> Result<(), Diagnostics> {
    let (Some(imported), Some(found)) = (ArnScope::of(id), ArnScope::of(found_arn)) else {
        return Ok(());
    };
    if imported.account == found.account {
        return Ok(());
    }
    Err(Diagnostics::from_error(
        "Cannot import from another account",
        format!(
            "`{id}` is in account `{}`, but the provider's credentials are for account `{}`: Proton answered with `{found_arn}`, an object of the same name in that account. Import it with a provider whose credentials are for account `{}` (a provider alias), or import by name to adopt the object in account `{}`.",
            imported.account, found.account, imported.account, found.account
        ),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_region_comes_from_the_suffix_the_arn_or_the_provider() {
        let arn = "arn:aws:proton:eu-west-1:123456789012:environment-template/web";
        assert_eq!(
            import_region("web", "us-east-1").unwrap(),
            ("web", "us-east-1".to_string())
        );
        assert_eq!(
            import_region("web:1.0@eu-west-1", "us-east-1").unwrap(),
            ("web:1.0", "eu-west-1".to_string())
        );
        assert_eq!(
            import_region(arn, "us-east-1").unwrap(),
            (arn, "eu-west-1".to_string())
        );
        let refused = |id: &str| format!("{:?}", import_region(id, "us-east-1").unwrap_err());
        assert!(refused(&format!("{arn}@us-east-1")).contains("Conflicting import regions"));
        assert!(refused("web@Mars").contains("Invalid import region"));
        assert!(refused("web@").contains("Invalid import region"));
        assert!(refused("web@cn-north-1").contains("`aws-cn`"));
        let other_partition = "arn:aws-cn:proton:us-east-1:123456789012:environment-template/web";
        assert!(refused(other_partition).contains("`aws-cn`"));
    }

    #[test]
    fn foreign_accounts_are_named_with_the_providers() {
        let found = "arn:aws:proton:us-east-1:123456789012:environment-template/web";
        assert!(refuse_foreign_account(found, found).is_ok());
        assert!(refuse_foreign_account("web", found).is_ok());
        let err = refuse_foreign_account(
            "arn:aws:proton:us-east-1:999999999999:environment-template/web",
            found,
        )
        .unwrap_err();
        let text = format!("{err:?}");
        assert!(
            text.contains("999999999999") && text.contains("123456789012"),
            "{text}"
        );
    }
}
