//! One page of a listing at a time, for callers that stream what they find
//! (list resources) instead of collecting every page first. Each returns
//! the page and the token of the next one (`None` after the last).

use super::kind::Op;
use super::{next_page, ProtonClient};
use crate::proton::error::ProtonError;
use crate::proton::model::{Template, TemplateKind, TemplateVersionSummary};

impl ProtonClient {
    /// The page of a kind's templates at `token` (`None`: the first).
    pub async fn template_page(
        &self,
        kind: TemplateKind,
        token: Option<String>,
    ) -> Result<(Vec<Template>, Option<String>), ProtonError> {
        let (api, call) = self.begin(kind, Op::ListTemplates, format!("{}s", kind.noun()));
        let (templates, next) = api.list_templates(&call, token.clone()).await?;
        Ok((templates, next_page(token, next)))
    }

    /// The page of a template's versions at `token`: with `major`, the minor
    /// versions of that major; without, the latest minor of each major.
    pub async fn version_page(
        &self,
        kind: TemplateKind,
        template_name: &str,
        major: Option<&str>,
        token: Option<String>,
    ) -> Result<(Vec<TemplateVersionSummary>, Option<String>), ProtonError> {
        let resource = format!("versions of {}", kind.describe_template(template_name));
        let (api, call) = self.begin(kind, Op::ListVersions, resource);
        let (versions, next) = api
            .list_versions(&call, template_name, major, token.clone())
            .await?;
        Ok((versions, next_page(token, next)))
    }
}
