//! OTLP/gRPC: the metrics, trace and logs `Export` services on one port (4317 by default).
//!
//! gzip and zstd requests are accepted; messages up to the body limit (64 MiB) are decoded,
//! because tonic's 4 MiB default answers OUT_OF_RANGE, which clients retry forever. Failures
//! map as `otlp.md` lays out: undecodable data is INVALID_ARGUMENT (dropped by clients),
//! overload and storage failures UNAVAILABLE with a `RetryInfo` delay, carried both in
//! `grpc-status-details-bin` (Go) and in the `google.rpc.retryinfo-bin` trailer (Python).

mod codec;
mod export;

use std::future::Future;

use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use tokio::net::TcpListener;
use tonic::Code;
use tonic::codegen::BoxFuture;
use tonic::metadata::{MetadataMap, MetadataValue};

use export::{ExportMethod, ExportServer};

use super::status::{RetryInfo, Status};
use super::{Answer, OtlpError, Request};
use crate::selfmetrics::Protocol;
use crate::state::AppState;

/// The three services over one [`AppState`].
#[derive(Debug, Clone)]
pub struct Otlp {
    state: AppState,
}

impl OtlpError {
    /// The gRPC status of a failed export.
    pub fn to_grpc(&self) -> tonic::Status {
        let code = match self {
            OtlpError::Overloaded { .. } | OtlpError::Storage { .. } => Code::Unavailable,
            // Only reachable over HTTP; kept total so every error has a gRPC answer.
            OtlpError::UnsupportedContentType { .. } | OtlpError::UnsupportedEncoding { .. } => {
                Code::Unimplemented
            }
            OtlpError::TooLarge { .. }
            | OtlpError::Decompress { .. }
            | OtlpError::Decode { .. } => Code::InvalidArgument,
        };
        let message = self.to_string();
        let retry = self.retry_after();
        let details = Status::new(code as i32, message.clone(), retry).encode_to_vec();
        let mut metadata = MetadataMap::new();
        if let Some(d) = retry {
            metadata.insert_bin(
                "google.rpc.retryinfo-bin",
                MetadataValue::from_bytes(&RetryInfo::after(d).encode_to_vec()),
            );
        }
        tonic::Status::with_details_and_metadata(code, message, details.into(), metadata)
    }
}

impl Otlp {
    async fn export(&self, req: Request) -> Result<Answer, tonic::Status> {
        super::export(&self.state, Protocol::OtlpGrpc, req)
            .await
            .map_err(|e| e.to_grpc())
    }
}

/// The metrics service.
struct Metrics;

impl ExportMethod for Metrics {
    const SERVICE: &'static str = "opentelemetry.proto.collector.metrics.v1.MetricsService";
    type Req = ExportMetricsServiceRequest;
    type Resp = ExportMetricsServiceResponse;

    fn export(otlp: Otlp, req: Self::Req) -> BoxFuture<Self::Resp, tonic::Status> {
        Box::pin(async move { Ok(otlp.export(Request::Metrics(req)).await?.into()) })
    }
}

/// The trace service.
struct Traces;

impl ExportMethod for Traces {
    const SERVICE: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
    type Req = ExportTraceServiceRequest;
    type Resp = ExportTraceServiceResponse;

    fn export(otlp: Otlp, req: Self::Req) -> BoxFuture<Self::Resp, tonic::Status> {
        Box::pin(async move { Ok(otlp.export(Request::Traces(req)).await?.into()) })
    }
}

/// The logs service (counted, not stored).
struct Logs;

impl ExportMethod for Logs {
    const SERVICE: &'static str = "opentelemetry.proto.collector.logs.v1.LogsService";
    type Req = ExportLogsServiceRequest;
    type Resp = ExportLogsServiceResponse;

    fn export(otlp: Otlp, req: Self::Req) -> BoxFuture<Self::Resp, tonic::Status> {
        Box::pin(async move { Ok(otlp.export(Request::Logs(req)).await?.into()) })
    }
}

/// Serves the OTLP/gRPC services on `listener` until `shutdown` completes, then lets
/// in-flight calls finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), tonic::transport::Error> {
    let limit = state.config.max_body_bytes;
    let otlp = Otlp { state };
    tonic::transport::Server::builder()
        .add_service(ExportServer::<Metrics>::new(otlp.clone(), limit))
        .add_service(ExportServer::<Traces>::new(otlp.clone(), limit))
        .add_service(ExportServer::<Logs>::new(otlp, limit))
        .serve_with_incoming_shutdown(
            // Without TCP_NODELAY (tonic sets it only on listeners it binds itself), small
            // HTTP/2 frames such as flow-control window updates wait behind Nagle's algorithm.
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        )
        .await
}
