//! One gRPC service with one unary `Export` method, generic over the signal, decoding with
//! [`SliceCodec`]. It stands in for the servers `opentelemetry-proto` generates, whose codec
//! is fixed.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::task::{Context, Poll};

use prost::Message;
use tonic::codec::CompressionEncoding;
use tonic::codegen::{Body, BoxFuture, Service, StdError, http};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Code, Status};

use super::Otlp;
use super::codec::SliceCodec;

/// An OTLP `Export` method: its service, messages and handler.
pub(super) trait ExportMethod: Send + Sync + 'static {
    /// The fully qualified gRPC service name.
    const SERVICE: &'static str;
    /// The request message.
    type Req: Message + Default + Send + 'static;
    /// The reply message.
    type Resp: Message + Send + 'static;
    /// Handles one request.
    fn export(otlp: Otlp, req: Self::Req) -> BoxFuture<Self::Resp, Status>;
}

/// The service of method `M`, accepting gzip and zstd and messages up to `limit` bytes.
pub(super) struct ExportServer<M> {
    otlp: Otlp,
    limit: usize,
    method: PhantomData<fn() -> M>,
}

impl<M> ExportServer<M> {
    pub(super) fn new(otlp: Otlp, limit: usize) -> Self {
        ExportServer {
            otlp,
            limit,
            method: PhantomData,
        }
    }
}

impl<M> Clone for ExportServer<M> {
    fn clone(&self) -> Self {
        ExportServer::new(self.otlp.clone(), self.limit)
    }
}

impl<M> std::fmt::Debug for ExportServer<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportServer")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl<M: ExportMethod> NamedService for ExportServer<M> {
    const NAME: &'static str = M::SERVICE;
}

/// The handler of one call.
struct Handler<M>(Otlp, PhantomData<fn() -> M>);

impl<M: ExportMethod> UnaryService<M::Req> for Handler<M> {
    type Response = M::Resp;
    type Future = BoxFuture<tonic::Response<M::Resp>, Status>;

    fn call(&mut self, request: tonic::Request<M::Req>) -> Self::Future {
        let fut = M::export(self.0.clone(), request.into_inner());
        Box::pin(async move { fut.await.map(tonic::Response::new) })
    }
}

impl<M, B> Service<http::Request<B>> for ExportServer<M>
where
    M: ExportMethod,
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Infallible>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let export = req
            .uri()
            .path()
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(M::SERVICE))
            == Some("/Export");
        if !export {
            let status = Status::new(Code::Unimplemented, "no such method");
            return Box::pin(async move { Ok(status.into_http()) });
        }
        let handler = Handler::<M>(self.otlp.clone(), PhantomData);
        let mut grpc = Grpc::new(SliceCodec::<M::Resp, M::Req>::default())
            .accept_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Zstd)
            .send_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(self.limit);
        Box::pin(async move {
            let mut resp = grpc.unary(handler, req).await;
            no_retry_on_oversize(&mut resp);
            Ok(resp)
        })
    }
}

/// Turns tonic's answer to a message over the size limit, OUT_OF_RANGE, into
/// INVALID_ARGUMENT: every OTLP client retries OUT_OF_RANGE and would resend the same
/// oversized batch until its timeout. The handlers never answer OUT_OF_RANGE themselves, and
/// tonic reports the decode failure in the response headers (a trailers-only response).
fn no_retry_on_oversize<B>(resp: &mut http::Response<B>) {
    let out_of_range = (Code::OutOfRange as i32).to_string();
    if resp
        .headers()
        .get("grpc-status")
        .is_some_and(|v| v.as_bytes() == out_of_range.as_bytes())
    {
        let invalid = Code::InvalidArgument as i32;
        resp.headers_mut()
            .insert("grpc-status", http::HeaderValue::from(invalid));
    }
}
