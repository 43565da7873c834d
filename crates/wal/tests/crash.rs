//! Process-crash test: a child process appends numbered records with `SyncPolicy::EveryBatch`
//! and prints each sequence number once `append` has returned; the parent SIGKILLs it at a
//! random moment, reopens the log and checks that every acknowledged record is replayed intact
//! and that replay is a gap-free prefix. Several rounds run on the same directory, so each child
//! also recovers from the previous kill.
//!
//! The child is this test binary re-executed with `CHILD_DIR_ENV` set, running only
//! `crash_child`, which does nothing in a normal test run.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use otelstore_wal::{Options, SyncPolicy, Wal};
use rand::{Rng, SeedableRng};

const CHILD_DIR_ENV: &str = "OTELSTORE_WAL_CRASH_CHILD_DIR";
/// The child stops by itself after this long, should the parent fail to kill it.
const CHILD_LIFETIME: Duration = Duration::from_secs(60);

fn options() -> Options {
    Options::default()
        .segment_size(64 << 10)
        .sync(SyncPolicy::EveryBatch)
}

fn record(seq: u64) -> Vec<u8> {
    let mut r = seq.to_le_bytes().to_vec();
    r.resize(8 + (seq as usize * 7919) % 700, (seq % 251) as u8);
    r
}

/// Checks a replayed record and returns its sequence number.
fn check(r: &[u8]) -> u64 {
    let seq = u64::from_le_bytes(r[..8].try_into().expect("8 bytes"));
    assert_eq!(r, record(seq), "record {seq} replayed with wrong contents");
    seq
}

/// Replays the log, asserting records are 0, 1, 2, ... and intact; returns how many there are.
fn replay(dir: &Path) -> u64 {
    let mut next = 0;
    let (wal, _) = Wal::open(dir, options(), |r| {
        assert_eq!(check(r), next, "replay has a gap or is out of order");
        next += 1;
    })
    .expect("open");
    wal.close().expect("close");
    next
}

/// The child role: append forever, acknowledging on stdout.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR_ENV) else {
        return;
    };
    let mut next = 0;
    let (wal, _) = Wal::open(Path::new(&dir), options(), |r| next = check(r) + 1).expect("open");
    let mut rng = rand::rngs::SmallRng::seed_from_u64(next);
    let mut out = std::io::stdout().lock();
    let started = Instant::now();
    while started.elapsed() < CHILD_LIFETIME {
        let batch: Vec<Vec<u8>> = (0..rng.gen_range(1..8)).map(|i| record(next + i)).collect();
        let refs: Vec<&[u8]> = batch.iter().map(Vec::as_slice).collect();
        wal.append(&refs).expect("append");
        next += batch.len() as u64;
        writeln!(out, "ack {}", next - 1).expect("stdout");
        out.flush().expect("flush");
    }
}

/// Kills the child if the parent bails out early.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn acknowledged_records_survive_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary path");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);

    for round in 0..5 {
        let before = replay(dir.path());
        let mut child = KillOnDrop(
            Command::new(&exe)
                .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD_DIR_ENV, dir.path())
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn child"),
        );
        let stdout = child.0.stdout.take().expect("piped stdout");
        // Highest acknowledged sequence number + 1; 0 until the first ack.
        let acked = Arc::new(AtomicU64::new(0));
        let reader = {
            let acked = Arc::clone(&acked);
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let line = line.expect("read child stdout");
                    if let Some(seq) = line.strip_prefix("ack ") {
                        let seq: u64 = seq.parse().expect("ack number");
                        acked.store(seq + 1, Ordering::Release);
                    }
                }
            })
        };

        let deadline = Instant::now() + Duration::from_secs(30);
        while acked.load(Ordering::Acquire) == 0 {
            assert!(
                Instant::now() < deadline,
                "child never acknowledged an append"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let delay = Duration::from_millis(rng.gen_range(5..300));
        std::thread::sleep(delay);
        drop(child); // SIGKILL, then reap
        reader.join().expect("reader thread");

        let acked = acked.load(Ordering::Acquire);
        let replayed = replay(dir.path());
        assert!(acked > before, "round {round}: child made no progress");
        assert!(
            replayed >= acked,
            "round {round} (seed {seed}, kill after {delay:?}): {acked} records acknowledged, \
             only {replayed} replayed"
        );
    }
}
