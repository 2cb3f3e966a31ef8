//! `list "proton_environment_template"` / `list "proton_service_template"`:
//! every template of the family, optionally those whose name starts with
//! `name_prefix`.

use async_stream::stream;

use super::{list_error, with_client};
use crate::field;
use crate::plugin::model::Fields;
use crate::plugin::provider::{ListRequest, ListResource, ListStream, ListedResource, OpContext};
use crate::plugin::value::Value;
use crate::proton::listing;
use crate::resources::identity::identity_of;
use crate::resources::kind::{family_type, type_name_and_schema, KindSpec};
use crate::resources::model::TemplateModel;
use crate::resources::template::{current, fields as template_fields};

/// The `config {}` block.
#[derive(Debug, Default)]
pub struct ListConfig {
    pub name_prefix: Option<String>,
}

fn config_fields(_spec: &KindSpec) -> Fields<ListConfig> {
    Fields::new([field!(ListConfig, name_prefix)
        .optional("Only templates whose name starts with this. Omitted: all of them.")])
}

family_type! {
    /// The template list resource of one family.
    pub struct TemplateList(ListConfig) = config_fields,
        "Lists the AWS Proton {noun}s of the account and region, for `terraform query`.";
}

impl ListResource for TemplateList {
    type_name_and_schema!(template_type, config_schema);

    fn list(&self, ctx: OpContext, request: ListRequest) -> ListStream {
        let spec = self.spec;
        let prefix = self
            .fields
            .read(&request.config)
            .name_prefix
            .unwrap_or_default();
        let include_resource = request.include_resource;
        with_client(&self.provider, move |client, defaults| {
            stream! {
                let (client, defaults, cancel) = (&client, &defaults, &ctx.cancel);
                let resource_fields = template_fields(spec);
                for await template in listing::templates(client.clone(), spec.kind, cancel.clone()) {
                    let template = match template {
                        Ok(template) => template,
                        Err(err) => {
                            yield Err(list_error(spec.noun(), &err));
                            return;
                        }
                    };
                    if !template.name.starts_with(&prefix) {
                        continue;
                    }
                    let model = if include_resource {
                        let base = TemplateModel::default();
                        match current(client, spec.kind, &template.name, &base, defaults, cancel).await {
                            Ok(Some(model)) => model,
                            // Deleted since it was listed.
                            Ok(None) => continue,
                            Err(err) => {
                                yield Err(list_error(spec.noun(), &err));
                                return;
                            }
                        }
                    } else {
                        TemplateModel::from(&template)
                    };
                    let display_name = model.name.clone();
                    let resource = include_resource.then(|| resource_fields.write(&model));
                    yield Ok(ListedResource {
                        identity: identity_of(model, &Value::Null),
                        display_name,
                        resource,
                    });
                }
            }
        })
    }
}
