//! The servers under test (otelstore, Debian's Prometheus) as child processes with their
//! resident memory, and the clients that send a pass of pre-encoded requests over OTLP/HTTP,
//! OTLP/gRPC or remote write from several connections at once.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use prost::Message;
use prost::bytes::{Buf, BufMut};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::{Bytes, http};

use crate::data::{OtlpBody, Shape};

/// A server process, killed on drop.
#[derive(Debug)]
pub(crate) struct Server {
    child: Child,
    /// `host:port` of the HTTP API (remote write).
    pub(crate) http: String,
    /// `host:port` of OTLP/HTTP (otelstore only).
    pub(crate) otlp_http: String,
    /// `host:port` of OTLP/gRPC (otelstore only).
    pub(crate) otlp_grpc: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts otelstore on a fresh data directory and ephemeral ports.
    pub(crate) fn otelstore(bin: &Path) -> Result<Server> {
        let dir = tempfile::tempdir()?;
        let addr_file = dir.path().join("addr.json");
        let child = Command::new(bin)
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args([
                "--http-listen",
                "127.0.0.1:0",
                "--otlp-grpc-listen",
                "127.0.0.1:0",
            ])
            .args(["--otlp-http-listen", "127.0.0.1:0", "--addr-file"])
            .arg(&addr_file)
            .env("OTELSTORE_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let start = Instant::now();
        let text = loop {
            if let Ok(text) = std::fs::read_to_string(&addr_file) {
                break text;
            }
            if start.elapsed() > Duration::from_secs(30) {
                bail!("otelstore did not write {}", addr_file.display());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let v: serde_json::Value = serde_json::from_str(&text)?;
        let addr = |k: &str| v[k].as_str().map(str::to_string).context("address file");
        let s = Server {
            http: addr("http")?,
            otlp_http: addr("otlp_http")?,
            otlp_grpc: addr("otlp_grpc")?,
            child,
            _dir: dir,
        };
        s.wait_ready()?;
        Ok(s)
    }

    /// Starts Prometheus with the remote-write receiver on a fresh TSDB.
    pub(crate) fn prometheus(bin: &Path) -> Result<Server> {
        let dir = tempfile::tempdir()?;
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            "global:\n  scrape_interval: 1m\nscrape_configs: []\n",
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let http = format!("127.0.0.1:{port}");
        let child = Command::new(bin)
            .arg("--web.enable-remote-write-receiver")
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address={http}"))
            .arg(format!("--config.file={}", config.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let s = Server {
            child,
            http,
            otlp_http: String::new(),
            otlp_grpc: String::new(),
            _dir: dir,
        };
        s.wait_ready()?;
        Ok(s)
    }

    fn wait_ready(&self) -> Result<()> {
        let agent = agent();
        let start = Instant::now();
        loop {
            let ok = agent.get(&format!("http://{}/-/ready", self.http)).call();
            if ok.is_ok_and(|r| r.status() == 200) {
                return Ok(());
            }
            if start.elapsed() > Duration::from_secs(60) {
                bail!("server on {} not ready in 60 s", self.http);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// CPU time the server has used, user and system (`/proc/<pid>/stat`, in clock ticks of
    /// 10 ms).
    pub(crate) fn cpu_seconds(&self) -> Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // The command name may hold spaces; the fields after it are plain numbers.
        let rest = stat.rsplit_once(')').context("stat")?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
        let ticks: u64 = [11, 12]
            .iter()
            .map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
            .sum::<Option<u64>>()
            .context("utime/stime")?;
        Ok(ticks as f64 / 100.0)
    }

    /// Resident memory in bytes (`VmRSS` of `/proc/<pid>/status`).
    pub(crate) fn rss(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("VmRSS")?;
        Ok(kb * 1024)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// Sends, from one thread per connection, OTLP/HTTP protobuf: each client its own requests,
/// rewritten for each pass of `passes`.
pub(crate) fn otlp_http(
    addr: &str,
    clients: &mut [Vec<OtlpBody>],
    shape: Shape,
    passes: std::ops::Range<usize>,
) -> Result<()> {
    let url = format!("http://{addr}/v1/metrics");
    std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .iter_mut()
            .map(|bodies| {
                let (url, passes) = (&url, passes.clone());
                scope.spawn(move || -> Result<()> {
                    let agent = agent();
                    for pass in passes {
                        for body in bodies.iter_mut() {
                            body.set_pass(shape, pass);
                            let mut resp = agent
                                .post(url)
                                .header("Content-Type", "application/x-protobuf")
                                .send(&body.bytes[..])?;
                            let status = resp.status().as_u16();
                            let answer = resp.body_mut().read_to_vec()?;
                            check_otlp(status, &answer)?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().map_err(|_| anyhow::anyhow!("client panicked"))?)
    })
}

/// A 200 with no rejected points, or an error saying what came back.
fn check_otlp(status: u16, body: &[u8]) -> Result<()> {
    let partial = ExportMetricsServiceResponse::decode(body)
        .ok()
        .and_then(|r| r.partial_success);
    match (status, partial) {
        (200, None) => Ok(()),
        (status, p) => bail!(
            "OTLP answered {status}, partial success {p:?}: {}",
            String::from_utf8_lossy(body)
        ),
    }
}

/// The same over OTLP/gRPC: one HTTP/2 connection per client. The pre-encoded bytes go out
/// as they are (a pass-through codec), so the client spends no time re-encoding messages.
pub(crate) fn otlp_grpc(
    addr: &str,
    clients: &mut [Vec<OtlpBody>],
    shape: Shape,
    passes: std::ops::Range<usize>,
) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut tasks = Vec::new();
        for bodies in clients.iter_mut() {
            let mut bodies = std::mem::take(bodies);
            let (url, passes) = (format!("http://{addr}"), passes.clone());
            tasks.push(tokio::spawn(async move {
                let channel = tonic::transport::Channel::from_shared(url)?
                    .connect()
                    .await?;
                let mut grpc =
                    tonic::client::Grpc::new(channel).max_encoding_message_size(usize::MAX);
                let path = http::uri::PathAndQuery::from_static(
                    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
                );
                for pass in passes {
                    for body in bodies.iter_mut() {
                        body.set_pass(shape, pass);
                        grpc.ready().await?;
                        let req = tonic::Request::new(Bytes::copy_from_slice(&body.bytes));
                        let resp = grpc.unary(req, path.clone(), Raw).await?;
                        check_otlp(200, &resp.into_inner())?;
                    }
                }
                anyhow::Ok(bodies)
            }));
        }
        for (slot, task) in clients.iter_mut().zip(tasks) {
            *slot = task.await??;
        }
        anyhow::Ok(())
    })
}

/// Remote write 1.0 (snappy protobuf) to `url`: client `c` sends the requests `r` with
/// `r % clients == c` of every pass in `passes`.
pub(crate) fn remote_write(
    url: &str,
    bodies: &[Vec<Vec<u8>>],
    clients: usize,
    passes: std::ops::Range<usize>,
) -> Result<()> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let passes = passes.clone();
                scope.spawn(move || -> Result<()> {
                    let agent = agent();
                    for pass in passes {
                        for body in bodies[pass].iter().skip(c).step_by(clients) {
                            let mut resp = agent
                                .post(url)
                                .header("Content-Type", "application/x-protobuf")
                                .header("Content-Encoding", "snappy")
                                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                                .send(&body[..])?;
                            let status = resp.status().as_u16();
                            if status != 204 && status != 200 {
                                let text = resp.body_mut().read_to_string().unwrap_or_default();
                                bail!("remote write answered {status}: {text}");
                            }
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().map_err(|_| anyhow::anyhow!("client panicked"))?)
    })
}

/// A gRPC codec that sends bytes as they are and returns the answer's bytes.
#[derive(Debug, Clone, Copy)]
struct Raw;

impl Codec for Raw {
    type Encode = Bytes;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Bytes;
    type Error = tonic::Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}
