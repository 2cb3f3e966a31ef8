//! The awsJson1_0 wire protocol: operation names, error shapes and response bodies.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode};
use serde_json::Value;

/// `X-Amz-Target` prefix of every Proton operation.
pub(crate) const TARGET_PREFIX: &str = "AwsProton20200720.";
/// The only content type awsJson1_0 requests and responses use.
pub(crate) const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// The operations this endpoint implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    CreateEnvironmentTemplate,
    GetEnvironmentTemplate,
    UpdateEnvironmentTemplate,
    DeleteEnvironmentTemplate,
    ListEnvironmentTemplates,
    CreateServiceTemplate,
    GetServiceTemplate,
    UpdateServiceTemplate,
    DeleteServiceTemplate,
    ListServiceTemplates,
    CreateEnvironmentTemplateVersion,
    GetEnvironmentTemplateVersion,
    UpdateEnvironmentTemplateVersion,
    DeleteEnvironmentTemplateVersion,
    ListEnvironmentTemplateVersions,
    CreateServiceTemplateVersion,
    GetServiceTemplateVersion,
    UpdateServiceTemplateVersion,
    DeleteServiceTemplateVersion,
    ListServiceTemplateVersions,
    TagResource,
    UntagResource,
    ListTagsForResource,
}

impl Operation {
    /// Every implemented operation, for help texts and validation of admin input.
    pub const ALL: [Operation; 23] = [
        Operation::CreateEnvironmentTemplate,
        Operation::GetEnvironmentTemplate,
        Operation::UpdateEnvironmentTemplate,
        Operation::DeleteEnvironmentTemplate,
        Operation::ListEnvironmentTemplates,
        Operation::CreateServiceTemplate,
        Operation::GetServiceTemplate,
        Operation::UpdateServiceTemplate,
        Operation::DeleteServiceTemplate,
        Operation::ListServiceTemplates,
        Operation::CreateEnvironmentTemplateVersion,
        Operation::GetEnvironmentTemplateVersion,
        Operation::UpdateEnvironmentTemplateVersion,
        Operation::DeleteEnvironmentTemplateVersion,
        Operation::ListEnvironmentTemplateVersions,
        Operation::CreateServiceTemplateVersion,
        Operation::GetServiceTemplateVersion,
        Operation::UpdateServiceTemplateVersion,
        Operation::DeleteServiceTemplateVersion,
        Operation::ListServiceTemplateVersions,
        Operation::TagResource,
        Operation::UntagResource,
        Operation::ListTagsForResource,
    ];

    /// The operation's name as it appears in `X-Amz-Target`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::CreateEnvironmentTemplate => "CreateEnvironmentTemplate",
            Operation::GetEnvironmentTemplate => "GetEnvironmentTemplate",
            Operation::UpdateEnvironmentTemplate => "UpdateEnvironmentTemplate",
            Operation::DeleteEnvironmentTemplate => "DeleteEnvironmentTemplate",
            Operation::ListEnvironmentTemplates => "ListEnvironmentTemplates",
            Operation::CreateServiceTemplate => "CreateServiceTemplate",
            Operation::GetServiceTemplate => "GetServiceTemplate",
            Operation::UpdateServiceTemplate => "UpdateServiceTemplate",
            Operation::DeleteServiceTemplate => "DeleteServiceTemplate",
            Operation::ListServiceTemplates => "ListServiceTemplates",
            Operation::CreateEnvironmentTemplateVersion => "CreateEnvironmentTemplateVersion",
            Operation::GetEnvironmentTemplateVersion => "GetEnvironmentTemplateVersion",
            Operation::UpdateEnvironmentTemplateVersion => "UpdateEnvironmentTemplateVersion",
            Operation::DeleteEnvironmentTemplateVersion => "DeleteEnvironmentTemplateVersion",
            Operation::ListEnvironmentTemplateVersions => "ListEnvironmentTemplateVersions",
            Operation::CreateServiceTemplateVersion => "CreateServiceTemplateVersion",
            Operation::GetServiceTemplateVersion => "GetServiceTemplateVersion",
            Operation::UpdateServiceTemplateVersion => "UpdateServiceTemplateVersion",
            Operation::DeleteServiceTemplateVersion => "DeleteServiceTemplateVersion",
            Operation::ListServiceTemplateVersions => "ListServiceTemplateVersions",
            Operation::TagResource => "TagResource",
            Operation::UntagResource => "UntagResource",
            Operation::ListTagsForResource => "ListTagsForResource",
        }
    }

    /// Looks an operation up by its name (without the target prefix).
    pub(crate) fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The errors the model lists for the operation (its `errors`); any other error shape,
    /// bar the protocol's own (`SerializationException`, signature errors), is a bug.
    pub fn model_errors(self) -> &'static [ErrorKind] {
        use ErrorKind::*;
        match self {
            Operation::CreateEnvironmentTemplate | Operation::CreateServiceTemplate => &[
                ServiceQuotaExceeded,
                Validation,
                AccessDenied,
                Throttling,
                Conflict,
                InternalServer,
            ],
            Operation::CreateEnvironmentTemplateVersion
            | Operation::CreateServiceTemplateVersion => &[
                ServiceQuotaExceeded,
                Validation,
                AccessDenied,
                Throttling,
                Conflict,
                ResourceNotFound,
                InternalServer,
            ],
            Operation::ListEnvironmentTemplates | Operation::ListServiceTemplates => {
                &[Validation, AccessDenied, Throttling, InternalServer]
            }
            Operation::GetEnvironmentTemplate
            | Operation::GetServiceTemplate
            | Operation::GetEnvironmentTemplateVersion
            | Operation::GetServiceTemplateVersion
            | Operation::ListEnvironmentTemplateVersions
            | Operation::ListServiceTemplateVersions
            | Operation::ListTagsForResource => &[
                Validation,
                AccessDenied,
                Throttling,
                ResourceNotFound,
                InternalServer,
            ],
            Operation::UpdateEnvironmentTemplate
            | Operation::UpdateServiceTemplate
            | Operation::DeleteEnvironmentTemplate
            | Operation::DeleteServiceTemplate
            | Operation::UpdateEnvironmentTemplateVersion
            | Operation::UpdateServiceTemplateVersion
            | Operation::DeleteEnvironmentTemplateVersion
            | Operation::DeleteServiceTemplateVersion
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
            Operation::GetEnvironmentTemplate
                | Operation::ListEnvironmentTemplates
                | Operation::GetServiceTemplate
                | Operation::ListServiceTemplates
                | Operation::GetEnvironmentTemplateVersion
                | Operation::ListEnvironmentTemplateVersions
                | Operation::GetServiceTemplateVersion
                | Operation::ListServiceTemplateVersions
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
        }
    }

    /// HTTP status codes as the Smithy model's `httpError` traits give them.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            ErrorKind::Validation
            | ErrorKind::UnknownOperation
            | ErrorKind::Serialization
            | ErrorKind::IncompleteSignature => StatusCode::BAD_REQUEST,
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
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE),
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

/// Epoch milliseconds as the epoch-seconds JSON number awsJson1_0 uses for timestamps.
pub(crate) fn timestamp(millis: u64) -> Value {
    // Whole seconds are sent as integers, others with millisecond precision.
    if millis.is_multiple_of(1000) {
        Value::from(millis / 1000)
    } else {
        Value::from(millis as f64 / 1000.0)
    }
}
