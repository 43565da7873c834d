//! The Prometheus HTTP API (`/api/v1/*`): what Grafana's Prometheus datasource and promtool
//! call, with Prometheus's encodings, error types and status codes.

mod admin;
mod ast_json;
mod lookup;
mod query;
pub mod response;
mod status;

use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::params::Params;
use crate::paths;
use crate::state::AppState;

/// The Prometheus API routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::QUERY, get(query::instant).post(query::instant))
        .route(paths::QUERY_RANGE, get(query::range).post(query::range))
        .route(paths::FORMAT_QUERY, get(query::format).post(query::format))
        .route(paths::PARSE_QUERY, get(query::parse).post(query::parse))
        .route(paths::SERIES, get(lookup::series).post(lookup::series))
        .route(paths::LABELS, get(lookup::labels).post(lookup::labels))
        .route(paths::LABEL_VALUES, get(lookup::label_values))
        .route(paths::METADATA, get(lookup::metadata))
        .route(
            paths::QUERY_EXEMPLARS,
            get(lookup::exemplars).post(lookup::exemplars),
        )
        .route(paths::BUILDINFO, get(status::buildinfo))
        .route(paths::CONFIG, get(status::config))
        .route(paths::FLAGS, get(status::flags))
        .route(paths::RUNTIMEINFO, get(status::runtimeinfo))
        .route(paths::TSDB_STATUS, get(status::tsdb))
        .route(paths::TSDB_BLOCKS, get(status::blocks))
        .route(paths::WALREPLAY, get(status::walreplay))
        .route(paths::RULES, get(status::rules))
        .route(paths::ALERTS, get(status::alerts))
        .route(paths::TARGETS, get(status::targets))
        .route(
            paths::ADMIN_SNAPSHOT,
            post(admin::snapshot).put(admin::snapshot),
        )
        .route(
            paths::ADMIN_DELETE_SERIES,
            post(admin::delete_series).put(admin::delete_series),
        )
        .route(
            paths::ADMIN_CLEAN_TOMBSTONES,
            post(admin::clean_tombstones).put(admin::clean_tombstones),
        )
}

/// Parameters from the URL query and, for form POSTs, the body.
#[derive(Debug)]
pub struct ApiParams(pub Params);

impl<S: Send + Sync> FromRequest<S> for ApiParams {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let query = req.uri().query().map(str::to_owned);
        let form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        let body = if form {
            axum::body::to_bytes(req.into_body(), 16 << 20)
                .await
                .map_err(|e| ApiError::bad_data(format!("error reading form body: {e}")))?
        } else {
            axum::body::Bytes::new()
        };
        Ok(ApiParams(Params::new(
            query.as_deref(),
            form.then_some(&body[..]),
        )))
    }
}
