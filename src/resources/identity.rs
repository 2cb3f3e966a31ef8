//! Resource identity (Terraform 1.12+), parameterized as
//! terraform-provider-aws does for APIs that take names: the optional
//! `account_id` and `region`, then what names the object. Proton reports
//! the account only in an ARN, so an identity's account and region come from
//! the object's ARN (and so never change for it); an identity import turns
//! into the import id that says the same, and goes through the same checks.

use std::sync::LazyLock;

use crate::field;
use crate::plugin::diag::Diagnostics;
use crate::plugin::model::{AttrValue, Fields, NestedModel};
use crate::plugin::schema::IdentitySchema;
use crate::plugin::value::Value;
use crate::proton::model::{partition_of_region, ArnScope};
use crate::proton::{ProtonClient, TemplateKind, VersionKey};
use crate::resources::model::{TemplateModel, VersionModel};

// Every attribute may be null: what a plan does not know yet (a new
// version's numbers, say) is null there, and Apply fills it in.

/// A template's identity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateIdentity {
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub name: Option<String>,
}

/// A template version's identity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VersionIdentity {
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub template_name: Option<String>,
    pub major_version: Option<String>,
    pub minor_version: Option<String>,
}

const ACCOUNT_ID: &str = "AWS account of the object. Omitted on import: the account of the provider's credentials; another account is refused.";
const REGION: &str = "AWS region of the object. Omitted on import: the provider's region; another region is refused.";

impl NestedModel for TemplateIdentity {
    fn fields() -> Fields<Self> {
        Fields::new([
            field!(TemplateIdentity, account_id).optional_for_import(ACCOUNT_ID),
            field!(TemplateIdentity, region).optional_for_import(REGION),
            field!(TemplateIdentity, name).required_for_import("Name of the template."),
        ])
    }
}

impl NestedModel for VersionIdentity {
    fn fields() -> Fields<Self> {
        Fields::new([
            field!(VersionIdentity, account_id).optional_for_import(ACCOUNT_ID),
            field!(VersionIdentity, region).optional_for_import(REGION),
            field!(VersionIdentity, template_name)
                .required_for_import("Name of the template the version belongs to."),
            field!(VersionIdentity, major_version).required_for_import("Major version number."),
            field!(VersionIdentity, minor_version).required_for_import("Minor version number."),
        ])
    }
}

crate::nested_model!(TemplateIdentity);
crate::nested_model!(VersionIdentity);

/// What a family's identity gives its resource (see
/// [`identity_hooks!`](crate::resources::kind::identity_hooks)).
pub trait Identity: AttrValue {
    /// The resource model it is the identity of.
    type Model;
    /// The identity schema.
    fn schema() -> &'static IdentitySchema;
    /// The identity of the object a state describes.
    fn of(state: &Self::Model) -> Self;
    /// The import id that names the same object.
    fn import_id(&self, kind: TemplateKind, client: &ProtonClient) -> Result<String, Diagnostics>;
}

/// The templates' identity schema.
pub static TEMPLATE_IDENTITY: LazyLock<IdentitySchema> =
    LazyLock::new(|| TemplateIdentity::fields().identity_schema());

/// The template versions' identity schema.
pub static VERSION_IDENTITY: LazyLock<IdentitySchema> =
    LazyLock::new(|| VersionIdentity::fields().identity_schema());

/// The account and region an object's ARN names (none while it has no ARN).
fn scope(arn: Option<&str>) -> (Option<String>, Option<String>) {
    match arn.and_then(ArnScope::of) {
        Some(scope) => (Some(scope.account), Some(scope.region)),
        None => (None, None),
    }
}

impl Identity for TemplateIdentity {
    type Model = TemplateModel;

    fn schema() -> &'static IdentitySchema {
        &TEMPLATE_IDENTITY
    }

    fn of(state: &TemplateModel) -> Self {
        let (account_id, region) = scope(state.arn.as_deref());
        Self {
            account_id,
            region,
            name: Some(state.name.clone()).filter(|name| !name.is_empty()),
        }
    }

    /// Its ARN when the identity gives an account, else its name.
    fn import_id(&self, kind: TemplateKind, client: &ProtonClient) -> Result<String, Diagnostics> {
        let name = self.name.as_deref().unwrap_or_default();
        let resource = format!("{}/{name}", kind.arn_resource_type());
        let (account, region) = (self.account_id.as_deref(), self.region.as_deref());
        import_id(account, region, &resource, name, client)
    }
}

impl Identity for VersionIdentity {
    type Model = VersionModel;

    fn schema() -> &'static IdentitySchema {
        &VERSION_IDENTITY
    }

    fn of(state: &VersionModel) -> Self {
        let (account_id, region) = scope(state.arn.as_deref());
        Self {
            account_id,
            region,
            template_name: Some(state.template_name.clone()).filter(|name| !name.is_empty()),
            major_version: state.major_version.clone(),
            minor_version: state.minor_version.clone(),
        }
    }

    /// Its ARN when the identity gives an account, else
    /// `TEMPLATE_NAME:MAJOR.MINOR`.
    fn import_id(&self, kind: TemplateKind, client: &ProtonClient) -> Result<String, Diagnostics> {
        let part = |part: &Option<String>| part.clone().unwrap_or_default();
        let key = VersionKey::new(
            part(&self.template_name),
            part(&self.major_version),
            part(&self.minor_version),
        );
        let resource = format!(
            "{}/{}:{}.{}",
            kind.arn_resource_type(),
            key.template_name,
            key.major,
            key.minor
        );
        import_id(
            self.account_id.as_deref(),
            self.region.as_deref(),
            &resource,
            &key.to_string(),
            client,
        )
    }
}

/// `arn:PARTITION:proton:REGION:ACCOUNT:RESOURCE` when `account` is given
/// (the ARN import then checks region and account), else `plain` once a
/// given region is the provider's.
fn import_id(
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

/// The import id an `import { identity = ... }` of `I` names.
pub fn import_id_of<I: Identity>(
    identity: &Value,
    kind: TemplateKind,
    client: &ProtonClient,
) -> Result<String, Diagnostics> {
    I::from_value(identity).import_id(kind, client)
}
