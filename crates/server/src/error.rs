//! [`ApiError`]: every failure of an HTTP handler, mapped in one place to a status code and
//! the Prometheus `errorType`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Prometheus error types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// Bad or missing parameters, PromQL parse errors.
    BadData,
    /// Evaluation errors.
    Execution,
    /// The query ran out of time.
    Timeout,
    /// The client went away.
    Canceled,
    /// Storage failures.
    Internal,
    /// Not available (admin APIs disabled).
    Unavailable,
    /// No such thing.
    NotFound,
}

impl ErrorType {
    /// The name Prometheus puts in `errorType`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::BadData => "bad_data",
            ErrorType::Execution => "execution",
            ErrorType::Timeout => "timeout",
            ErrorType::Canceled => "canceled",
            ErrorType::Internal => "internal",
            ErrorType::Unavailable => "unavailable",
            ErrorType::NotFound => "not_found",
        }
    }

    /// The HTTP status Prometheus answers with.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorType::BadData => StatusCode::BAD_REQUEST,
            ErrorType::Execution => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorType::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            // nginx's "client closed request", as Prometheus uses it.
            ErrorType::Canceled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
            ErrorType::Internal | ErrorType::Unavailable => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::NotFound => StatusCode::NOT_FOUND,
        }
    }
}

/// A failed API call, rendered as `{"status":"error","errorType":..,"error":..}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The kind of failure.
    pub kind: ErrorType,
    /// The message shown to the user.
    pub message: String,
}

impl ApiError {
    /// A `bad_data` error.
    pub fn bad_data(message: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorType::BadData,
            message: message.into(),
        }
    }

    /// An `internal` error.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorType::Internal,
            message: message.into(),
        }
    }

    /// An `unavailable` error.
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorType::Unavailable,
            message: message.into(),
        }
    }

    /// A `not_found` error (404).
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorType::NotFound,
            message: message.into(),
        }
    }

    /// A query error, with Prometheus's `invalid parameter "query": ` prefix on parse errors.
    pub fn query(e: &promql::Error) -> Self {
        let kind = match e.error_type() {
            "bad_data" => ErrorType::BadData,
            "execution" => ErrorType::Execution,
            "timeout" => ErrorType::Timeout,
            "canceled" => ErrorType::Canceled,
            _ => ErrorType::Internal,
        };
        let message = match e {
            promql::Error::Parse(_) => format!("invalid parameter \"query\": {e}"),
            _ => e.to_string(),
        };
        ApiError { kind, message }
    }
}

impl From<otelstore::Error> for ApiError {
    fn from(e: otelstore::Error) -> Self {
        match &e {
            otelstore::Error::Query(q) => ApiError::query(q),
            otelstore::Error::BadRequest(m) => ApiError::bad_data(m.clone()),
            _ => ApiError::internal(e.to_string()),
        }
    }
}

impl From<otelstore::traces::Error> for ApiError {
    fn from(e: otelstore::traces::Error) -> Self {
        ApiError::from(otelstore::Error::from(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = String::from(r#"{"status":"error","errorType":""#);
        body.push_str(self.kind.as_str());
        body.push_str(r#"","error":"#);
        crate::format::push_json_str(&mut body, &self.message);
        body.push('}');
        (
            self.kind.status(),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_errors_map_to_prometheus_types() {
        let parse = promql::Query::parse("sum(").expect_err("parse error");
        let e = ApiError::query(&parse);
        assert_eq!(e.kind, ErrorType::BadData);
        assert!(
            e.message
                .starts_with("invalid parameter \"query\": 1:5: parse error"),
            "{}",
            e.message
        );
        assert_eq!(ErrorType::Execution.status().as_u16(), 422);
        assert_eq!(ErrorType::Canceled.status().as_u16(), 499);
        assert_eq!(ErrorType::Timeout.status().as_u16(), 503);
    }
}
