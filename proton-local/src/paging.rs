//! `nextToken` / `maxResults` paging shared by the List operations and `ListTagsForResource`.
//!
//! A token is the base64 of the last item's cursor; the next page starts after it, so tokens
//! stay valid when items are deleted between pages.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::wire::ApiError;

/// Page size when `maxResults` is absent (the model's `MaxPageResults` maximum).
pub(crate) const DEFAULT_PAGE_SIZE: usize = 100;
/// `ListTagsForResource` answers a `TagList`, which the model caps at 50 entries, whatever
/// `maxResults` (1..100) asks for.
pub(crate) const MAX_TAGS_PER_PAGE: usize = 50;

fn encode_token(cursor: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(cursor.as_bytes())
}

fn decode_token(token: &str) -> Result<String, ApiError> {
    base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::validation("The nextToken provided is invalid."))
}

/// How many items a page holds: `maxResults` (already checked to be 1..100), capped at `cap`.
pub(crate) fn page_limit(max_results: Option<i64>, cap: usize) -> usize {
    max_results
        .and_then(|m| usize::try_from(m).ok())
        .map_or(cap, |m| m.min(cap))
}

/// One page of `items` (sorted by cursor) after `token`, and the token of the next page.
pub(crate) fn paginate(
    items: Vec<(String, Value)>,
    limit: usize,
    token: Option<&str>,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let after = token.map(decode_token).transpose()?;
    let mut remaining = items
        .into_iter()
        .filter(|(cursor, _)| after.as_ref().is_none_or(|a| cursor > a))
        .peekable();
    let mut page = Vec::new();
    let mut last = None;
    while page.len() < limit {
        let Some((cursor, value)) = remaining.next() else {
            break;
        };
        page.push(value);
        last = Some(cursor);
    }
    let next = if remaining.peek().is_some() {
        last.map(|c| encode_token(&c))
    } else {
        None
    };
    Ok((page, next))
}

/// A List output: the page under `member`, plus `nextToken` when there is more.
pub(crate) fn page_output(member: &str, page: Vec<Value>, next: Option<String>) -> Value {
    let mut out = Map::new();
    out.insert(member.to_string(), Value::Array(page));
    if let Some(next) = next {
        out.insert("nextToken".to_string(), Value::String(next));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use serde_json::json;

    #[test]
    fn pagination_resumes_after_the_cursor() {
        let items: Vec<(String, Value)> = (0..5).map(|i| (format!("{i:03}"), json!(i))).collect();
        let (page, next) = paginate(items.clone(), 2, None).unwrap();
        assert_eq!(page, vec![json!(0), json!(1)]);
        let (page, next) = paginate(items.clone(), 2, next.as_deref()).unwrap();
        assert_eq!(page, vec![json!(2), json!(3)]);
        let (page, next) = paginate(items, 2, next.as_deref()).unwrap();
        assert_eq!(page, vec![json!(4)]);
        assert!(next.is_none());
    }

    #[test]
    fn page_limit_is_capped() {
        assert_eq!(page_limit(None, MAX_TAGS_PER_PAGE), 50);
        assert_eq!(page_limit(Some(100), MAX_TAGS_PER_PAGE), 50);
        assert_eq!(page_limit(Some(7), MAX_TAGS_PER_PAGE), 7);
        assert_eq!(page_limit(None, DEFAULT_PAGE_SIZE), 100);
    }

    #[test]
    fn a_token_that_is_not_base64_is_a_validation_error() {
        let err = paginate(Vec::new(), 1, Some("%%%")).unwrap_err();
        assert_eq!(err.kind, crate::wire::ErrorKind::Validation);
    }
}
