//! The Tempo HTTP API, as Grafana's Tempo datasource calls it: echo, build info, trace by id
//! (OTLP protobuf with `Accept: application/protobuf`, OTLP-JSON otherwise), search with
//! TraceQL (`q=`, the subset of [`otelstore::traces::traceql`]) or logfmt `tags=`, and tag
//! names and values.
//!
//! Times are Unix seconds. Errors are plain text with the HTTP status, as Tempo answers. Trace
//! and span ids in JSON are hex (OTLP/JSON), not the base64 Tempo's own JSON writer uses.
//! Paths are relative to the Tempo root: the main port serves them under `/tempo`, the
//! optional Tempo listener at `/`.

mod legacy;
mod search;
mod tags;
mod trace;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::error::ApiError;
use crate::params::Params;
use crate::paths;
use crate::state::AppState;

pub use trace::TraceByIdResponse;

/// The Tempo version we answer as in build info (tools read it as semver).
const TEMPO_COMPAT_VERSION: &str = "2.8.0";

/// The Tempo API routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::TEMPO_ECHO, get(echo))
        .route(paths::TEMPO_BUILDINFO, get(buildinfo))
        .route(paths::TEMPO_TRACE, get(trace::v1))
        .route(paths::TEMPO_TRACE_V2, get(trace::v2))
        .route(paths::TEMPO_SEARCH, get(search::search))
        .route(paths::TEMPO_TAGS, get(tags::names))
        .route(paths::TEMPO_TAGS_V2, get(tags::names_v2))
        .route(paths::TEMPO_TAG_VALUES, get(tags::values))
        .route(paths::TEMPO_TAG_VALUES_V2, get(tags::values_v2))
}

/// An [`ApiError`] rendered as Tempo does: the message as plain text with the status.
#[derive(Debug)]
pub struct TempoError(pub ApiError);

impl From<ApiError> for TempoError {
    fn from(e: ApiError) -> Self {
        TempoError(e)
    }
}

impl IntoResponse for TempoError {
    fn into_response(self) -> Response {
        (
            self.0.kind.status(),
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.0.message + "\n",
        )
            .into_response()
    }
}

type Reply = Result<Response, TempoError>;

/// `GET /api/echo`: Grafana's health check.
async fn echo() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "echo",
    )
}

/// `GET /api/status/buildinfo`.
async fn buildinfo() -> Response {
    json_ok(&json!({
        "version": TEMPO_COMPAT_VERSION,
        "revision": concat!("otelstore-", env!("CARGO_PKG_VERSION")),
        "branch": "main",
        "buildDate": "",
        "buildUser": "otelstore",
        "goVersion": "rust",
    }))
}

fn json_ok<T: serde::Serialize>(body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            bytes,
        )
            .into_response(),
        Err(e) => TempoError(ApiError::internal(format!(
            "encoding the response failed: {e}"
        )))
        .into_response(),
    }
}

/// `start`/`end` in Unix seconds as an inclusive ns window (the whole `end` second counts);
/// absent bounds are open.
fn seconds_window(p: &Params) -> Result<(u64, u64), ApiError> {
    let secs = |name: &str| -> Result<Option<u64>, ApiError> {
        p.get(name)
            .map(|s| {
                s.trim().parse::<u64>().map_err(|_| {
                    ApiError::bad_data(format!(
                        "invalid {name} {s:?}: expected Unix seconds (a non-negative integer)"
                    ))
                })
            })
            .transpose()
    };
    let start = secs("start")?.map_or(0, |s| s.saturating_mul(1_000_000_000));
    let end = secs("end")?.map_or(u64::MAX, |s| {
        s.saturating_mul(1_000_000_000).saturating_add(999_999_999)
    });
    if start > end {
        return Err(ApiError::bad_data(
            "invalid start and end: start is after end",
        ));
    }
    Ok((start, end))
}

/// An optional non-negative integer parameter.
fn count(p: &Params, name: &str) -> Result<Option<usize>, ApiError> {
    p.get(name)
        .map(|s| {
            s.trim().parse::<usize>().map_err(|_| {
                ApiError::bad_data(format!(
                    "invalid {name} {s:?}: expected a non-negative integer"
                ))
            })
        })
        .transpose()
}
