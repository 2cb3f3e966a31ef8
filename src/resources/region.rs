//! `region` on every resource, data source and list resource, as terraform-provider-aws 6.x
//! has it ("enhanced region support"): the region an object lives in, when it is not the
//! provider's. The rules, cited by the code:
//!
//! 1. The attribute is optional and computed. Null in the configuration means the provider's
//!    region, which a plan knows (Terraform configures the provider before planning), so it is
//!    always planned known.
//! 2. A region must look like one (`us-east-1`) and be in the provider's partition: the
//!    credentials of one partition are not valid in another. Both are plan-time errors on the
//!    attribute, before any call.
//! 3. A change of region replaces the object, whether the configuration changes it or, for a
//!    resource that sets none, the provider's region changes: a Proton object cannot move, and
//!    the one in the new region is another object. A state without a region (written before
//!    the attribute existed, not yet refreshed) is not a change.
//! 4. Every operation on an object goes to the region its state records (the prior state for
//!    read, update and delete; the plan for create), so a refresh, a destroy or the destroy
//!    half of a replacement reaches the object where it is, whatever the provider says now. A
//!    state without `region` (rule 3) has it from its ARN ([`of_state`]).
//! 5. An import names the region with its id (`ID@REGION`, as terraform-provider-aws), its
//!    ARN, or its identity's `region`; none means the provider's region.

use crate::context::{Configured, ProviderState};
use crate::plugin::diag::Diagnostics;
use crate::plugin::provider::ResourcePlan;
use crate::plugin::schema::Validator;
use crate::plugin::value::{AttributePath, Value};
use crate::proton::model::partition_of_region;

/// The attribute's name, the same on every type.
pub const REGION: &str = "region";

/// What an AWS region name looks like (terraform-provider-aws's `ValidRegionName`).
pub fn region_validator() -> Validator {
    Validator::pattern(
        r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$",
        "must be an AWS region name such as `us-east-1`",
    )
}

/// The description of a resource's `region`.
pub fn resource_description(noun: &str) -> String {
    format!("AWS region the {noun} lives in, in the provider's partition. Defaults to the provider's `region`. A change replaces the {noun}, including a change of the provider's region for a {noun} that sets none.")
}

/// The description of a data source's `region`.
pub const LOOKUP_DESCRIPTION: &str =
    "AWS region to read from, in the provider's partition. Defaults to the provider's `region`.";

/// The description of a list resource's `region`.
pub const LIST_DESCRIPTION: &str =
    "AWS region to list, in the provider's partition. Omitted: the provider's `region`.";

/// Rule 2: why `region` cannot be used with a provider in `default_region`, if it cannot.
pub fn partition_error(region: &str, default_region: &str) -> Option<String> {
    let (wanted, configured) = (
        partition_of_region(region),
        partition_of_region(default_region),
    );
    (wanted != configured).then(|| {
        format!("The region `{region}` is in the AWS partition `{wanted}`, but the provider is configured for region `{default_region}` in partition `{configured}`, whose credentials are not valid there. Use a region of partition `{configured}`, or a provider alias configured for `{wanted}` (its own `region` and credentials).")
    })
}

/// Plans `region` (rules 1 to 3) for a provider in `default_region` (`None` before
/// configuration, when nothing is planned).
pub fn plan_region(plan: &mut ResourcePlan<'_>, default_region: Option<&str>) {
    let Some(default_region) = default_region else {
        return;
    };
    let planned = match plan.config.get_attr(REGION) {
        Some(Value::Null) | None => Value::string(default_region),
        Some(configured) => configured.clone(),
    };
    let path = AttributePath::attr(REGION);
    if let Some(error) = planned
        .as_str()
        .and_then(|r| partition_error(r, default_region))
    {
        plan.diagnostics.attribute_error(
            path.clone(),
            "Region outside the provider's partition",
            error,
        );
    }
    let prior = plan.prior.get_attr(REGION).and_then(Value::as_str);
    if prior.is_some_and(|prior| planned.as_str() != Some(prior)) {
        plan.requires_replace.push(path);
    }
    plan.set(REGION, planned);
}

/// Rule 4: the region a state's object lives in: its `region`, else its ARN's, else (`None`)
/// the provider's.
pub fn of_state<'a>(region: Option<&'a str>, arn: Option<&'a str>) -> Option<&'a str> {
    region.or_else(|| {
        let arn = arn?;
        // `arn:PARTITION:proton:REGION:...`
        arn.split(':').nth(3).filter(|region| !region.is_empty())
    })
}

/// What a data source or list resource reading `region` (the provider's for `None`) works
/// with, after rule 2, whose error is on its attribute `region`.
pub fn lookup(provider: &ProviderState, region: Option<&str>) -> Result<Configured, Diagnostics> {
    if let (Some(region), Some(default_region)) = (region, provider.default_region()) {
        if let Some(error) = partition_error(region, default_region) {
            let mut diags = Diagnostics::new();
            diags.attribute_error(
                AttributePath::attr(REGION),
                "Region outside the provider's partition",
                error,
            );
            return Err(diags);
        }
    }
    provider.configured(region)
}

/// Rule 5: an import id split into what names the object and the region `@REGION` names
/// (`None` without one).
pub fn split_import_id(id: &str) -> (&str, Option<&str>) {
    match id.rsplit_once('@') {
        Some((named, region)) => (named, Some(region)),
        None => (id, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_name_their_region_after_the_last_at() {
        assert_eq!(split_import_id("web"), ("web", None));
        assert_eq!(
            split_import_id("web:1.0@eu-west-1"),
            ("web:1.0", Some("eu-west-1"))
        );
        assert_eq!(split_import_id("web@"), ("web", Some("")));
    }

    #[test]
    fn a_state_without_region_lives_where_its_arn_says() {
        let arn = "arn:aws:proton:eu-west-1:123456789012:environment-template/web";
        assert_eq!(of_state(Some("us-east-2"), Some(arn)), Some("us-east-2"));
        assert_eq!(of_state(None, Some(arn)), Some("eu-west-1"));
        assert_eq!(of_state(None, None), None);
        assert_eq!(of_state(None, Some("web")), None);
    }

    #[test]
    fn regions_of_another_partition_are_refused_naming_both() {
        assert_eq!(partition_error("eu-west-1", "us-east-1"), None);
        let error = partition_error("cn-north-1", "us-east-1").unwrap_or_default();
        assert!(
            error.contains("`aws-cn`") && error.contains("`aws`") && error.contains("us-east-1"),
            "{error}"
        );
    }
}
