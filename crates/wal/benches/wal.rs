//! WAL benchmarks: append throughput of 64 KiB batches under each sync policy (one appender,
//! and four sharing fsyncs through group commit), the latency of one small durable append
//! (about one fdatasync), and replay speed.
//!
//! Files go to a temporary directory under `$TMPDIR` (set it to put them on the disk you care
//! about). Every 128 MiB written, the bench checkpoints away the sealed segments outside the
//! timed region, so long runs do not fill the disk.
//!
//! Run: `cargo bench -p otelstore-wal --bench wal` (add `-- --quick` for a smaller run).
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use otelstore_wal::{Options, SyncPolicy, Wal};

const BATCH_BYTES: usize = 64 << 10;
/// Payload written between two clean-ups of sealed segments.
const CLEANUP_EVERY: u64 = 128 << 20;

/// A 64 KiB batch of `record_len`-byte records with non-constant contents.
fn batch(record_len: usize) -> Vec<Vec<u8>> {
    (0..BATCH_BYTES / record_len)
        .map(|i| (0..record_len).map(|j| (i * 31 + j * 7) as u8).collect())
        .collect()
}

fn open(dir: &std::path::Path, sync: SyncPolicy) -> Wal {
    Wal::open(dir, Options::default().sync(sync), |_| {})
        .expect("open")
        .0
}

/// Deletes sealed segments by checkpointing them to nothing.
fn cleanup(wal: &Wal) {
    let active = wal.cut_segment().expect("cut");
    wal.checkpoint(active - 1, []).expect("checkpoint");
}

fn policies() -> [(&'static str, SyncPolicy); 2] {
    [
        ("every_batch", SyncPolicy::EveryBatch),
        (
            "interval_100ms",
            SyncPolicy::Interval(Duration::from_millis(100)),
        ),
    ]
}

fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("append_64KiB_batch");
    group.throughput(Throughput::Bytes(BATCH_BYTES as u64));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    for (name, sync) in policies() {
        for record_len in [1024, 128] {
            let records = batch(record_len);
            let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
            let dir = tempfile::tempdir().expect("tempdir");
            let wal = open(dir.path(), sync);
            let mut since_cleanup = 0;
            group.bench_function(format!("{name}/{record_len}B_records"), |b| {
                b.iter_custom(|iters| {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..iters {
                        let start = Instant::now();
                        wal.append(black_box(&refs)).expect("append");
                        elapsed += start.elapsed();
                        since_cleanup += BATCH_BYTES as u64;
                        if since_cleanup >= CLEANUP_EVERY {
                            cleanup(&wal);
                            since_cleanup = 0;
                        }
                    }
                    elapsed
                });
            });
            wal.close().expect("close");
        }
    }
    group.finish();
}

/// Four threads appending at once: with `EveryBatch` they share fsyncs.
fn append_concurrent(c: &mut Criterion) {
    const THREADS: u64 = 4;
    let mut group = c.benchmark_group("append_64KiB_batch_4_threads");
    group.throughput(Throughput::Bytes(BATCH_BYTES as u64 * THREADS));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    let records = Arc::new(batch(1024));
    for (name, sync) in policies() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wal = Arc::new(open(dir.path(), sync));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                let threads: Vec<_> = (0..THREADS)
                    .map(|_| {
                        let (wal, records) = (Arc::clone(&wal), Arc::clone(&records));
                        std::thread::spawn(move || {
                            let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
                            for _ in 0..iters {
                                wal.append(&refs).expect("append");
                            }
                        })
                    })
                    .collect();
                for t in threads {
                    t.join().expect("appender");
                }
                let elapsed = start.elapsed();
                cleanup(&wal);
                elapsed
            });
        });
        Arc::into_inner(wal)
            .expect("sole owner")
            .close()
            .expect("close");
    }
    group.finish();
}

/// One 100-byte record per durable append: the cost is essentially one fdatasync.
fn durable_small_append(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let wal = open(dir.path(), SyncPolicy::EveryBatch);
    let record = [42u8; 100];
    c.bench_function("append_100B_every_batch_latency", |b| {
        b.iter(|| wal.append(&[black_box(&record)]).expect("append"));
    });
    wal.close().expect("close");
}

/// Open + replay + close of a 64 MiB log of 1 KiB records (page cache warm after the first run).
fn replay(c: &mut Criterion) {
    const LOG_BYTES: usize = 64 << 20;
    let dir = tempfile::tempdir().expect("tempdir");
    let wal = open(dir.path(), SyncPolicy::Interval(Duration::from_secs(1)));
    let records = batch(1024);
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    for _ in 0..LOG_BYTES / BATCH_BYTES {
        wal.append(&refs).expect("append");
    }
    wal.close().expect("close");

    let mut group = c.benchmark_group("replay");
    group.throughput(Throughput::Bytes(LOG_BYTES as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("64MiB_of_1KiB_records", |b| {
        b.iter(|| {
            let mut n = 0u64;
            let (wal, stats) =
                Wal::open(dir.path(), Options::default(), |r| n += r.len() as u64).expect("open");
            assert_eq!(stats.bytes, LOG_BYTES as u64);
            wal.close().expect("close");
            n
        });
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    append(&mut c);
    append_concurrent(&mut c);
    durable_small_append(&mut c);
    replay(&mut c);
    c.final_summary();
}
