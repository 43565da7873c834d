//! Trace by id. v1 answers `tempopb.Trace` (wire-identical to OTLP `TracesData`) or
//! `{"batches":[...]}`; v2 answers `TraceByIDResponse` (`trace` = 1, `status` = 3,
//! `message` = 4) or `{"trace":{"resourceSpans":[...]},"status":"COMPLETE"}`. A missing trace
//! is a 404, which makes Grafana retry v1 and then report "not found".

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, TracesData};
use prost::Message;
use serde::Serialize;

use super::{Reply, TempoError, json_ok, seconds_window};
use crate::error::ApiError;
use crate::jaeger::trace_id;
use crate::params::Params;
use crate::state::AppState;

/// Tempo's `TraceByIDResponse`, the fields we fill (clients decode the same message).
#[derive(Clone, PartialEq, Message)]
pub struct TraceByIdResponse {
    /// The trace.
    #[prost(message, optional, tag = "1")]
    pub trace: Option<TracesData>,
    /// `COMPLETE` = 0, `PARTIAL` = 1.
    #[prost(int32, tag = "3")]
    pub status: i32,
    /// Why the trace is partial, if it is.
    #[prost(string, tag = "4")]
    pub message: String,
}

/// v1 JSON.
#[derive(Serialize)]
struct BatchesJson<'a> {
    batches: &'a [ResourceSpans],
}

/// v2 JSON.
#[derive(Serialize)]
struct TraceJson<'a> {
    trace: &'a TracesData,
    status: &'static str,
}

#[derive(Clone, Copy, PartialEq)]
enum Version {
    V1,
    V2,
}

/// `GET /api/traces/{id}`.
pub(super) async fn v1(st: State<AppState>, id: Path<String>, q: RawQuery, h: HeaderMap) -> Reply {
    by_id(st, id, q, h, Version::V1).await
}

/// `GET /api/v2/traces/{id}`.
pub(super) async fn v2(st: State<AppState>, id: Path<String>, q: RawQuery, h: HeaderMap) -> Reply {
    by_id(st, id, q, h, Version::V2).await
}

fn wants_protobuf(h: &HeaderMap) -> bool {
    h.get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/protobuf") || v.contains("application/x-protobuf"))
}

async fn by_id(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    version: Version,
) -> Reply {
    let id = trace_id(&id)?;
    let p = Params::new(q.as_deref(), None);
    let (start, end) = seconds_window(&p)?;
    let range = (start > 0 || end < u64::MAX).then_some((start, end));
    let found = st
        .blocking(move |s| Ok(s.traces().trace(&id, range)?))
        .await?;
    let Some(t) = found else {
        return Err(TempoError(ApiError::not_found("trace not found")));
    };
    let data = otelstore::otlp::traces::to_otlp(&t.batch);
    if wants_protobuf(&headers) {
        let bytes = match version {
            Version::V1 => data.encode_to_vec(),
            Version::V2 => TraceByIdResponse {
                trace: Some(data),
                status: 0,
                message: String::new(),
            }
            .encode_to_vec(),
        };
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/protobuf")],
            bytes,
        )
            .into_response());
    }
    Ok(match version {
        Version::V1 => json_ok(&BatchesJson {
            batches: &data.resource_spans,
        }),
        Version::V2 => json_ok(&TraceJson {
            trace: &data,
            status: "COMPLETE",
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_protobuf_wraps_the_trace_in_field_one() {
        let data = TracesData::default();
        let resp = TraceByIdResponse {
            trace: Some(data.clone()),
            status: 0,
            message: String::new(),
        };
        // An empty message in field 1: tag 0x0a, length 0.
        assert_eq!(resp.encode_to_vec(), vec![0x0a, 0x00]);
        let back = TraceByIdResponse::decode(&resp.encode_to_vec()[..]).expect("decode");
        assert_eq!(back.trace, Some(data));
    }
}
