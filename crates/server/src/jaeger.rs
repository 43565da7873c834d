//! The Jaeger query API (v1 "internal" JSON, what Grafana's Jaeger datasource calls):
//! services, operations, trace search, trace by id and dependencies, with Jaeger's envelope
//! `{"data":..,"total":..,"limit":0,"offset":0,"errors":null}`, its units (µs for spans and
//! search, ms for dependencies) and its OTLP mapping (`model`). Errors use the same envelope
//! with `data: null` and one `{"code","msg"}` whose code is the HTTP status.
//!
//! Paths are relative to the Jaeger root: the main port serves them under `/jaeger`, the
//! optional Jaeger listener at `/`.

mod handlers;
mod params;
mod uimodel;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use crate::error::ApiError;
use crate::paths;
use crate::state::AppState;

pub(crate) use handlers::read_traces;
pub(crate) use params::trace_id;

/// The Jaeger API routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::JAEGER_SERVICES, get(handlers::services))
        .route(
            paths::JAEGER_SERVICE_OPERATIONS,
            get(handlers::service_operations),
        )
        .route(paths::JAEGER_OPERATIONS, get(handlers::operations))
        .route(paths::JAEGER_TRACES, get(handlers::search))
        .route(paths::JAEGER_TRACE, get(handlers::trace))
        .route(paths::JAEGER_DEPENDENCIES, get(handlers::dependencies))
}

/// An [`ApiError`] rendered in Jaeger's envelope.
#[derive(Debug)]
pub struct JaegerError(pub ApiError);

impl From<ApiError> for JaegerError {
    fn from(e: ApiError) -> Self {
        JaegerError(e)
    }
}

#[derive(Serialize)]
struct ErrorItem<'a> {
    code: u16,
    msg: &'a str,
    #[serde(rename = "traceID", skip_serializing_if = "Option::is_none")]
    trace_id: Option<String>,
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    data: T,
    total: usize,
    limit: usize,
    offset: usize,
    errors: Option<Vec<ErrorItem<'a>>>,
}

impl IntoResponse for JaegerError {
    fn into_response(self) -> Response {
        let status = self.0.kind.status();
        let body = Envelope::<Option<()>> {
            data: None,
            total: 0,
            limit: 0,
            offset: 0,
            errors: Some(vec![ErrorItem {
                code: status.as_u16(),
                msg: &self.0.message,
                trace_id: None,
            }]),
        };
        json_response(status, &body)
    }
}

/// A successful answer: `data`, `total`, and per-trace errors (a multi-get's missing ids).
fn ok<T: Serialize>(data: T, total: usize, missing: Vec<String>) -> Response {
    let errors = (!missing.is_empty()).then(|| {
        missing
            .into_iter()
            .map(|id| ErrorItem {
                code: StatusCode::NOT_FOUND.as_u16(),
                msg: "trace not found",
                trace_id: Some(id),
            })
            .collect()
    });
    let body = Envelope {
        data,
        total,
        limit: 0,
        offset: 0,
        errors,
    };
    json_response(StatusCode::OK, &body)
}

fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("encoding the response failed: {e}"),
        )
            .into_response(),
    }
}
