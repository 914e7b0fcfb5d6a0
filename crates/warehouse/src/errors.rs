//! Request-level failures (non-2xx answers) in the shapes real Databricks endpoints use.
//! SQL failures are not here: they are HTTP 200 + FAILED (see `sql_errors.rs`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400 `INVALID_PARAMETER_VALUE`: malformed body, bad field, bad id, bad parameter.
    InvalidParameter(String),
    /// 400 `INVALID_STATE`: the request is valid but the object is not in a state that allows it.
    InvalidState(String),
    /// 404 `NOT_FOUND`.
    NotFound(String),
    /// 401 with the legacy integer body and `WWW-Authenticate`.
    Unauthenticated,
    /// 403 with the legacy integer body.
    InvalidToken,
}

impl ApiError {
    pub fn statement_not_found(id: &str) -> Self {
        ApiError::NotFound(format!(
            "[STATEMENT_NOT_FOUND] The statement {id} was not found or its results have expired."
        ))
    }

    pub fn session_not_found(id: &str) -> Self {
        ApiError::NotFound(format!(
            "[SESSION_NOT_FOUND] Session {id} does not exist or has expired."
        ))
    }
}

/// The platform error object, also used by injected faults.
pub fn platform_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_error(status, json!({"error_code": code, "message": message}))
}

fn json_error(status: StatusCode, body: serde_json::Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::InvalidParameter(m) => {
                platform_error(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", &m)
            }
            ApiError::InvalidState(m) => {
                platform_error(StatusCode::BAD_REQUEST, "INVALID_STATE", &m)
            }
            ApiError::NotFound(m) => platform_error(StatusCode::NOT_FOUND, "NOT_FOUND", &m),
            ApiError::Unauthenticated => {
                let mut resp = json_error(
                    StatusCode::UNAUTHORIZED,
                    json!({"error_code": 401, "message": "Credential was not sent or was of an unsupported type for this API."}),
                );
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"DatabricksRealm\""),
                );
                resp
            }
            ApiError::InvalidToken => json_error(
                StatusCode::FORBIDDEN,
                json!({"error_code": 403, "message": "Invalid access token."}),
            ),
        }
    }
}

/// Parses a JSON request body ourselves so malformed input gets the platform error object
/// instead of axum's plain-text rejection. An empty body reads as `{}`.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(|b| b.is_ascii_whitespace()) {
        &b"{}"[..]
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| ApiError::InvalidParameter(format!("Malformed request body: {e}")))
}
