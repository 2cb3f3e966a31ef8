//! Imports by ARN: an ARN names a partition, region and account, and the
//! provider reaches exactly one of each. Importing an ARN from elsewhere
//! would bind the same-named object of the configured account, so it is
//! refused, naming both. Partition and region are checked before any call
//! (against the provider's region); the account is known only from the ARN
//! Proton returns for the object.

use crate::plugin::diag::Diagnostics;
use crate::proton::model::{partition_of_region, ArnScope};
use crate::proton::ProtonClient;

/// Refuses an import ARN whose partition or region is not the provider's.
/// Ids that are not ARNs (names, `NAME:MAJOR.MINOR`) pass.
pub(crate) fn refuse_foreign_region(id: &str, client: &ProtonClient) -> Result<(), Diagnostics> {
    let (Some(imported), Some(region)) = (ArnScope::of(id), client.region()) else {
        return Ok(());
    };
    let partition = partition_of_region(region);
    if imported.partition != partition {
        return Err(Diagnostics::from_error(
            "Cannot import from another partition",
            format!(
                "`{id}` is in the AWS partition `{}`, but the provider is configured for region `{region}` in partition `{partition}`, so it would import the object of the same name there instead. Import it with a provider configured for that partition (a provider alias with `region` and credentials of that partition), or import by name to adopt the object in `{region}`.",
                imported.partition
            ),
        ));
    }
    if imported.region != region {
        return Err(Diagnostics::from_error(
            "Cannot import from another region",
            format!(
                "`{id}` is in region `{}`, but the provider is configured for region `{region}`, so it would import the object of the same name there instead. Import it with a provider configured for `{}` (for example a provider alias with `region = \"{}\"`), or import by name to adopt the object in `{region}`.",
                imported.region, imported.region, imported.region
            ),
        ));
    }
    Ok(())
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
