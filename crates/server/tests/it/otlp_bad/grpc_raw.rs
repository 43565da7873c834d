//! Bytes that are not a protobuf export request, sent over OTLP/gRPC as they are: the call
//! fails with INVALID_ARGUMENT, which clients drop instead of retrying, and the server keeps
//! what it acknowledged before.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use prost::Message;
use prost::bytes::{Buf, BufMut};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;

use super::Fixture;

/// Sends raw bytes as the request message; decodes the reply as a metrics response.
#[derive(Debug, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = ExportMetricsServiceResponse;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Vec<u8>, buf: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        buf.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = ExportMetricsServiceResponse;
    type Error = tonic::Status;

    fn decode(
        &mut self,
        buf: &mut DecodeBuf<'_>,
    ) -> Result<Option<ExportMetricsServiceResponse>, tonic::Status> {
        let bytes = buf.copy_to_bytes(buf.remaining());
        ExportMetricsServiceResponse::decode(&bytes[..])
            .map(Some)
            .map_err(|e| tonic::Status::internal(e.to_string()))
    }
}

fn send_raw(f: &Fixture, path: &'static str, body: Vec<u8>) -> Result<(), tonic::Status> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", f.s.otlp_grpc))
            .expect("endpoint")
            .connect()
            .await
            .expect("connect");
        let mut grpc = tonic::client::Grpc::new(channel);
        grpc.ready().await.expect("ready");
        let path = PathAndQuery::from_static(path);
        grpc.unary(tonic::Request::new(body), path, RawCodec)
            .await
            .map(|_| ())
    })
}

const METRICS_EXPORT: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

#[test]
fn malformed_grpc_message_is_invalid_argument() {
    let f = Fixture::new();
    // A length-delimited field whose length runs past the end of the message.
    let status = send_raw(&f, METRICS_EXPORT, vec![0x0a, 0xff, 0x01, 0x00])
        .expect_err("garbage must not be accepted");
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert!(
        status
            .message()
            .contains("cannot decode the protobuf export request"),
        "{status:?}"
    );
    // An empty message is a valid, empty request.
    send_raw(&f, METRICS_EXPORT, Vec::new()).expect("an empty request is fine");
    f.assert_intact();
}

#[test]
fn unknown_grpc_methods_are_unimplemented() {
    let f = Fixture::new();
    for path in [
        "/opentelemetry.proto.collector.metrics.v1.MetricsService/Nope",
        "/no.such.Service/Export",
    ] {
        let status = send_raw(&f, path, Vec::new()).expect_err("no such method");
        assert_eq!(
            status.code(),
            tonic::Code::Unimplemented,
            "{path}: {status:?}"
        );
    }
    f.assert_intact();
}
