//! The Jaeger endpoints.

use std::collections::BTreeSet;
use std::time::SystemTime;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use model::trace::SpanKind;
use otelstore::traces::{SearchRequest, Trace, TraceSummary};
use serde::Serialize;

use super::params::{self, trace_id};
use super::{JaegerError, ok, uimodel};
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;

type Reply = Result<Response, JaegerError>;

/// Most threads one search answer reads its traces on.
const READ_THREADS: usize = 4;

/// Jaeger's default search window when `start` is absent: two days before `end`.
const DEFAULT_LOOKBACK_NS: u64 = 2 * 86_400 * 1_000_000_000;
/// Default `lookback` of `/api/dependencies`: one day, in ms.
const DEFAULT_DEPS_LOOKBACK_MS: u64 = 86_400_000;

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// `GET /api/services`.
pub(super) async fn services(State(st): State<AppState>) -> Reply {
    let list = st.blocking(|s| Ok(s.traces().services())).await?;
    let n = list.len();
    Ok(ok(list, n, Vec::new()))
}

/// `GET /api/services/{service}/operations`: unique names of every kind.
pub(super) async fn service_operations(
    State(st): State<AppState>,
    Path(service): Path<String>,
) -> Reply {
    let names: Vec<String> = st
        .blocking(move |s| {
            let ops = s.traces().operations(&service);
            let set: BTreeSet<String> = ops.into_iter().map(|o| o.name).collect();
            Ok(set.into_iter().collect())
        })
        .await?;
    let n = names.len();
    Ok(ok(names, n, Vec::new()))
}

#[derive(Serialize)]
struct OperationJson {
    name: String,
    #[serde(rename = "spanKind")]
    span_kind: &'static str,
}

/// `GET /api/operations?service=&spanKind=`.
pub(super) async fn operations(State(st): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let p = Params::new(q.as_deref(), None);
    let service = p
        .get("service")
        .ok_or_else(|| ApiError::bad_data("parameter 'service' is required"))?
        .to_owned();
    let kind = match p.get("spanKind") {
        None => None,
        Some(k) => Some(
            SpanKind::parse(k)
                .filter(|k| *k != SpanKind::Unspecified)
                .ok_or_else(|| {
                    ApiError::bad_data(format!(
                        "unsupported 'spanKind' {k:?}: use server, client, producer, consumer or internal"
                    ))
                })?,
        ),
    };
    let ops: Vec<OperationJson> = st
        .blocking(move |s| {
            Ok(s.traces()
                .operations(&service)
                .into_iter()
                .filter(|o| kind.is_none_or(|k| o.kind == k))
                .map(|o| OperationJson {
                    name: o.name,
                    span_kind: match o.kind {
                        SpanKind::Unspecified => "",
                        k => k.as_str(),
                    },
                })
                .collect())
        })
        .await?;
    let n = ops.len();
    Ok(ok(ops, n, Vec::new()))
}

/// `GET /api/traces`: a search, or a multi-get with `traceID=` (repeatable).
pub(super) async fn search(State(st): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let p = Params::new(q.as_deref(), None);
    let ids = p
        .all("traceID")
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(trace_id)
        .collect::<Result<Vec<_>, _>>()?;
    if !ids.is_empty() {
        let (found, missing) = st
            .blocking(move |s| {
                let mut found = Vec::new();
                let mut missing = Vec::new();
                for id in ids {
                    match s.traces().trace(&id, None)? {
                        Some(t) => found.push(uimodel::trace(&t)),
                        None => missing.push(id.to_jaeger_hex()),
                    }
                }
                Ok((found, missing))
            })
            .await?;
        return Ok(ok(found, 0, missing));
    }
    let req = search_request(&p)?;
    let traces = st
        .blocking(move |s| {
            let store = s.traces();
            let hits = store.search(&req)?;
            let full = read_traces(store, &hits)?;
            Ok(full
                .iter()
                .flatten()
                .map(uimodel::trace)
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(ok(traces, 0, Vec::new()))
}

/// The whole traces of search hits, read on up to [`READ_THREADS`] threads (a search
/// answer's latency is mostly these reads). Each read is bounded by the trace's time range
/// from its summary, so segments outside it are skipped.
pub(crate) fn read_traces(
    store: &otelstore::traces::Store,
    hits: &[TraceSummary],
) -> Result<Vec<Option<Trace>>, ApiError> {
    let read = |h: &TraceSummary| -> Result<Option<Trace>, ApiError> {
        let end = h.start_unix_nano.saturating_add(h.duration_nanos);
        Ok(store.trace(&h.trace_id, Some((h.start_unix_nano, end)))?)
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(READ_THREADS);
    if hits.len() < 4 || threads < 2 {
        return hits.iter().map(read).collect();
    }
    let chunk = hits.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = hits
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(read).collect::<Result<Vec<_>, _>>()))
            .collect();
        let mut out = Vec::with_capacity(hits.len());
        for p in parts {
            let part = p
                .join()
                .map_err(|_| ApiError::internal("a trace read panicked"))??;
            out.extend(part);
        }
        Ok(out)
    })
}

