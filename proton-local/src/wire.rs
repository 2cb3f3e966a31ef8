//! The awsJson1_0 wire protocol: operation names, error shapes and response bodies.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode};
use serde_json::Value;

use crate::kind::TemplateKind;

/// `X-Amz-Target` prefix of every Proton operation.
pub(crate) const TARGET_PREFIX: &str = "AwsProton20200720.";
/// The only content type awsJson1_0 requests and responses use.
pub(crate) const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// The operations this endpoint implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `{Action}{Kind}Template` (`ListEnvironmentTemplates`).
    Template(Action, TemplateKind),
    /// `{Action}{Kind}TemplateVersion` (`ListServiceTemplateVersions`).
    Version(Action, TemplateKind),
    TagResource,
    UntagResource,
    ListTagsForResource,
}

/// What an operation on templates or versions does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Create,
    Get,
    Update,
    Delete,
    List,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Create,
        Action::Get,
        Action::Update,
        Action::Delete,
        Action::List,
    ];

    fn verb(self) -> &'static str {
        match self {
            Action::Create => "Create",
            Action::Get => "Get",
            Action::Update => "Update",
            Action::Delete => "Delete",
            Action::List => "List",
        }
    }

    /// A List names its resources in the plural (`ListEnvironmentTemplates`).
    fn plural(self) -> &'static str {
        match self {
            Action::List => "s",
            Action::Create | Action::Get | Action::Update | Action::Delete => "",
        }
    }
}

impl Operation {
    /// Every implemented operation (each kind's template operations, then each kind's version
    /// operations, then the tag operations), for help texts and validation of admin input.
    pub fn all() -> impl Iterator<Item = Operation> {
        let of_kinds = |operation: fn(Action, TemplateKind) -> Operation| {
            TemplateKind::ALL.into_iter().flat_map(move |kind| {
                Action::ALL
                    .into_iter()
                    .map(move |action| operation(action, kind))
            })
        };
        of_kinds(Operation::Template)
            .chain(of_kinds(Operation::Version))
            .chain([
                Operation::TagResource,
                Operation::UntagResource,
                Operation::ListTagsForResource,
            ])
    }

    /// The operation's name as it appears in `X-Amz-Target`.
    pub fn name(self) -> String {
        match self {
            Operation::Template(action, kind) => format!(
                "{}{}Template{}",
                action.verb(),
                kind.operation_word(),
                action.plural()
            ),
            Operation::Version(action, kind) => format!(
                "{}{}TemplateVersion{}",
                action.verb(),
                kind.operation_word(),
                action.plural()
            ),
            Operation::TagResource => "TagResource".to_string(),
            Operation::UntagResource => "UntagResource".to_string(),
            Operation::ListTagsForResource => "ListTagsForResource".to_string(),
        }
    }

    /// Looks an operation up by its name (without the target prefix).
    pub(crate) fn from_name(name: &str) -> Option<Operation> {
        Operation::all().find(|op| op.name() == name)
    }

    /// The errors the model lists for the operation (its `errors`); any other error shape,
    /// bar the protocol's own (`SerializationException`, signature errors), is a bug.
    pub fn model_errors(self) -> &'static [ErrorKind] {
        use Action::*;
        use ErrorKind::*;
        match self {
            Operation::Template(Create, _) => &[
                ServiceQuotaExceeded,
                Validation,
                AccessDenied,
                Throttling,
                Conflict,
                InternalServer,
            ],
            Operation::Version(Create, _) => &[
                ServiceQuotaExceeded,
                Validation,
                AccessDenied,
                Throttling,
                Conflict,
                ResourceNotFound,
                InternalServer,
            ],
            Operation::Template(List, _) => &[Validation, AccessDenied, Throttling, InternalServer],
            Operation::Template(Get, _)
            | Operation::Version(Get | List, _)
            | Operation::ListTagsForResource => &[
                Validation,
                AccessDenied,
                Throttling,
                ResourceNotFound,
                InternalServer,
            ],
            Operation::Template(Update | Delete, _)
            | Operation::Version(Update | Delete, _)
            | Operation::TagResource
            | Operation::UntagResource => &[
                Validation,
                AccessDenied,
                Throttling,
                Conflict,
                ResourceNotFound,
                InternalServer,
            ],
        }
    }

    /// Whether the operation changes state (and so must be persisted before answering).
    pub(crate) fn is_mutating(self) -> bool {
        !matches!(
            self,
            Operation::Template(Action::Get | Action::List, _)
                | Operation::Version(Action::Get | Action::List, _)
                | Operation::ListTagsForResource
        )
    }
}

/// The error shapes this endpoint answers with; each maps to an HTTP status and `__type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Validation,
    AccessDenied,
    ResourceNotFound,
    Conflict,
    ServiceQuotaExceeded,
    Throttling,
    InternalServer,
    UnknownOperation,
    Serialization,
    MissingAuthenticationToken,
    UnrecognizedClient,
    InvalidSignature,
    IncompleteSignature,
    /// A session token past its expiry (temporary credentials from STS).
    ExpiredToken,
}

