//! Resource identity (Terraform 1.12+), parameterized as
//! terraform-provider-aws does for APIs that take names: the optional
//! `account_id` and `region`, then what names the object. An identity is a
//! view of the resource's model: its names, and the account and region its
//! ARN gives (so they never change for an object). An identity import is the
//! id import that says the same, and goes through the same checks.
//!
//! This module has what both identities share; each resource module
//! declares its model's own ([`Identified`]).

use crate::plugin::model::Fields;
use crate::proton::model::{partition_of_region, ArnScope};
use crate::proton::TemplateKind;

pub(crate) const ACCOUNT_ID: &str = "AWS account of the object. Omitted on import: the account of the provider's credentials; another account is refused.";
pub(crate) const REGION: &str =
    "AWS region of the object. Omitted on import: the provider's region.";

/// A resource model with an identity.
pub trait Identified: Sized {
    /// The identity's attributes, as fields of the model.
    fn identity_fields() -> Fields<Self>;

    /// The ARN, and the account and region to set from it.
    fn scope_mut(&mut self) -> (Option<&str>, &mut Option<String>, &mut Option<String>);

    /// Sets `account_id` and `region` from the ARN (none while there is none).
    fn scoped(mut self) -> Self {
        let (arn, account_id, region) = self.scope_mut();
        let scope = arn.and_then(ArnScope::of);
        *account_id = scope.as_ref().map(|scope| scope.account.clone());
        *region = scope.map(|scope| scope.region);
        self
    }

    /// The import id that names the object the identity attributes name: its
    /// ARN when they give an account, else its plain id (with `@REGION` for a
    /// region other than the provider's `default_region`).
    fn import_id(&self, kind: TemplateKind, default_region: &str) -> String;
}

/// `arn:PARTITION:proton:REGION:ACCOUNT:RESOURCE` when `account` is given
/// (the ARN import then checks partition and account), else `plain`, with
/// `@REGION` when a given region is not the provider's `default_region`
/// (region rule 5).
pub(crate) fn arn_or(
    account: Option<&str>,
    region: Option<&str>,
    resource: &str,
    plain: &str,
    default_region: &str,
) -> String {
    let region = region.unwrap_or(default_region);
    if let Some(account) = account {
        let partition = partition_of_region(region);
        return format!("arn:{partition}:proton:{region}:{account}:{resource}");
    }
    match region == default_region {
        true => plain.to_string(),
        false => format!("{plain}@{region}"),
    }
}
