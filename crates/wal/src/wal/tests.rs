//! Behaviour of an intact log: append, rollover, replay, checkpoints, group commit.
//! Damaged logs are covered by `tests/recovery.rs`, process crashes by `tests/crash.rs`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::*;

/// Tiny segments, and no fsync per append: these tests are about layout, not durability.
fn small() -> Options {
    Options::default()
        .segment_size(Options::MIN_SEGMENT_SIZE)
        .sync(SyncPolicy::Interval(Duration::from_secs(3600)))
}

fn open_collect(dir: &Path, options: Options) -> (Wal, ReplayStats, Vec<Vec<u8>>) {
    let mut records = Vec::new();
    let (wal, stats) = Wal::open(dir, options, |r| records.push(r.to_vec())).expect("open");
    (wal, stats, records)
}

fn record(i: u32) -> Vec<u8> {
    // Varying lengths, including empty records.
    let len = (i as usize * 37) % 300;
    let mut r = i.to_le_bytes().to_vec();
    r.resize(4 + len, (i % 251) as u8);
    if i.is_multiple_of(50) {
        r.clear();
    }
    r
}

#[test]
fn append_then_reopen_replays_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, stats, replayed) = open_collect(dir.path(), Options::default());
    assert_eq!(stats, ReplayStats::default());
    assert!(replayed.is_empty());
    let records: Vec<Vec<u8>> = (0..100).map(record).collect();
    for batch in records.chunks(7) {
        let refs: Vec<&[u8]> = batch.iter().map(Vec::as_slice).collect();
        wal.append(&refs).expect("append");
    }
    wal.append(&[]).expect("an empty batch is a no-op");
    wal.close().expect("close");

    let (wal, stats, replayed) = open_collect(dir.path(), Options::default());
    assert_eq!(replayed, records);
    assert_eq!(stats.records, 100);
    assert_eq!(
        stats.bytes,
        records.iter().map(|r| r.len() as u64).sum::<u64>()
    );
    assert_eq!(
        (
            stats.segments,
            stats.truncated_bytes,
            stats.dropped_segments
        ),
        (1, 0, 0)
    );
    // Each open starts a fresh segment after the replayed ones.
    assert_eq!(wal.segment_range(), (0, 1));
    wal.close().expect("close");
}

#[test]
fn replay_across_many_segments_and_rollover() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open_collect(dir.path(), small());
    let records: Vec<Vec<u8>> = (0..2000).map(record).collect();
    for batch in records.chunks(3) {
        let refs: Vec<&[u8]> = batch.iter().map(Vec::as_slice).collect();
        wal.append(&refs).expect("append");
    }
    let (first, last) = wal.segment_range();
    assert_eq!(first, 0);
    assert!(
        last > 100,
        "1 KiB segments should have rolled many times, got {last}"
    );
    let on_disk = std::fs::read_dir(dir.path()).expect("ls").count() as u64;
    assert_eq!(on_disk, last + 2, "segments 0..={last} plus the lock file");
    wal.close().expect("close");

    let (wal, stats, replayed) = open_collect(dir.path(), small());
    assert_eq!(replayed, records);
    assert_eq!(stats.segments as u64, last + 1);
    assert_eq!(wal.segment_range(), (0, last + 1));
    wal.close().expect("close");
}

#[test]
fn a_batch_larger_than_a_segment_is_written_whole_into_one_segment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open_collect(dir.path(), small());
    wal.append(&[b"small"]).expect("append");
    let big = vec![7u8; 3000];
    wal.append(&[&big, &big])
        .expect("a batch may exceed the segment size");
    assert_eq!(
        wal.segment_range(),
        (0, 1),
        "rolled once, before the big batch"
    );
    let mut seen = Vec::new();
    wal.read_segments(1, 1, |r| seen.push(r.len()))
        .expect("read");
    assert_eq!(seen, [3000, 3000]);
    wal.close().expect("close");
}

#[test]
fn oversized_records_are_rejected_without_writing_anything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open_collect(dir.path(), Options::default());
    let huge = vec![0u8; MAX_RECORD_LEN + 1];
    let err = wal.append(&[b"ok", &huge]).expect_err("too large");
    assert!(
        matches!(
            err,
            Error::RecordTooLarge {
                max: MAX_RECORD_LEN,
                ..
            }
        ),
        "{err}"
    );
    wal.close().expect("close");
    let (wal, stats, _) = open_collect(dir.path(), Options::default());
    assert_eq!(stats.records, 0);
    wal.close().expect("close");
}

