//! OTLP/HTTP: `POST /v1/metrics`, `/v1/traces` and `/v1/logs` on the OTLP/HTTP port (4318 by
//! default), and `/api/v1/otlp/v1/metrics` on the Prometheus port.
//!
//! The answer mirrors the request's format: a protobuf or JSON `Export*ServiceResponse`
//! (with `partial_success` when something was rejected) on 200, a `google.rpc.Status` on
//! errors, with `Retry-After` on 503 so clients wait before resending.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;

use super::body::{self, Encoding, Format, Signal};
use super::status::Status;
use super::{Answer, OtlpError};
use crate::paths;
use crate::selfmetrics::Protocol;
use crate::state::AppState;

impl OtlpError {
    /// The HTTP status of a failed export.
    pub fn http_status(&self) -> StatusCode {
        match self {
            OtlpError::UnsupportedContentType { .. } | OtlpError::UnsupportedEncoding { .. } => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            OtlpError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            OtlpError::Decompress { .. } | OtlpError::Decode { .. } => StatusCode::BAD_REQUEST,
            OtlpError::Overloaded { .. } | OtlpError::Storage { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    /// The error answer: a `google.rpc.Status` in the request's format (JSON when the format
    /// itself was the problem), with `Retry-After` when the client should wait.
    fn into_response(self, format: Format) -> Response {
        let retry = self.retry_after();
        let status = Status::new(0, self.to_string(), retry);
        let body = match format {
            Format::Protobuf => status.encode_to_vec(),
            Format::Json => status.to_json().into_bytes(),
        };
        let mut resp = (
            self.http_status(),
            [(header::CONTENT_TYPE, format.content_type())],
            body,
        )
            .into_response();
        if let Some(d) = retry {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(d.as_secs().max(1)));
        }
        resp
    }
}

/// The OTLP/HTTP port's router.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .route(paths::OTLP_METRICS, post(metrics))
        .route(paths::OTLP_TRACES, post(traces))
        .route(paths::OTLP_LOGS, post(logs))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::app::refuse_oversized,
        ))
        .with_state(state)
}

/// `POST /v1/metrics` (and `/api/v1/otlp/v1/metrics`).
pub async fn metrics(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&st, Signal::Metrics, &headers, &body).await
}

async fn traces(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&st, Signal::Traces, &headers, &body).await
}

async fn logs(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&st, Signal::Logs, &headers, &body).await
}

async fn handle(st: &AppState, signal: Signal, headers: &HeaderMap, body: &[u8]) -> Response {
    let header = |name: header::HeaderName| {
        headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default()
    };
    let format = match Format::from_content_type(&header(header::CONTENT_TYPE)) {
        Ok(f) => f,
        Err(e) => return e.into_response(Format::Json),
    };
    let decoded = Encoding::from_header(&header(header::CONTENT_ENCODING))
        .and_then(|enc| body::decompress(body, enc, st.config.max_body_bytes))
        .and_then(|raw| body::decode(&raw, signal, format));
    let answer = match decoded {
        Ok(req) => super::export(st, Protocol::OtlpHttp, req).await,
        Err(e) => Err(e),
    };
    match answer {
        Ok(a) => success(signal, format, a),
        Err(e) => {
            if e.http_status().is_server_error() {
                tracing::warn!(error = %e, "OTLP/HTTP export failed");
            }
            e.into_response(format)
        }
    }
}

/// The 200 answer: the signal's response message, `partial_success` set when needed.
fn success(signal: Signal, format: Format, a: Answer) -> Response {
    macro_rules! encode {
        ($resp:ty) => {{
            let resp = <$resp>::from(a);
            match format {
                Format::Protobuf => resp.encode_to_vec(),
                Format::Json => serde_json::to_vec(&resp).unwrap_or_default(),
            }
        }};
    }
    let body = match signal {
        Signal::Metrics => encode!(ExportMetricsServiceResponse),
        Signal::Traces => encode!(ExportTraceServiceResponse),
        Signal::Logs => encode!(ExportLogsServiceResponse),
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, format.content_type())],
        body,
    )
        .into_response()
}