/// The search parameters as a store request.
fn search_request(p: &Params) -> Result<SearchRequest, ApiError> {
    let end = params::micros_as_nanos(p, "end", false)?.unwrap_or_else(now_ns);
    let start = params::micros_as_nanos(p, "start", false)?
        .unwrap_or_else(|| end.saturating_sub(DEFAULT_LOOKBACK_NS));
    if start > end {
        return Err(ApiError::bad_data("'start' must not be after 'end'"));
    }
    let min_duration = params::duration(p, "minDuration")?;
    let max_duration = params::duration(p, "maxDuration")?;
    if let (Some(lo), Some(hi)) = (min_duration, max_duration)
        && hi < lo
    {
        return Err(ApiError::bad_data(
            "'maxDuration' should be greater than 'minDuration'",
        ));
    }
    Ok(SearchRequest {
        service: p.get("service").map(str::to_owned),
        operation: p.get("operation").map(str::to_owned),
        tags: params::tags(p)?,
        min_duration,
        max_duration,
        start_unix_nano: start,
        end_unix_nano: end,
        limit: params::limit(p)?,
        spans_per_trace: 1,
        ..SearchRequest::default()
    })
}

/// `GET /api/traces/{id}`, with optional `start`/`end` (µs, or ms as Grafana sends them).
pub(super) async fn trace(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Reply {
    let id = trace_id(&id)?;
    let p = Params::new(q.as_deref(), None);
    let start = params::micros_as_nanos(&p, "start", true)?;
    let end = params::micros_as_nanos(&p, "end", true)?;
    let range = match (start, end) {
        (None, None) => None,
        (a, b) => Some((a.unwrap_or(0), b.unwrap_or(u64::MAX))),
    };
    if let Some((a, b)) = range
        && a > b
    {
        return Err(ApiError::bad_data("'start' must not be after 'end'").into());
    }
    let found = st
        .blocking(move |s| Ok(s.traces().trace(&id, range)?))
        .await?;
    match found {
        Some(t) => Ok(ok(vec![uimodel::trace(&t)], 0, Vec::new())),
        None => Err(ApiError::not_found("trace not found").into()),
    }
}

#[derive(Serialize)]
struct DependencyJson {
    parent: String,
    child: String,
    #[serde(rename = "callCount")]
    call_count: u64,
}

/// `GET /api/dependencies?endTs=&lookback=` (ms), optionally edges touching `service`.
pub(super) async fn dependencies(State(st): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let p = Params::new(q.as_deref(), None);
    let end_ms = params::uint(&p, "endTs")?.unwrap_or_else(|| now_ns() / 1_000_000);
    let lookback = params::uint(&p, "lookback")?.unwrap_or(DEFAULT_DEPS_LOOKBACK_MS);
    let end = end_ms.saturating_mul(1_000_000);
    let start = end.saturating_sub(lookback.saturating_mul(1_000_000));
    let service = p.get("service").map(str::to_owned);
    let deps: Vec<DependencyJson> = st
        .blocking(move |s| {
            Ok(s.traces()
                .dependencies(start, end)
                .into_iter()
                .filter(|d| {
                    service
                        .as_ref()
                        .is_none_or(|svc| &d.parent == svc || &d.child == svc)
                })
                .map(|d| DependencyJson {
                    parent: d.parent,
                    child: d.child,
                    call_count: d.call_count,
                })
                .collect())
        })
        .await?;
    // Jaeger fills `total` for services and operations only.
    Ok(ok(deps, 0, Vec::new()))
}