impl ErrorKind {
    /// The `__type` / `X-Amzn-Errortype` value.
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorKind::Validation => "ValidationException",
            ErrorKind::AccessDenied => "AccessDeniedException",
            ErrorKind::ResourceNotFound => "ResourceNotFoundException",
            ErrorKind::Conflict => "ConflictException",
            ErrorKind::ServiceQuotaExceeded => "ServiceQuotaExceededException",
            ErrorKind::Throttling => "ThrottlingException",
            ErrorKind::InternalServer => "InternalServerException",
            ErrorKind::UnknownOperation => "UnknownOperationException",
            ErrorKind::Serialization => "SerializationException",
            ErrorKind::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            ErrorKind::UnrecognizedClient => "UnrecognizedClientException",
            ErrorKind::InvalidSignature => "InvalidSignatureException",
            ErrorKind::IncompleteSignature => "IncompleteSignatureException",
            ErrorKind::ExpiredToken => "ExpiredTokenException",
        }
    }

    /// HTTP status codes as the Smithy model's `httpError` traits give them.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            ErrorKind::Validation
            | ErrorKind::UnknownOperation
            | ErrorKind::Serialization
            | ErrorKind::IncompleteSignature
            | ErrorKind::ExpiredToken => StatusCode::BAD_REQUEST,
            ErrorKind::AccessDenied
            | ErrorKind::MissingAuthenticationToken
            | ErrorKind::UnrecognizedClient
            | ErrorKind::InvalidSignature => StatusCode::FORBIDDEN,
            ErrorKind::ResourceNotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::ServiceQuotaExceeded => StatusCode::PAYMENT_REQUIRED,
            ErrorKind::Throttling => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::InternalServer => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error answered to the client.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {message}", kind.type_name())]
pub struct ApiError {
    pub kind: ErrorKind,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
        }
    }
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        ApiError::new(ErrorKind::Validation, message)
    }
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(ErrorKind::ResourceNotFound, message)
    }
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(ErrorKind::Conflict, message)
    }
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        ApiError::new(ErrorKind::InternalServer, message)
    }
    pub(crate) fn serialization(message: impl Into<String>) -> Self {
        ApiError::new(ErrorKind::Serialization, message)
    }
}

fn with_common_headers(status: StatusCode, body: Vec<u8>, request_id: &str) -> Response<Body> {
    with_headers(status, body, CONTENT_TYPE, request_id)
}

fn with_headers(
    status: StatusCode,
    body: Vec<u8>,
    content_type: &'static str,
    request_id: &str,
) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-RequestId", value);
    }
    response
}

/// A 200 response carrying `body`.
pub(crate) fn success_response(body: &Value, request_id: &str) -> Response<Body> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    with_common_headers(StatusCode::OK, bytes, request_id)
}

/// An error response: status from the shape, `__type` + `message` body and `X-Amzn-Errortype`.
pub(crate) fn error_response(error: &ApiError, request_id: &str) -> Response<Body> {
    let body = serde_json::json!({
        "__type": error.kind.type_name(),
        "message": error.message,
    });
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut response = with_common_headers(error.kind.status(), bytes, request_id);
    response.headers_mut().insert(
        "X-Amzn-Errortype",
        HeaderValue::from_static(error.kind.type_name()),
    );
    response
}

/// A JSON response in another awsJson service's content type (the tagging API's 1.1), with
/// `x-amzn-RequestId` and, for an error, `X-Amzn-Errortype`.
pub(crate) fn json_response(
    status: StatusCode,
    body: &Value,
    content_type: &'static str,
    error_type: Option<&'static str>,
    request_id: &str,
) -> Response<Body> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = with_headers(status, bytes, content_type, request_id);
    if let Some(error_type) = error_type {
        response
            .headers_mut()
            .insert("X-Amzn-Errortype", HeaderValue::from_static(error_type));
    }
    response
}

/// Epoch milliseconds as the epoch-seconds JSON number awsJson1_0 uses for timestamps.
pub(crate) fn timestamp(millis: u64) -> Value {
    // Whole seconds are sent as integers, others with millisecond precision.
    if millis.is_multiple_of(1000) {
        Value::from(millis / 1000)
    } else {
        Value::from(millis as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_the_models() {
        let names: Vec<String> = Operation::all().map(Operation::name).collect();
        assert_eq!(
            names,
            [
                "CreateEnvironmentTemplate",
                "GetEnvironmentTemplate",
                "UpdateEnvironmentTemplate",
                "DeleteEnvironmentTemplate",
                "ListEnvironmentTemplates",
                "CreateServiceTemplate",
                "GetServiceTemplate",
                "UpdateServiceTemplate",
                "DeleteServiceTemplate",
                "ListServiceTemplates",
                "CreateEnvironmentTemplateVersion",
                "GetEnvironmentTemplateVersion",
                "UpdateEnvironmentTemplateVersion",
                "DeleteEnvironmentTemplateVersion",
                "ListEnvironmentTemplateVersions",
                "CreateServiceTemplateVersion",
                "GetServiceTemplateVersion",
                "UpdateServiceTemplateVersion",
                "DeleteServiceTemplateVersion",
                "ListServiceTemplateVersions",
                "TagResource",
                "UntagResource",
                "ListTagsForResource",
            ]
        );
        for op in Operation::all() {
            assert_eq!(Operation::from_name(&op.name()), Some(op));
        }
    }
}
