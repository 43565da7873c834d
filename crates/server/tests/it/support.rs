//! `TestServer`: starts the real binary on port 0, waits until it is ready, kills it on drop.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use prost::Message;
use server::remote_write::{RwExemplar, RwLabel, RwSample, TimeSeries, WriteRequest};

/// A running otelstore.
pub(crate) struct TestServer {
    child: Option<Child>,
    /// `host:port` of the HTTP API.
    pub(crate) http: String,
    /// `host:port` of OTLP/gRPC.
    pub(crate) otlp_grpc: String,
    /// `host:port` of OTLP/HTTP.
    pub(crate) otlp_http: String,
    /// `host:port` of the Jaeger listener, when started with `--jaeger-listen`.
    pub(crate) jaeger: Option<String>,
    /// `host:port` of the Tempo listener, when started with `--tempo-listen`.
    pub(crate) tempo: Option<String>,
    /// The data directory.
    pub(crate) data: PathBuf,
    _dir: Option<tempfile::TempDir>,
    agent: ureq::Agent,
}

impl TestServer {
    /// Starts on a fresh data directory.
    pub(crate) fn start(args: &[&str]) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let mut s = Self::start_in(&data, args);
        s._dir = Some(dir);
        s
    }

    /// Starts on `data` (which may hold data from an earlier run).
    pub(crate) fn start_in(data: &Path, args: &[&str]) -> TestServer {
        let addr_file = data.with_extension(format!("addr-{}", std::process::id()));
        std::fs::remove_file(&addr_file).ok();
        let child = Command::new(env!("CARGO_BIN_EXE_otelstore"))
            .arg("--data-dir")
            .arg(data)
            .args([
                "--http-listen",
                "127.0.0.1:0",
                "--otlp-grpc-listen",
                "127.0.0.1:0",
                "--otlp-http-listen",
                "127.0.0.1:0",
            ])
            .arg("--addr-file")
            .arg(&addr_file)
            .args(args)
            .env("OTELSTORE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start otelstore");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut s = TestServer {
            child: Some(child),
            http: String::new(),
            otlp_grpc: String::new(),
            otlp_http: String::new(),
            jaeger: None,
            tempo: None,
            data: data.to_path_buf(),
            _dir: None,
            agent,
        };
        let start = Instant::now();
        loop {
            if let Ok(text) = std::fs::read_to_string(&addr_file) {
                let v: serde_json::Value = serde_json::from_str(&text).expect("addr file JSON");
                s.http = v["http"].as_str().expect("http address").to_string();
                s.otlp_grpc = v["otlp_grpc"].as_str().expect("otlp_grpc").to_string();
                s.otlp_http = v["otlp_http"].as_str().expect("otlp_http").to_string();
                s.jaeger = v["jaeger"].as_str().map(str::to_string);
                s.tempo = v["tempo"].as_str().map(str::to_string);
                break;
            }
            if let Some(status) = s.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("otelstore exited before listening: {status}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "otelstore did not start in 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        while s.get("/-/ready").0 != 200 {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "otelstore not ready in 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    /// `http://host:port` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.http, path)
    }

    /// GET; returns status and body.
    pub(crate) fn get(&self, path: &str) -> (u16, String) {
        let resp = self.agent.get(&self.url(path)).call();
        read(resp)
    }

    /// POST a form; returns status and body.
    pub(crate) fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let resp = self
            .agent
            .post(&self.url(path))
            .send_form(form.iter().copied());
        read(resp)
    }

    /// POST raw bytes with headers; returns status, body and response headers.
    pub(crate) fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String, Vec<(String, String)>) {
        let mut req = self.agent.post(&self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = req.send(body).expect("request");
        let hs = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        let mut text = String::new();
        resp.body_mut()
            .as_reader()
            .read_to_string(&mut text)
            .expect("body");
        (resp.status().as_u16(), text, hs)
    }

    /// GET `http://{addr}{path}` with headers; returns status, body bytes and Content-Type.
    pub(crate) fn get_from(
        &self,
        addr: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Vec<u8>, String) {
        let mut req = self.agent.get(&format!("http://{addr}{path}"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = req.call().expect("HTTP request");
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let mut body = Vec::new();
        resp.body_mut()
            .as_reader()
            .read_to_end(&mut body)
            .expect("body");
        (resp.status().as_u16(), body, ct)
    }

    /// POST raw bytes to `http://{addr}{path}`; status and body, or `None` if the connection
    /// failed.
    pub(crate) fn try_post_to(
        &self,
        addr: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Option<(u16, Vec<u8>)> {
        let mut req = self.agent.post(&format!("http://{addr}{path}"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = req.send(body).ok()?;
        let mut out = Vec::new();
        resp.body_mut().as_reader().read_to_end(&mut out).ok()?;
        Some((resp.status().as_u16(), out))
    }

    /// POST raw bytes to `http://{addr}{path}`; returns status, body bytes and response
    /// headers (names lowercase).
    pub(crate) fn post_to(
        &self,
        addr: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Vec<u8>, Vec<(String, String)>) {
        let mut req = self.agent.post(&format!("http://{addr}{path}"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = req.send(body).expect("HTTP request");
        let hs = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        let mut out = Vec::new();
        resp.body_mut()
            .as_reader()
            .read_to_end(&mut out)
            .expect("body");
        (resp.status().as_u16(), out, hs)
    }

    /// Announces a POST body of `len` bytes without sending it and returns the status the
    /// server answers with (an oversized body must be refused before it is read).
    pub(crate) fn status_of_announced_body(&self, path: &str, len: usize) -> u16 {
        use std::io::Write;
        let mut conn = std::net::TcpStream::connect(&self.http).expect("connect");
        write!(conn, "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\nContent-Encoding: snappy\r\n\r\n")
            .expect("send headers");
        let mut head = [0u8; 12];
        conn.read_exact(&mut head).expect("status line");
        String::from_utf8_lossy(&head[9..12])
            .parse()
            .expect("status code")
    }

    /// Sends a remote-write request; returns the status and body.
    pub(crate) fn remote_write(&self, req: &WriteRequest) -> (u16, String) {
        let body = snap::raw::Encoder::new()
            .compress_vec(&req.encode_to_vec())
            .expect("snappy");
        let (status, text, _) = self.post(
            "/api/v1/write",
            &[
                ("Content-Type", "application/x-protobuf"),
                ("Content-Encoding", "snappy"),
            ],
            &body,
        );
        (status, text)
    }

    /// Sends a remote-write request; the status, or `None` if the connection failed.
    pub(crate) fn try_remote_write(&self, req: &WriteRequest) -> Option<u16> {
        let body = snap::raw::Encoder::new()
            .compress_vec(&req.encode_to_vec())
            .expect("snappy");
        let resp = self
            .agent
            .post(&self.url("/api/v1/write"))
            .header("Content-Type", "application/x-protobuf")
            .header("Content-Encoding", "snappy")
            .send(&body[..]);
        resp.ok().map(|r| r.status().as_u16())
    }

    /// SIGTERM and wait for a clean exit.
    pub(crate) fn stop(mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id().to_string();
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .expect("kill -TERM");
            let status = child.wait().expect("wait");
            assert!(status.success(), "otelstore exited with {status}");
        }
    }

    /// SIGKILL, while other threads may still be talking to the server.
    pub(crate) fn kill(&self) {
        if let Some(child) = &self.child {
            let pid = child.id().to_string();
            Command::new("kill")
                .args(["-KILL", &pid])
                .status()
                .expect("kill -KILL");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

fn read(resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, String) {
    let mut resp = resp.expect("HTTP request");
    let mut text = String::new();
    resp.body_mut()
        .as_reader()
        .read_to_string(&mut text)
        .expect("body");
    (resp.status().as_u16(), text)
}

/// A remote-write series.
pub(crate) fn series(labels: &[(&str, &str)], samples: &[(i64, f64)]) -> TimeSeries {
    TimeSeries {
        labels: labels
            .iter()
            .map(|(n, v)| RwLabel {
                name: n.to_string(),
                value: v.to_string(),
            })
            .collect(),
        samples: samples
            .iter()
            .map(|&(timestamp, value)| RwSample { value, timestamp })
            .collect(),
        exemplars: Vec::new(),
        histograms: Vec::new(),
    }
}

/// An exemplar with trace and span ids.
pub(crate) fn exemplar(trace: &str, span: &str, value: f64, timestamp: i64) -> RwExemplar {
    RwExemplar {
        labels: vec![
            RwLabel {
                name: "span_id".into(),
                value: span.into(),
            },
            RwLabel {
                name: "trace_id".into(),
                value: trace.into(),
            },
        ],
        value,
        timestamp,
    }
}

/// Parses a JSON response body.
pub(crate) fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Runs `tests/python/workload.py` (the real OpenTelemetry SDK) with `args` and parses the
/// JSON summary it prints. Fails, never skips, when `OTELSTORE_PYTHON` is unset.
pub(crate) fn run_workload<T: serde::de::DeserializeOwned>(
    args: &[impl AsRef<std::ffi::OsStr> + std::fmt::Debug],
) -> T {
    let python = std::env::var_os("OTELSTORE_PYTHON").unwrap_or_else(|| {
        panic!(
            "OTELSTORE_PYTHON is not set: run scripts/setup (it builds .venv with the pinned \
             OpenTelemetry SDK), then export OTELSTORE_PYTHON=$PWD/.venv/bin/python, or run \
             scripts/test, which does both"
        )
    });
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/python/workload.py"
    );
    let out = Command::new(&python)
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python:?} {script}: {e}; run scripts/setup"));
    assert!(
        out.status.success(),
        "workload.py {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "workload.py printed no summary ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Compares a JSON response with the golden file `testdata/<dir>/<name>.json`; with
/// `UPDATE_GOLDEN=1` rewrites the file instead (review the diff afterwards).
pub(crate) fn assert_golden(dir: &str, name: &str, got: &serde_json::Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir)
        .join(format!("{name}.json"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let text = serde_json::to_string_pretty(got).expect("json") + "\n";
        std::fs::write(&path, text).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(
        *got,
        json(&want),
        "{name}: response differs from {}",
        path.display()
    );
}
