//! `query`, `query_range`, `format_query` and `parse_query`.

use std::time::{Duration, Instant};

use axum::extract::State;
use promql::{CancelHandle, QueryOptions, QueryResult, Value, ValueType};

use super::ApiParams;
use super::response::{Success, value_json};
use crate::error::ApiError;
use crate::format::push_json_str;
use crate::params::Params;
use crate::state::{AppState, now_ms};

/// Most points per series a range query may produce, as in Prometheus.
const MAX_POINTS: i64 = 11_000;

/// Cancels a running query when the handler is dropped, i.e. when the client went away.
struct CancelOnDrop(CancelHandle);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

fn options(p: &Params, st: &AppState) -> Result<(QueryOptions, CancelOnDrop), ApiError> {
    let mut opts = QueryOptions::default();
    let limit = st.store.engine_options().timeout;
    if let Some(ms) = p.duration("timeout")? {
        opts.timeout = Some(Duration::from_millis(ms.max(0) as u64).min(limit));
    }
    if let Some(ms) = p.duration("lookback_delta")?.filter(|&ms| ms > 0) {
        opts.lookback_delta = Some(Duration::from_millis(ms as u64));
    }
    let cancel = CancelHandle::new();
    opts.cancel = Some(cancel.clone());
    Ok((opts, CancelOnDrop(cancel)))
}

/// `GET|POST /api/v1/query`.
pub(super) async fn instant(
    State(st): State<AppState>,
    ApiParams(p): ApiParams,
) -> Result<Success, ApiError> {
    let query = p.required("query")?.to_string();
    let t = p.time_or("time", now_ms())?;
    let limit = p.limit()?;
    let (opts, _cancel) = options(&p, &st)?;
    let started = Instant::now();
    let res = st
        .blocking(move |s| {
            s.instant_query_with(&query, t, &opts)
                .map_err(ApiError::from)
        })
        .await;
    st.metrics.query(false, started.elapsed().as_secs_f64());
    respond(res?, limit, stats_wanted(&p), started)
}

/// `GET|POST /api/v1/query_range`.
pub(super) async fn range(
    State(st): State<AppState>,
    ApiParams(p): ApiParams,
) -> Result<Success, ApiError> {
    let query = p.required("query")?.to_string();
    let start = p
        .time_or("start", i64::MIN)
        .and_then(|t| required_time(t, "start"))?;
    let end = p
        .time_or("end", i64::MIN)
        .and_then(|t| required_time(t, "end"))?;
    if end < start {
        return Err(ApiError::bad_data(
            "end timestamp must not be before start time",
        ));
    }
    let step = p
        .duration("step")?
        .ok_or_else(|| ApiError::bad_data("invalid parameter \"step\": missing value"))?;
    if step <= 0 {
        return Err(ApiError::bad_data(
            "zero or negative query resolution step widths are not accepted. Try a positive integer",
        ));
    }
    if (end - start) / step > MAX_POINTS {
        return Err(ApiError::bad_data(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        ));
    }
    let expr = promql::parse(&query).map_err(|e| ApiError::query(&promql::Error::from(e)))?;
    if !matches!(expr.value_type(), ValueType::Scalar | ValueType::Vector) {
        return Err(ApiError::bad_data(format!(
            "invalid parameter \"query\": invalid expression type \"{}\" for range query, must be Scalar or instant Vector",
            type_name(expr.value_type())
        )));
    }
    let limit = p.limit()?;
    let (opts, _cancel) = options(&p, &st)?;
    let started = Instant::now();
    let res = st
        .blocking(move |s| {
            s.range_query_with(&query, start, end, step, &opts)
                .map_err(ApiError::from)
        })
        .await;
    st.metrics.query(true, started.elapsed().as_secs_f64());
    respond(res?, limit, stats_wanted(&p), started)
}

fn required_time(t: i64, name: &str) -> Result<i64, ApiError> {
    if t == i64::MIN {
        return Err(ApiError::bad_data(format!(
            "invalid parameter \"{name}\": missing value"
        )));
    }
    Ok(t)
}

fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Scalar => "scalar",
        ValueType::Vector => "instant vector",
        ValueType::Matrix => "range vector",
        ValueType::String => "string",
    }
}

fn stats_wanted(p: &Params) -> bool {
    p.get("stats").is_some()
}

fn respond(
    mut res: QueryResult,
    limit: Option<usize>,
    stats: bool,
    started: Instant,
) -> Result<Success, ApiError> {
    let mut warnings = std::mem::take(&mut res.warnings);
    if let Some(limit) = limit {
        let truncated = match &mut res.value {
            Value::Vector(v) if v.len() > limit => {
                v.truncate(limit);
                true
            }
            Value::Matrix(m) if m.len() > limit => {
                m.truncate(limit);
                true
            }
            _ => false,
        };
        if truncated {
            warnings.push("results truncated due to limit".into());
        }
    }
    let mut data = value_json(&res.value);
    if stats {
        // Prometheus's per-query statistics: timings in seconds and sample counts.
        let secs = started.elapsed().as_secs_f64();
        data.pop();
        data.push_str(&format!(
            r#","stats":{{"timings":{{"evalTotalTime":{secs},"resultSortTime":0,"queryPreparationTime":0,"innerEvalTime":{secs},"execQueueTime":0,"execTotalTime":{secs}}},"samples":{{"totalQueryableSamples":{},"peakSamples":{}}}}}}}"#,
            res.stats.samples_read, res.stats.peak_samples
        ));
    }
    Ok(Success {
        data,
        warnings,
        infos: res.infos,
    })
}

/// `GET|POST /api/v1/format_query`: the query pretty-printed as Prometheus does.
pub(super) async fn format(ApiParams(p): ApiParams) -> Result<Success, ApiError> {
    let query = p.required("query")?;
    let expr = promql::parse(query).map_err(|e| ApiError::query(&promql::Error::from(e)))?;
    let mut data = String::new();
    push_json_str(&mut data, &promql::prettify(&expr));
    Ok(Success::new(data))
}

/// `GET|POST /api/v1/parse_query`: the query's syntax tree as JSON.
pub(super) async fn parse(ApiParams(p): ApiParams) -> Result<Success, ApiError> {
    let query = p.required("query")?;
    let expr = promql::parse(query).map_err(|e| ApiError::query(&promql::Error::from(e)))?;
    Ok(Success::new(super::ast_json::to_json(&expr).to_string()))
}
