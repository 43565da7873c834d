//! Admin endpoints (only with `--enable-admin-api`): snapshot and delete series.

use std::hash::BuildHasher;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::ApiParams;
use super::response::Success;
use crate::error::ApiError;
use crate::params::{MAX_TIME, MIN_TIME};
use crate::state::AppState;

fn check_enabled(st: &AppState) -> Result<(), ApiError> {
    if st.config.enable_admin_api {
        Ok(())
    } else {
        Err(ApiError::unavailable("admin APIs disabled"))
    }
}

/// `POST|PUT /api/v1/admin/tsdb/snapshot[?skip_head=true]`: a copy of all data under
/// `<data>/snapshots/<name>`.
pub(super) async fn snapshot(
    State(st): State<AppState>,
    ApiParams(p): ApiParams,
) -> Result<Success, ApiError> {
    check_enabled(&st)?;
    let skip_head = match p.get("skip_head") {
        None => false,
        Some(s) => s.parse::<bool>().map_err(|_| {
            ApiError::bad_data(format!(
                "unable to parse boolean 'skip_head' argument: {s:?}"
            ))
        })?,
    };
    let name = format!(
        "{}-{:016x}",
        crate::prom::status::rfc3339(std::time::SystemTime::now()).replace([':', '.'], ""),
        std::collections::hash_map::RandomState::new().hash_one(std::process::id())
    );
    let dir = st.store.dir().join("snapshots").join(&name);
    st.blocking(move |s| s.snapshot(&dir, skip_head).map_err(ApiError::from))
        .await?;
    Ok(Success::new(json!({ "name": name }).to_string()))
}

/// `POST|PUT /api/v1/admin/tsdb/delete_series?match[]=..&start=..&end=..`.
pub(super) async fn delete_series(
    State(st): State<AppState>,
    ApiParams(p): ApiParams,
) -> Result<Response, ApiError> {
    check_enabled(&st)?;
    if p.all("match[]").is_empty() {
        return Err(ApiError::bad_data("no match[] parameter provided"));
    }
    let sets = p.matchers()?;
    let (start, end) = (p.time_or("start", MIN_TIME)?, p.time_or("end", MAX_TIME)?);
    st.blocking(move |s| s.delete_series(&sets, start, end).map_err(ApiError::from))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST|PUT /api/v1/admin/tsdb/clean_tombstones`: deletions rewrite data at once, so there is
/// nothing left to clean.
pub(super) async fn clean_tombstones(State(st): State<AppState>) -> Result<Response, ApiError> {
    check_enabled(&st)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
