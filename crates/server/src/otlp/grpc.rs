//! OTLP/gRPC: the metrics, trace and logs `Export` services on one port (4317 by default).
//!
//! gzip and zstd requests are accepted; messages up to the body limit (64 MiB) are decoded,
//! because tonic's 4 MiB default answers OUT_OF_RANGE, which clients retry forever. Failures
//! map as `otlp.md` lays out: undecodable data is INVALID_ARGUMENT (dropped by clients),
//! overload and storage failures UNAVAILABLE with a `RetryInfo` delay, carried both in
//! `grpc-status-details-bin` (Go) and in the `google.rpc.retryinfo-bin` trailer (Python).

use std::future::Future;

use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::{Code, Response};

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

#[tonic::async_trait]
impl MetricsService for Otlp {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, tonic::Status> {
        let a = Otlp::export(self, Request::Metrics(request.into_inner())).await?;
        Ok(Response::new(ExportMetricsServiceResponse {
            partial_success: a.is_partial().then(|| ExportMetricsPartialSuccess {
                rejected_data_points: a.rejected as i64,
                error_message: a.message.unwrap_or_default(),
            }),
        }))
    }
}

#[tonic::async_trait]
impl TraceService for Otlp {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, tonic::Status> {
        let a = Otlp::export(self, Request::Traces(request.into_inner())).await?;
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: a.is_partial().then(|| ExportTracePartialSuccess {
                rejected_spans: a.rejected as i64,
                error_message: a.message.unwrap_or_default(),
            }),
        }))
    }
}

#[tonic::async_trait]
impl LogsService for Otlp {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, tonic::Status> {
        let a = Otlp::export(self, Request::Logs(request.into_inner())).await?;
        Ok(Response::new(ExportLogsServiceResponse {
            partial_success: a.is_partial().then(|| ExportLogsPartialSuccess {
                rejected_log_records: a.rejected as i64,
                error_message: a.message.unwrap_or_default(),
            }),
        }))
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
    let svc = Otlp { state };
    macro_rules! configured {
        ($server:ident) => {
            $server::new(svc.clone())
                .accept_compressed(CompressionEncoding::Gzip)
                .accept_compressed(CompressionEncoding::Zstd)
                .send_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(limit)
        };
    }
    tonic::transport::Server::builder()
        .add_service(configured!(MetricsServiceServer))
        .add_service(configured!(TraceServiceServer))
        .add_service(configured!(LogsServiceServer))
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listener),
            shutdown,
        )
        .await
}
