//! The server under test: the `otelstore` binary cargo built for this bench, on ephemeral
//! ports, killed on drop.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Server {
    child: Option<Child>,
    pub(crate) http: String,
    pub(crate) otlp_http: String,
    pub(crate) otlp_grpc: String,
}

impl Server {
    /// Starts on `data` (which may hold data from an earlier run).
    pub(crate) fn start(data: &Path) -> Server {
        let addr_file = data.with_extension("addr.json");
        std::fs::remove_file(&addr_file).ok();
        let child = Command::new(env!("CARGO_BIN_EXE_otelstore"))
            .arg("--data-dir")
            .arg(data)
            .args(["--http-listen", "127.0.0.1:0"])
            .args(["--otlp-grpc-listen", "127.0.0.1:0"])
            .args(["--otlp-http-listen", "127.0.0.1:0"])
            .arg("--addr-file")
            .arg(&addr_file)
            .env("OTELSTORE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start otelstore");
        let t = Instant::now();
        let v: serde_json::Value = loop {
            if let Ok(text) = std::fs::read_to_string(&addr_file) {
                break serde_json::from_str(&text).expect("addr file");
            }
            assert!(
                t.elapsed() < Duration::from_secs(120),
                "otelstore did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let addr = |k: &str| v[k].as_str().expect(k).to_owned();
        Server {
            child: Some(child),
            http: addr("http"),
            otlp_http: addr("otlp_http"),
            otlp_grpc: addr("otlp_grpc"),
        }
    }

    /// SIGTERM, and waits for a clean exit.
    pub(crate) fn stop(mut self) {
        if let Some(mut child) = self.child.take() {
            Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .expect("kill -TERM");
            let status = child.wait().expect("wait");
            assert!(status.success(), "otelstore exited with {status}");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

/// Bytes of the files in `dir` (with extension `ext`, if given).
pub(crate) fn dir_bytes(dir: &Path, ext: Option<&str>) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| ext.is_none_or(|x| e.path().extension().is_some_and(|y| y == x)))
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}
