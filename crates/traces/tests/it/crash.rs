//! Crash safety: a child process appending spans is killed with SIGKILL; every span it saw
//! acknowledged must be readable when the store is reopened.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use model::trace::TraceId;
use otelstore_traces::{Store, SyncPolicy, WalOptions};

use crate::support::{append, test_options};
use crate::workload::Workload;

const CHILD_ENV: &str = "OTELSTORE_TRACES_CRASH_CHILD";
const T0: u64 = 1_700_000_000_000_000_000;

fn options(sync: &str) -> otelstore_traces::Options {
    let policy = match sync {
        "batch" => SyncPolicy::EveryBatch,
        _ => SyncPolicy::Interval(Duration::from_millis(200)),
    };
    // A small WAL and head so the child also flushes and checkpoints while it is killed.
    test_options()
        .head_max_bytes(2 << 20)
        .wal(WalOptions::default().segment_size(1 << 20).sync(policy))
}

/// The child role: append batches forever, printing each acknowledged batch number.
#[test]
fn crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (dir, sync) = spec.split_once('|').expect("dir|sync");
    let store = Store::open(dir, options(sync)).expect("child open");
    let mut w = Workload::new(42, T0);
    let mut out = std::io::stdout().lock();
    for batch in 0u64.. {
        let spans: Vec<_> = (0..20).flat_map(|_| w.next_trace()).collect();
        let res = append(&store, &w.batch(spans));
        assert_eq!(res.rejected, 0);
        writeln!(out, "{batch}").expect("stdout");
        out.flush().expect("flush");
        if batch % 25 == 0 {
            store.maintain().expect("maintain");
        }
        if batch % 60 == 59 {
            store.flush().expect("flush");
        }
    }
}

fn crash_once(sync: &str, kill_after: Duration) {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = format!("{}|{sync}", dir.path().display());
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "crash::crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut acked = -1i64;
        for line in BufReader::new(stdout).lines() {
            if let Some(n) = line.ok().and_then(|l| l.trim().parse::<i64>().ok()) {
                acked = n;
            }
        }
        acked
    });
    let start = Instant::now();
    while start.elapsed() < kill_after {
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let acked = reader.join().expect("reader");
    assert!(
        acked >= 0,
        "the child acknowledged nothing in {kill_after:?}"
    );

    let store = Store::open(dir.path(), options(sync)).expect("reopen after kill");
    // Regenerate what the child appended, batch by batch.
    let mut w = Workload::new(42, T0);
    let mut missing = Vec::new();
    for _ in 0..=acked {
        for _ in 0..20 {
            let t = w.next_trace();
            let id: TraceId = t[0].1.trace_id;
            let got = store.trace(&id, None).expect("read");
            let n = got.map_or(0, |g| g.batch.span_count());
            if n < t.len() {
                missing.push((id, n, t.len()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{sync}: acknowledged spans lost: {:?}",
        &missing[..missing.len().min(5)]
    );
}

#[test]
fn sigkill_loses_no_acknowledged_span() {
    for (i, ms) in [300u64, 900, 1800].into_iter().enumerate() {
        let sync = if i % 2 == 0 { "interval" } else { "batch" };
        crash_once(sync, Duration::from_millis(ms));
    }
}
