//! Restarts: a clean SIGTERM stop and a SIGKILL under ingest both keep every acknowledged
//! sample.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use server::remote_write::WriteRequest;

use crate::support::{TestServer, json, series};

const T: i64 = 1_700_000_000_000;

fn count(s: &TestServer, metric: &str, end_ms: i64) -> i64 {
    let (status, body) = s.post_form(
        "/api/v1/query",
        &[
            ("query", &format!("count_over_time({metric}[1d])")),
            ("time", &(end_ms / 1000 + 1).to_string()),
        ],
    );
    assert_eq!(status, 200, "{body}");
    json(&body)["data"]["result"][0]["value"][1]
        .as_str()
        .map_or(0, |v| v.parse().expect("count"))
}

#[test]
fn sigterm_stops_cleanly_and_data_survives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let s = TestServer::start_in(&data, &[]);
    let samples: Vec<(i64, f64)> = (0..100).map(|k| (T + k * 1000, k as f64)).collect();
    let req = WriteRequest {
        timeseries: vec![series(&[("__name__", "kept")], &samples)],
        metadata: vec![],
    };
    assert_eq!(s.remote_write(&req).0, 204);
    s.stop();
    let s = TestServer::start_in(&data, &[]);
    assert_eq!(count(&s, "kept", T + 100_000), 100);
}

#[test]
fn sigkill_under_ingest_keeps_every_acknowledged_sample() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let s = Arc::new(TestServer::start_in(&data, &[]));
    let acked = Arc::new(AtomicI64::new(-1));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (s, acked, stop) = (Arc::clone(&s), Arc::clone(&acked), Arc::clone(&stop));
        std::thread::spawn(move || {
            for batch in 0i64.. {
                if stop.load(Ordering::Acquire) {
                    break;
                }
                let samples: Vec<(i64, f64)> =
                    (0..10).map(|i| (T + (batch * 10 + i) * 100, 1.0)).collect();
                let req = WriteRequest {
                    timeseries: vec![series(&[("__name__", "ingest")], &samples)],
                    metadata: vec![],
                };
                match s.try_remote_write(&req) {
                    Some(204) => acked.store(batch, Ordering::Release),
                    _ => break,
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(1500));
    s.kill();
    stop.store(true, Ordering::Release);
    writer.join().ok();
    drop(s);
    let last = acked.load(Ordering::Acquire);
    assert!(last > 10, "only {last} batches were acknowledged");
    let s = TestServer::start_in(&data, &[]);
    let stored = count(&s, "ingest", T + (last + 1) * 1000);
    assert!(
        stored >= (last + 1) * 10,
        "{stored} samples after restart, {} acknowledged",
        (last + 1) * 10
    );
}
