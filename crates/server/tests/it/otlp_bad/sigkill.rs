//! SIGKILL while a client keeps POSTing OTLP metrics over HTTP: after a restart on the same
//! data directory every sample answered with 200 is queryable (the OTLP counterpart of
//! `restart.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use super::requests::{gauge, partial, point};
use super::{Fixture, PROTOBUF, encode};
use crate::support::TestServer;

#[test]
fn sigkill_under_otlp_ingest_keeps_every_acknowledged_sample() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let s = Arc::new(TestServer::start_in(&data, &[]));
    let t0 = crate::support_now() - 600_000;
    let acked = Arc::new(AtomicI64::new(-1));
    let writer = {
        let (s, acked) = (Arc::clone(&s), Arc::clone(&acked));
        std::thread::spawn(move || {
            for batch in 0i64.. {
                let points = (0..10)
                    .map(|i| point(t0 + (batch * 10 + i) * 10, 1.0))
                    .collect();
                let body = encode(vec![gauge("otlp_ingest", points)]);
                let headers = [("Content-Type", PROTOBUF)];
                match s.try_post_to(&s.otlp_http, "/v1/metrics", &headers, &body) {
                    Some((200, resp)) if partial(&resp, "protobuf").is_none() => {
                        acked.store(batch, Ordering::Release);
                    }
                    _ => break,
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(1500));
    s.kill();
    writer.join().ok();
    drop(s);
    let last = acked.load(Ordering::Acquire);
    assert!(last > 10, "only {last} batches were acknowledged");
    let f = Fixture {
        s: TestServer::start_in(&data, &[]),
        t0,
    };
    let (stored, _) = f.stored("otlp_ingest");
    let want = (last as usize + 1) * 10;
    assert!(
        stored >= want,
        "{stored} samples after restart, {want} acknowledged"
    );
}
