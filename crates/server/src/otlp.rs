//! The OTLP receivers: OTLP/HTTP (`/v1/metrics`, `/v1/traces`, `/v1/logs` on the OTLP/HTTP
//! port, and `/api/v1/otlp/v1/metrics` on the Prometheus port) and OTLP/gRPC (the metrics,
//! trace and logs services).
//!
//! Both transports decode into the same request types and hand them to [`export`], which
//! stores them on a blocking thread and says what became of each point or span. Bad items are
//! reported in `partial_success` and never fail a request; a request fails only when it
//! cannot be decoded (400 / INVALID_ARGUMENT: clients drop it) or when storing it failed in a
//! way worth retrying (503 / UNAVAILABLE with a retry delay). Logs are accepted and counted so
//! SDKs do not fail, but not stored yet: their records are reported as rejected.

pub mod body;
pub mod grpc;
pub mod http;
pub mod status;

use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};

use crate::selfmetrics::{Protocol, Reason};
use crate::state::AppState;

/// How long an overloaded trace head asks clients to wait before resending.
const BACKPRESSURE_RETRY: Duration = Duration::from_secs(2);
/// How long to wait after a storage failure (disk full, I/O error) before resending.
const STORAGE_RETRY: Duration = Duration::from_secs(5);

/// A decoded OTLP export request of any signal.
#[derive(Debug)]
pub enum Request {
    /// Metrics.
    Metrics(ExportMetricsServiceRequest),
    /// Spans.
    Traces(ExportTraceServiceRequest),
    /// Log records (counted, not stored).
    Logs(ExportLogsServiceRequest),
}

/// What became of a request that was (at least partly) stored: the `partial_success` of the
/// answer. `rejected == 0` with no message is full success.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// Points, spans or log records not stored.
    pub rejected: u64,
    /// Why, or a warning.
    pub message: Option<String>,
}

impl Answer {
    /// Whether the answer carries a `partial_success` (rejections or a warning).
    pub fn is_partial(&self) -> bool {
        self.rejected > 0 || self.message.is_some()
    }

    /// `partial_success`, built by `make(rejected, message)` when the answer needs one.
    fn partial<P>(self, make: impl FnOnce(i64, String) -> P) -> Option<P> {
        self.is_partial()
            .then(|| make(self.rejected as i64, self.message.unwrap_or_default()))
    }
}

// Each signal's response message, the same over both transports.

impl From<Answer> for ExportMetricsServiceResponse {
    fn from(a: Answer) -> Self {
        ExportMetricsServiceResponse {
            partial_success: a.partial(|rejected_data_points, error_message| {
                ExportMetricsPartialSuccess {
                    rejected_data_points,
                    error_message,
                }
            }),
        }
    }
}

impl From<Answer> for ExportTraceServiceResponse {
    fn from(a: Answer) -> Self {
        ExportTraceServiceResponse {
            partial_success: a.partial(|rejected_spans, error_message| ExportTracePartialSuccess {
                rejected_spans,
                error_message,
            }),
        }
    }
}

impl From<Answer> for ExportLogsServiceResponse {
    fn from(a: Answer) -> Self {
        ExportLogsServiceResponse {
            partial_success: a.partial(|rejected_log_records, error_message| {
                ExportLogsPartialSuccess {
                    rejected_log_records,
                    error_message,
                }
            }),
        }
    }
}

/// Why an export request failed as a whole.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OtlpError {
    /// The Content-Type is neither protobuf nor JSON.
    #[error(
        "unsupported Content-Type {content_type:?}: send application/x-protobuf or application/json"
    )]
    UnsupportedContentType {
        /// What the client sent.
        content_type: String,
    },
    /// The Content-Encoding is not one we decompress.
    #[error("unsupported Content-Encoding {encoding:?}: send gzip, deflate, zstd or no encoding")]
    UnsupportedEncoding {
        /// What the client sent.
        encoding: String,
    },
    /// The body (after decompression) is larger than the limit.
    #[error("request body exceeds the {limit} byte limit (after decompression)")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not valid in its declared compression.
    #[error("cannot decompress the {encoding} body: {detail}")]
    Decompress {
        /// The declared encoding.
        encoding: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// The body is not a valid export request.
    #[error("cannot decode the {format} {signal} export request: {detail}")]
    Decode {
        /// `protobuf` or `JSON`.
        format: &'static str,
        /// `metrics`, `traces` or `logs`.
        signal: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// The store cannot take more right now; the client should resend after the delay.
    #[error("{detail}; retry in {} s", retry_after.as_secs())]
    Overloaded {
        /// What is full.
        detail: String,
        /// How long to wait.
        retry_after: Duration,
    },
    /// Storing failed (disk full, I/O error); nothing of the request was acknowledged.
    #[error("storage failure, nothing of this request was stored: {detail}")]
    Storage {
        /// The store's error.
        detail: String,
    },
}

impl OtlpError {
    /// The delay a client should wait before resending, when resending makes sense.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            OtlpError::Overloaded { retry_after, .. } => Some(*retry_after),
            OtlpError::Storage { .. } => Some(STORAGE_RETRY),
            _ => None,
        }
    }
}

impl From<otelstore::Error> for OtlpError {
    fn from(e: otelstore::Error) -> Self {
        match e {
            otelstore::Error::Traces(otelstore::traces::Error::Backpressure {
                head_bytes,
                limit,
            }) => OtlpError::Overloaded {
                detail: format!(
                    "trace store overloaded: {head_bytes} bytes of spans waiting to be flushed (limit {limit})"
                ),
                retry_after: BACKPRESSURE_RETRY,
            },
            other => OtlpError::Storage {
                detail: other.to_string(),
            },
        }
    }
}

/// Stores one decoded request on a blocking thread, counts it in the self-metrics and says
/// what became of it.
pub async fn export(state: &AppState, proto: Protocol, req: Request) -> Result<Answer, OtlpError> {
    let metrics = std::sync::Arc::clone(&state.metrics);
    let store = std::sync::Arc::clone(&state.store);
    let joined = tokio::task::spawn_blocking(move || match req {
        Request::Metrics(r) => {
            let ing = store.ingest_otlp_metrics(&r)?;
            metrics.points(proto, ing.accepted, ing.rejected);
            metrics.outcome(&ing.outcome);
            // Points rejected by translation rather than by storage: unsupported types,
            // points that could not be placed.
            let storage = ing.outcome.rejected();
            metrics.rejected(Reason::Unsupported, ing.rejected.saturating_sub(storage));
            metrics.exemplars(ing.exemplars);
            Ok(Answer {
                rejected: ing.rejected,
                message: ing.message,
            })
        }
        Request::Traces(r) => {
            let ing = store.ingest_otlp_traces(r)?;
            metrics.spans(proto, ing.accepted, ing.rejected);
            Ok(Answer {
                rejected: ing.rejected,
                message: ing.message,
            })
        }
        Request::Logs(r) => {
            let n: u64 = r
                .resource_logs
                .iter()
                .flat_map(|rl| &rl.scope_logs)
                .map(|sl| sl.log_records.len() as u64)
                .sum();
            metrics.log_records(proto, n);
            Ok(Answer {
                rejected: n,
                message: (n > 0).then(|| {
                    format!("otelstore does not store logs yet: {n} log records were dropped")
                }),
            })
        }
    })
    .await;
    match joined {
        Ok(r) => r.map_err(|e: otelstore::Error| OtlpError::from(e)),
        Err(e) => Err(OtlpError::Storage {
            detail: format!("worker failed: {e}"),
        }),
    }
}
