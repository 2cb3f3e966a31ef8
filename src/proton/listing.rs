//! Listings as streams: every template of a kind, every version of a
//! template (or of every template of a kind), fetched a page at a time as
//! the consumer pulls, so a listing of thousands holds one page in memory
//! and stops fetching the moment the consumer stops (a list resource's
//! `limit`, or Terraform going away). Each page call is bounded by
//! [`PAGE_TIMEOUT`] and ends at once on cancellation.

use std::future::Future;
use std::time::Duration;

use async_stream::try_stream;
use tokio_stream::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;

use super::client::ProtonClient;
use super::error::ProtonError;
use super::find::version_order;
use super::model::{Template, TemplateKind, TemplateVersionSummary};
use super::wait::bounded;

/// How long one page may take: a page is one small call, so this only
/// catches an endpoint that stopped answering.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(60);

/// Every template of `kind`, in Proton's order.
pub fn templates(
    client: ProtonClient,
    kind: TemplateKind,
    cancel: CancellationToken,
) -> impl Stream<Item = Result<Template, ProtonError>> + Send + 'static {
    paged(move |token| {
        let (client, cancel) = (client.clone(), cancel.clone());
        async move {
            let page = client.template_page(kind, token);
            bounded(&client, "ListTemplates", PAGE_TIMEOUT, &cancel, page).await
        }
    })
}

/// Every version of `template_name` (of its major version `major`, when
/// given), major by major in numeric order. Proton lists the minors of one
/// major at a time, so the majors are found first (one small listing of the
/// latest minor of each).
pub fn versions(
    client: ProtonClient,
    kind: TemplateKind,
    template_name: String,
    major: Option<String>,
    cancel: CancellationToken,
) -> impl Stream<Item = Result<TemplateVersionSummary, ProtonError>> + Send + 'static {
    try_stream! {
        let majors = match major {
            Some(major) => vec![major],
            None => {
                let latest = client.list_versions(kind, &template_name, None);
                let latest =
                    bounded(&client, "ListTemplateVersions", PAGE_TIMEOUT, &cancel, latest).await?;
                let mut majors: Vec<String> =
                    latest.into_iter().map(|v| v.major_version).collect();
                majors.sort_by_key(|major| version_order(major, "0"));
                majors.dedup();
                majors
            }
        };
        for major in majors {
            let (client, cancel, name) = (client.clone(), cancel.clone(), template_name.clone());
            let minors = paged(move |token| {
                let (client, cancel, name, major) =
                    (client.clone(), cancel.clone(), name.clone(), major.clone());
                async move {
                    let page = client.version_page(kind, &name, Some(&major), token);
                    bounded(&client, "ListTemplateVersions", PAGE_TIMEOUT, &cancel, page).await
                }
            });
            for await version in minors {
                yield version?;
            }
        }
    }
}

/// Every version of a template (or of one major), ordered numerically by
/// major then minor: [`versions`], collected.
pub async fn all_versions(
    client: &ProtonClient,
    kind: TemplateKind,
    template_name: &str,
    major: Option<&str>,
) -> Result<Vec<TemplateVersionSummary>, ProtonError> {
    let (name, major) = (template_name.to_string(), major.map(str::to_string));
    let listed = versions(client.clone(), kind, name, major, CancellationToken::new());
    let mut versions: Vec<_> = listed.collect::<Result<_, _>>().await?;
    versions.sort_by_key(|v| version_order(&v.major_version, &v.minor_version));
    versions.dedup_by(|a, b| a.key() == b.key());
    Ok(versions)
}

/// The items of the pages `page` fetches, token after token, one page at a
/// time as they are pulled.
fn paged<T, Fut>(
    mut page: impl FnMut(Option<String>) -> Fut + Send + 'static,
) -> impl Stream<Item = Result<T, ProtonError>> + Send + 'static
where
    T: Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), ProtonError>> + Send,
{
    try_stream! {
        let mut token = None;
        loop {
            let (items, next) = page(token.take()).await?;
            for item in items {
                yield item;
            }
            match next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
    }
}
