//! `list "proton_environment_template"` / `list "proton_service_template"`:
//! every template of the kind, optionally those whose name starts with
//! `name_prefix`.

use std::sync::Arc;

use async_stream::stream;
use futures_util::{future, StreamExt};
use tokio_util::sync::CancellationToken;

use super::{list_error, with_client, READ_AHEAD};
use crate::context::{Configured, KindType, Listed};
use crate::field;
use crate::kind::TemplateKind;
use crate::plugin::model::Fields;
use crate::plugin::provider::{ListRequest, ListStream, ListedResource, OpContext};
use crate::plugin::typed::{Shape, TypedListResource};
use crate::plugin::value::Value;
use crate::proton::{listing, ProtonError, Template};
use crate::resources::model::TemplateModel;
use crate::resources::region::{self, region_validator};
use crate::resources::template::{current, shape as resource_shape};

/// The `config {}` block.
#[derive(Debug, Default)]
pub struct ListConfig {
    pub name_prefix: Option<String>,
    pub region: Option<String>,
}

fn config_fields() -> Fields<ListConfig> {
    Fields::new([
        field!(ListConfig, name_prefix)
            .optional("Only templates whose name starts with this. Omitted: all of them."),
        field!(ListConfig, region)
            .optional(region::LIST_DESCRIPTION)
            .validate(region_validator()),
    ])
}

/// The template list resource of one kind.
pub type TemplateList = KindType<ListConfig, Listed>;

/// The name, schema and fields of the list resource of `kind`.
pub(crate) fn shape(kind: TemplateKind) -> Shape<ListConfig> {
    let description =
        format!("Lists the AWS Proton {kind}s of the account and region (the provider's, or `region`), for `terraform query`.");
    Shape::new(kind.facts().template_type, &description, config_fields())
}

impl TypedListResource for TemplateList {
    fn list(&self, ctx: OpContext, config: ListConfig, request: &ListRequest) -> ListStream {
        let (kind, resource_shape) = (self.kind, Arc::new(resource_shape(self.kind)));
        let prefix = config.name_prefix.unwrap_or_default();
        let include_resource = request.include_resource;
        with_client(
            &self.provider,
            config.region.as_deref(),
            move |configured| {
                stream! {
                    let (configured, cancel) = (&configured, &ctx.cancel);
                    let client = &configured.client;
                    let templates = listing::templates(client.clone(), kind, cancel.clone())
                        .filter(|template| {
                            let name = template.as_ref().map(|template| &template.name);
                            future::ready(name.map_or(true, |name| name.starts_with(&prefix)))
                        })
                        .map(|template| read_listed(configured, kind, include_resource, template, cancel))
                        .buffered(READ_AHEAD);
                    for await model in templates {
                        let model = match model {
                            Ok(Some(model)) => model,
                            // Deleted since it was listed.
                            Ok(None) => continue,
                            Err(err) => {
                                yield Err(list_error(kind.noun(), &err));
                                return;
                            }
                        };
                        let display_name = model.name.clone();
                        let resource = include_resource.then(|| resource_shape.write(&model));
                        let identity = resource_shape.identity_of(model, &Value::Null);
                        yield Ok(ListedResource {
                            identity: identity.unwrap_or(Value::Null),
                            display_name,
                            resource,
                        });
                    }
                }
            },
        )
    }
}

/// A listed `template` (or the listing's error) as its state: with
/// `include_resource`, as the resource's Read finds it; `None` when it was
/// deleted since it was listed.
async fn read_listed(
    configured: &Configured,
    kind: TemplateKind,
    include_resource: bool,
    template: Result<Template, ProtonError>,
    cancel: &CancellationToken,
) -> Result<Option<TemplateModel>, ProtonError> {
    let template = template?;
    if !include_resource {
        return Ok(Some(TemplateModel::from(&template)));
    }
    current(
        configured,
        kind,
        &template.name,
        &TemplateModel::default(),
        cancel,
    )
    .await
}