#[test]
fn checkpoint_then_replay_returns_checkpoint_and_later_records_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open_collect(dir.path(), small());
    for i in 0..300 {
        wal.append(&[&record(i)]).expect("append");
    }
    let sealed = wal.cut_segment().expect("cut") - 1;
    let mut older = Vec::new();
    wal.read_segments(0, sealed, |r| older.push(r.to_vec()))
        .expect("read");
    assert_eq!(older.len(), 300);
    let before = wal.disk_bytes();

    // The engine keeps only what still matters: here, every tenth record.
    let kept: Vec<Vec<u8>> = older.iter().step_by(10).cloned().collect();
    wal.checkpoint(sealed, kept.iter().map(Vec::as_slice))
        .expect("checkpoint");
    assert_eq!(wal.segment_range(), (sealed + 1, sealed + 1));
    assert!(
        wal.disk_bytes() < before,
        "segments freed: {} >= {before}",
        wal.disk_bytes()
    );
    for i in 300..310 {
        wal.append(&[&record(i)]).expect("append");
    }
    wal.close().expect("close");

    let (wal, stats, replayed) = open_collect(dir.path(), small());
    let mut expected = kept.clone();
    expected.extend((300..310).map(record));
    assert_eq!(replayed, expected);
    assert_eq!(stats.checkpoint, Some(sealed));
    assert_eq!(stats.records, expected.len() as u64);

    let mut carried = Vec::new();
    wal.read_checkpoint(|r| carried.push(r.to_vec()))
        .expect("read checkpoint");
    assert_eq!(carried, kept);

    // A second checkpoint replaces the first.
    let sealed2 = wal.cut_segment().expect("cut") - 1;
    wal.checkpoint(sealed2, [b"only".as_slice()])
        .expect("checkpoint");
    wal.close().expect("close");
    let (wal, stats, replayed) = open_collect(dir.path(), small());
    assert_eq!(replayed, [b"only".to_vec()]);
    assert_eq!(stats.checkpoint, Some(sealed2));
    let checkpoints = std::fs::read_dir(dir.path())
        .expect("ls")
        .filter(|e| {
            e.as_ref()
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .starts_with("checkpoint")
        })
        .count();
    assert_eq!(checkpoints, 1);
    wal.close().expect("close");
}

#[test]
fn checkpoint_rejects_the_active_segment_and_already_covered_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open_collect(dir.path(), Options::default());
    wal.read_checkpoint(|_| panic!("no checkpoint yet"))
        .expect("read checkpoint");
    let err = wal.checkpoint(0, []).expect_err("segment 0 is active");
    assert!(
        matches!(
            err,
            Error::InvalidCheckpoint {
                through: 0,
                active: 0,
                ..
            }
        ),
        "{err}"
    );
    wal.cut_segment().expect("cut");
    wal.cut_segment().expect("cut");
    wal.checkpoint(1, []).expect("checkpoint");
    let err = wal.checkpoint(1, []).expect_err("already covered");
    assert!(
        matches!(
            err,
            Error::InvalidCheckpoint {
                first: 2,
                active: 2,
                ..
            }
        ),
        "{err}"
    );
    let err = wal
        .read_segments(0, 2, |_| {})
        .expect_err("segment 0 is gone");
    assert!(
        matches!(
            err,
            Error::OutOfRange {
                on_disk_first: 2,
                ..
            }
        ),
        "{err}"
    );
    wal.close().expect("close");
}

#[test]
fn read_segments_sees_the_active_segment_up_to_the_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open_collect(dir.path(), Options::default());
    wal.append(&[b"a", b"b"]).expect("append");
    let mut seen = Vec::new();
    wal.read_segments(0, 0, |r| seen.push(r.to_vec()))
        .expect("read");
    assert_eq!(seen, [b"a".to_vec(), b"b".to_vec()]);
    wal.close().expect("close");
}

#[test]
fn a_second_open_of_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open_collect(dir.path(), Options::default());
    let err = Wal::open(dir.path(), Options::default(), |_| {}).expect_err("locked");
    assert!(matches!(err, Error::Locked { .. }), "{err}");
    wal.close().expect("close");
    let (wal, _, _) = open_collect(dir.path(), Options::default());
    wal.close().expect("reopen after close");
}

