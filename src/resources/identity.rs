//! Resource identity (Terraform 1.12+), parameterized as
//! terraform-provider-aws does for APIs that take names: the optional
//! `account_id` and `region`, then what names the object. An identity is a
//! view of the resource's model: its names, and the account and region its
//! ARN gives (so they never change for an object). An identity import is the
//! id import that says the same, and goes through the same checks.

use crate::field;
use crate::plugin::diag::Diagnostics;
use crate::plugin::model::Fields;
use crate::proton::model::{partition_of_region, ArnScope};
use crate::proton::{ProtonClient, TemplateKind, VersionKey};
use crate::resources::model::{TemplateModel, VersionModel};

const ACCOUNT_ID: &str = "AWS account of the object. Omitted on import: the account of the provider's credentials; another account is refused.";
const REGION: &str = "AWS region of the object. Omitted on import: the provider's region; another region is refused.";

/// A resource model with an identity.
pub trait Identified: Sized {
    /// The identity's attributes, as fields of the model.
    fn identity_fields() -> Fields<Self>;
    /// Sets `account_id` and `region` from the ARN (none while there is none).
    fn scoped(self) -> Self;
    /// The import id that names the object the identity attributes name: its
    /// ARN when they give an account, else its plain id.
    fn import_id(&self, kind: TemplateKind, client: &ProtonClient) -> Result<String, Diagnostics>;
}

impl Identified for TemplateModel {
    fn identity_fields() -> Fields<Self> {
        Fields::new([
            field!(TemplateModel, account_id).optional_for_import(ACCOUNT_ID),
            field!(TemplateModel, region).optional_for_import(REGION),
            field!(TemplateModel, name).required_for_import("Name of the template."),
        ])
    }

    fn scoped(self) -> Self {
        let (account_id, region) = scope(self.arn.as_deref());
        Self {
            account_id,
            region,
            ..self
        }
    }

    /// Its ARN when the identity gives an account, else its name.
    fn import_id(&self, kind: TemplateKind, client: &ProtonClient) -> Result<String, Diagnostics> {
        let resource = format!("{}/{}", kind.arn_resource_type(), self.name);
        let (account, region) = (self.account_id.as_deref(), self.region.as_deref());
        arn_or(account, region, &resource, &self.name, client)
    }
}

impl Identified for VersionModel {
    fn identity_fields() -> Fields<Self> {
        Fields::new([
            field!(VersionModel, account_id).optional_for_import(ACCOUNT_ID),
            field!(VersionModel, region).optional_for_import(REGION),
            field!(VersionModel, template_name)
                .required_for_import("Name of the template the version belongs to."),
            field!(VersionModel, major_version).required_for_import("Major version number."),
            field!(VersionModel, minor_version).required_for_import("Minor version number."),
        ])
    }

    fn scoped(self) -> Self {
        let (account_id, region) = scope(self.arn.as_deref());
        Self {
            account_id,
            region,
            ..self
        }
    }

    /// Its ARN when the identity gives an account, else
    /// `TEMPLATE_NAME:MAJOR.MINOR`.
    fn import_id(&self, kind: TemplateKind, client: &ProtonClient) -> Result<String, Diagnostics> {
        let part = |part: &Option<String>| part.clone().unwrap_or_default();
        let (major, minor) = (part(&self.major_version), part(&self.minor_version));
        let key = VersionKey::new(&self.template_name, major, minor);
        // A version ARN ends in `TEMPLATE_NAME:MAJOR.MINOR` too.
        let resource = format!("{}/{key}", kind.arn_resource_type());
        let (account, region) = (self.account_id.as_deref(), self.region.as_deref());
        arn_or(account, region, &resource, &key.to_string(), client)
    }
}

/// The account and region an ARN names.
fn scope(arn: Option<&str>) -> (Option<String>, Option<String>) {
    match arn.and_then(ArnScope::of) {
        Some(scope) => (Some(scope.account), Some(scope.region)),
        None => (None, None),
    }
}

/// `arn:PARTITION:proton:REGION:ACCOUNT:RESOURCE` when `account` is given
/// (the ARN import then checks region and account), else `plain` once a
/// given region is the provider's.
fn arn_or(
    account: Option<&str>,
    region: Option<&str>,
    resource: &str,
    plain: &str,
    client: &ProtonClient,
) -> Result<String, Diagnostics> {
    let configured = client.region().unwrap_or_default();
    let region = region.unwrap_or(configured);
    if let Some(account) = account {
        let partition = partition_of_region(region);
        return Ok(format!(
            "arn:{partition}:proton:{region}:{account}:{resource}"
        ));
    }
    if region != configured {
        return Err(Diagnostics::from_error(
            "Cannot import from another region",
            format!(
                "The identity names region `{region}`, but the provider is configured for region `{configured}`, so it would import the object of the same name there instead. Import it with a provider configured for `{region}` (for example a provider alias with `region = \"{region}\"`), or leave `region` out to adopt the object in `{configured}`."
            ),
        ));
    }
    Ok(plain.to_string())
}
