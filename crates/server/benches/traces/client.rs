//! The clients: OTLP/HTTP protobuf over ureq, one thread each; OTLP/gRPC over tonic with a
//! codec that sends the pre-encoded bytes as they are; and timed GETs for the query APIs.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use prost::bytes::{Buf, BufMut, Bytes};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

/// What the ingest did.
pub(crate) struct Ingest {
    pub(crate) spans: usize,
    /// Spans acknowledged over OTLP/HTTP and over OTLP/gRPC.
    pub(crate) by_transport: [usize; 2],
    pub(crate) elapsed: Duration,
    /// Spans acknowledged per whole second.
    pub(crate) per_second: Vec<f64>,
    /// Requests answered with a retryable refusal (backpressure) and sent again.
    pub(crate) retries: u64,
}

/// What the clients share: the requests, the next one to send, and the counts.
struct Shared {
    batches: Vec<(Bytes, usize)>,
    next: AtomicUsize,
    retries: AtomicU64,
    by_transport: [AtomicUsize; 2],
    start: Instant,
    buckets: Mutex<Vec<u64>>,
}

impl Shared {
    /// The next request to send, if any.
    fn take(&self) -> Option<&(Bytes, usize)> {
        self.batches.get(self.next.fetch_add(1, Ordering::Relaxed))
    }

    fn acked(&self, transport: usize, spans: usize) {
        self.by_transport[transport].fetch_add(spans, Ordering::Relaxed);
        let sec = self.start.elapsed().as_secs() as usize;
        let mut b = self.buckets.lock().expect("meter");
        if b.len() <= sec {
            b.resize(sec + 1, 0);
        }
        b[sec] += spans as u64;
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// Sends every batch, `http` clients over OTLP/HTTP (`POST /v1/traces`) and `grpc` clients
/// over OTLP/gRPC at the same time, each taking the next unsent request.
pub(crate) fn ingest(
    http_addr: &str,
    grpc_addr: &str,
    batches: Vec<(Bytes, usize)>,
    http: usize,
    grpc: usize,
) -> Ingest {
    let spans = batches.iter().map(|b| b.1).sum();
    let shared = Arc::new(Shared {
        batches,
        next: AtomicUsize::new(0),
        retries: AtomicU64::new(0),
        by_transport: [AtomicUsize::new(0), AtomicUsize::new(0)],
        start: Instant::now(),
        buckets: Mutex::new(Vec::new()),
    });
    std::thread::scope(|s| {
        for _ in 0..http {
            let shared = Arc::clone(&shared);
            s.spawn(move || http_client(&format!("http://{http_addr}/v1/traces"), &shared));
        }
        let shared = Arc::clone(&shared);
        s.spawn(move || grpc_clients(grpc_addr, grpc, shared));
    });
    let elapsed = shared.start.elapsed();
    let mut b = std::mem::take(&mut *shared.buckets.lock().expect("meter"));
    // The last second is partial.
    b.pop();
    Ingest {
        spans,
        by_transport: [0, 1].map(|i| shared.by_transport[i].load(Ordering::Relaxed)),
        elapsed,
        per_second: b.into_iter().map(|n| n as f64).collect(),
        retries: shared.retries.load(Ordering::Relaxed),
    }
}

fn http_client(url: &str, shared: &Shared) {
    let agent = agent();
    while let Some((bytes, spans)) = shared.take() {
        loop {
            let resp = agent
                .post(url)
                .header("Content-Type", "application/x-protobuf")
                .send(&bytes[..])
                .expect("OTLP/HTTP request");
            match resp.status().as_u16() {
                200 => break,
                429 | 503 => {
                    // As an SDK does: wait as long as the server asks.
                    let secs = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                        .unwrap_or(1);
                    shared.retries.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_secs(secs.min(5)));
                }
                other => panic!("OTLP/HTTP export answered {other}"),
            }
        }
        shared.acked(0, *spans);
    }
}

/// Sends pre-encoded bytes as the request message and decodes the response.
#[derive(Debug, Clone, Copy, Default)]
struct RawCodec;

#[derive(Debug, Clone, Copy, Default)]
struct RawEncoder;

#[derive(Debug, Clone, Copy, Default)]
struct ResponseDecoder;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = ExportTraceServiceResponse;
    type Encoder = RawEncoder;
    type Decoder = ResponseDecoder;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> ResponseDecoder {
        ResponseDecoder
    }
}

impl Encoder for RawEncoder {
    type Item = Bytes;
    type Error = tonic::Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for ResponseDecoder {
    type Item = ExportTraceServiceResponse;
    type Error = tonic::Status;

    fn decode(
        &mut self,
        src: &mut DecodeBuf<'_>,
    ) -> Result<Option<ExportTraceServiceResponse>, tonic::Status> {
        let bytes = src.copy_to_bytes(src.remaining());
        ExportTraceServiceResponse::decode(bytes)
            .map(Some)
            .map_err(|e| tonic::Status::internal(e.to_string()))
    }
}

const GRPC_RETRY: Duration = Duration::from_secs(2);

const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// Runs `clients` concurrent OTLP/gRPC connections on a small runtime of their own.
fn grpc_clients(addr: &str, clients: usize, shared: Arc<Shared>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
                .expect("endpoint")
                .connect()
                .await
                .expect("connect OTLP/gRPC");
            let shared = Arc::clone(&shared);
            tasks.push(tokio::spawn(async move {
                let mut grpc = tonic::client::Grpc::new(channel);
                while let Some((bytes, spans)) = shared.take() {
                    loop {
                        grpc.ready().await.expect("gRPC channel ready");
                        let path = tonic::codegen::http::uri::PathAndQuery::from_static(EXPORT);
                        let req = tonic::Request::new(bytes.clone());
                        match grpc.unary(req, path, RawCodec).await {
                            Ok(resp) => {
                                let rejected = resp
                                    .into_inner()
                                    .partial_success
                                    .map_or(0, |p| p.rejected_spans);
                                assert_eq!(rejected, 0, "spans rejected");
                                break;
                            }
                            Err(s)
                                if matches!(
                                    s.code(),
                                    tonic::Code::Unavailable | tonic::Code::ResourceExhausted
                                ) =>
                            {
                                // The server's RetryInfo asks for the same 2 s as its
                                // HTTP Retry-After.
                                shared.retries.fetch_add(1, Ordering::Relaxed);
                                tokio::time::sleep(GRPC_RETRY).await;
                            }
                            Err(s) => panic!("OTLP/gRPC export failed: {s}"),
                        }
                    }
                    shared.acked(1, *spans);
                }
            }));
        }
        for t in tasks {
            t.await.expect("gRPC client task");
        }
    });
}

/// Times GET requests.
pub(crate) struct Getter {
    agent: ureq::Agent,
    base: String,
}

impl Getter {
    pub(crate) fn new(addr: &str) -> Getter {
        Getter {
            agent: agent(),
            base: format!("http://{addr}"),
        }
    }

    /// GET `path`; the latency (until the whole body is read), status and body.
    pub(crate) fn get(&self, path: &str, accept: &str) -> (Duration, u16, Vec<u8>) {
        let t = Instant::now();
        let mut resp = self
            .agent
            .get(&format!("{}{path}", self.base))
            .header("Accept", accept)
            .call()
            .expect("GET");
        let body = resp
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .expect("body");
        (t.elapsed(), resp.status().as_u16(), body)
    }
}