#[test]
fn a_caller_already_covered_by_an_fsync_does_not_fsync_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = Options::default().sync(SyncPolicy::Interval(Duration::from_secs(3600)));
    let (wal, _, _) = open_collect(dir.path(), options);
    wal.append(&[b"x"]).expect("append");
    assert_eq!(wal.fsyncs(), 0, "Interval appends do not fsync");
    wal.sync().expect("sync");
    wal.sync().expect("sync");
    assert_eq!(wal.fsyncs(), 1, "nothing new to cover the second time");
    // Sealing a segment fsyncs it, which covers everything before the cut.
    wal.append(&[b"y"]).expect("append");
    wal.cut_segment().expect("cut");
    wal.sync().expect("sync");
    assert_eq!(wal.fsyncs(), 1);
    wal.close().expect("close");
}

#[test]
fn interval_policy_syncs_in_the_background() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = Options::default().sync(SyncPolicy::Interval(Duration::from_millis(5)));
    let (wal, _, _) = open_collect(dir.path(), options);
    wal.append(&[b"x"]).expect("append");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while wal.fsyncs() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "background sync never ran"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    wal.close().expect("close");
}

#[test]
fn group_commit_keeps_every_record_and_per_thread_order() {
    const THREADS: u32 = 8;
    const BATCHES: u32 = 60;
    let dir = tempfile::tempdir().expect("tempdir");
    let options = Options::default().segment_size(64 << 10);
    let (wal, _, _) = open_collect(dir.path(), options.clone());
    let wal = Arc::new(wal);
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let wal = Arc::clone(&wal);
            std::thread::spawn(move || {
                for b in 0..BATCHES {
                    let recs: Vec<Vec<u8>> = (0..5)
                        .map(|i| [t, b, i].map(u32::to_le_bytes).concat())
                        .collect();
                    let refs: Vec<&[u8]> = recs.iter().map(Vec::as_slice).collect();
                    wal.append(&refs).expect("append");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("appender panicked");
    }
    let fsyncs = wal.fsyncs();
    assert!(fsyncs <= u64::from(THREADS * BATCHES), "{fsyncs} fsyncs");
    Arc::into_inner(wal)
        .expect("sole owner")
        .close()
        .expect("close");

    let (wal, stats, replayed) = open_collect(dir.path(), options);
    assert_eq!(stats.records, u64::from(THREADS * BATCHES * 5));
    let mut next_batch = vec![0u32; THREADS as usize];
    for chunk in replayed.chunks(5) {
        // Batches never interleave: five consecutive records of one batch, in order.
        let fields = |r: &Vec<u8>| -> [u32; 3] {
            let f = |i: usize| u32::from_le_bytes(r[i * 4..i * 4 + 4].try_into().expect("4"));
            [f(0), f(1), f(2)]
        };
        let [t, b, _] = fields(&chunk[0]);
        for (i, r) in chunk.iter().enumerate() {
            assert_eq!(fields(r), [t, b, i as u32]);
        }
        assert_eq!(next_batch[t as usize], b, "thread {t} out of order");
        next_batch[t as usize] = b + 1;
    }
    assert!(next_batch.iter().all(|&b| b == BATCHES));
    wal.close().expect("close");
}

#[test]
fn disk_bytes_tracks_files_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open_collect(dir.path(), small());
    for i in 0..100 {
        wal.append(&[&record(i)]).expect("append");
    }
    let on_disk = |p: &Path| -> u64 {
        walk(p)
            .iter()
            .map(|f| f.metadata().expect("stat").len())
            .sum()
    };
    assert_eq!(wal.disk_bytes(), on_disk(dir.path()));
    let sealed = wal.cut_segment().expect("cut") - 1;
    wal.checkpoint(sealed, [b"abc".as_slice()])
        .expect("checkpoint");
    assert_eq!(wal.disk_bytes(), on_disk(dir.path()));
    wal.close().expect("close");
    let (wal, _, _) = open_collect(dir.path(), small());
    assert_eq!(wal.disk_bytes(), on_disk(dir.path()));
    wal.close().expect("close");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("ls") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn wal_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Wal>();
}
