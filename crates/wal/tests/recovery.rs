//! Recovery from damaged logs. Each test damages the files the way a crash, a bad disk or an
//! operator might, then checks that `open` succeeds, replays exactly the intact prefix, reports
//! what it cut, and that appends made afterwards survive the next reopen.
//!
//! The tests poke at files using the layout in `docs/format/wal.md`: segment `n` is the file
//! `format!("{n:08}")`, a 16-byte header, then frames of `len u32 | crc u32 | payload`.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use otelstore_wal::{Options, ReplayStats, SyncPolicy, Wal};

const HEADER: u64 = 16;
const FRAME: u64 = 8;

fn seg(dir: &Path, index: u64) -> PathBuf {
    dir.join(format!("{index:08}"))
}

/// Tiny segments, and no fsync per append: these tests are about layout, not durability.
fn small() -> Options {
    Options::default()
        .segment_size(Options::MIN_SEGMENT_SIZE)
        .sync(SyncPolicy::Interval(Duration::from_secs(3600)))
}

fn record(i: usize) -> Vec<u8> {
    let mut r = format!("record-{i}-").into_bytes();
    r.resize(r.len() + (i * 13) % 90, b'a' + (i % 26) as u8);
    r
}

fn open(dir: &Path, options: Options) -> (Wal, ReplayStats, Vec<Vec<u8>>) {
    let mut records = Vec::new();
    let (wal, stats) = Wal::open(dir, options, |r| records.push(r.to_vec())).expect("open");
    (wal, stats, records)
}

/// Writes `records` one per batch into a fresh log and closes it.
fn write_log(dir: &Path, options: Options, records: &[Vec<u8>]) {
    let (wal, _, _) = open(dir, options);
    for r in records {
        wal.append(&[r]).expect("append");
    }
    wal.close().expect("close");
}

/// Byte offset of record `k` in a segment holding `records` from its start.
fn offset_of(records: &[Vec<u8>], k: usize) -> u64 {
    HEADER
        + records[..k]
            .iter()
            .map(|r| FRAME + r.len() as u64)
            .sum::<u64>()
}

/// Opens the damaged log and checks it replays `expected`, then that an append made now is
/// replayed after it on the next open. Returns the stats of the first open.
fn assert_recovers(dir: &Path, options: Options, expected: &[Vec<u8>]) -> ReplayStats {
    let (wal, stats, replayed) = open(dir, options.clone());
    assert_eq!(replayed.len(), expected.len(), "replayed record count");
    assert_eq!(replayed, expected);
    assert_eq!(stats.records, expected.len() as u64);
    wal.append(&[b"after recovery"])
        .expect("append after recovery");
    wal.close().expect("close");

    let (wal, again, replayed) = open(dir, options);
    assert_eq!(
        replayed.last().map(Vec::as_slice),
        Some(b"after recovery".as_slice())
    );
    assert_eq!(&replayed[..replayed.len() - 1], expected);
    assert_eq!(
        (again.truncated_bytes, again.dropped_segments),
        (0, 0),
        "repair was durable"
    );
    wal.close().expect("close");
    stats
}

fn truncate(path: &Path, len: u64) {
    OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open")
        .set_len(len)
        .expect("set_len");
}

fn patch(path: &Path, offset: u64, f: impl FnOnce(&mut [u8])) {
    let mut bytes = fs::read(path).expect("read");
    f(&mut bytes[offset as usize..]);
    fs::write(path, bytes).expect("write");
}

#[test]
fn torn_tail_at_every_byte_offset_inside_the_last_record() {
    let records: Vec<Vec<u8>> = (0..5).map(record).collect();
    let template = tempfile::tempdir().expect("tempdir");
    write_log(template.path(), Options::default(), &records);
    let original = fs::read(seg(template.path(), 0)).expect("read");
    let last_start = offset_of(&records, 4);
    assert_eq!(original.len() as u64, offset_of(&records, 5));

    for cut in last_start..original.len() as u64 {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(seg(dir.path(), 0), &original[..cut as usize]).expect("write");
        let stats = assert_recovers(dir.path(), Options::default(), &records[..4]);
        assert_eq!(stats.truncated_bytes, cut - last_start, "cut at {cut}");
        assert_eq!(stats.dropped_segments, 0);
        assert_eq!(
            fs::metadata(seg(dir.path(), 0)).expect("stat").len(),
            last_start
        );
    }
}

#[test]
fn a_flipped_bit_ends_replay_before_the_damaged_record() {
    let records: Vec<Vec<u8>> = (0..10).map(record).collect();
    for (k, byte_in_frame) in [(0, 0), (3, 2), (5, 5), (7, 11), (9, 20)] {
        let dir = tempfile::tempdir().expect("tempdir");
        write_log(dir.path(), Options::default(), &records);
        patch(
            &seg(dir.path(), 0),
            offset_of(&records, k) + byte_in_frame,
            |b| b[0] ^= 0x10,
        );
        let stats = assert_recovers(dir.path(), Options::default(), &records[..k]);
        assert_eq!(
            stats.truncated_bytes,
            offset_of(&records, 10) - offset_of(&records, k)
        );
    }
}

#[test]
fn a_zeroed_region_ends_replay_where_it_starts() {
    let records: Vec<Vec<u8>> = (0..10).map(record).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), Options::default(), &records);
    let start = offset_of(&records, 6);
    patch(&seg(dir.path(), 0), start, |b| b[..40].fill(0));
    assert_recovers(dir.path(), Options::default(), &records[..6]);

    // A zero-filled tail, as a filesystem may expose after power loss, is not a record either.
    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), Options::default(), &records);
    let path = seg(dir.path(), 0);
    truncate(&path, offset_of(&records, 10) + 4096);
    let stats = assert_recovers(dir.path(), Options::default(), &records);
    assert_eq!(stats.truncated_bytes, 4096);
}

#[test]
fn a_truncated_segment_header_is_removed() {
    let records: Vec<Vec<u8>> = (0..4).map(record).collect();
    // The last segment's header is torn: the segment is removed, earlier ones replay.
    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), Options::default(), &records);
    let header = fs::read(seg(dir.path(), 0)).expect("read")[..HEADER as usize].to_vec();
    let mut torn = header.clone();
    torn[8] = 1; // index 1
    fs::write(seg(dir.path(), 1), &torn[..10]).expect("write");
    let stats = assert_recovers(dir.path(), Options::default(), &records);
    assert_eq!((stats.segments, stats.truncated_bytes), (1, 10));

    // The only segment's header is torn: nothing replays.
    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), Options::default(), &records);
    truncate(&seg(dir.path(), 0), 7);
    let stats = assert_recovers(dir.path(), Options::default(), &[]);
    assert_eq!((stats.segments, stats.truncated_bytes), (0, 7));
}

#[test]
fn a_segment_with_a_foreign_header_ends_replay() {
    let records: Vec<Vec<u8>> = (0..4).map(record).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), Options::default(), &records);
    // Segment 0 copied over segment 1: its header names index 0, so it is rejected.
    fs::copy(seg(dir.path(), 0), seg(dir.path(), 1)).expect("copy");
    assert_recovers(dir.path(), Options::default(), &records);

    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), Options::default(), &records);
    fs::write(seg(dir.path(), 1), b"this is not a WAL segment at all").expect("write");
    let stats = assert_recovers(dir.path(), Options::default(), &records);
    assert_eq!(stats.truncated_bytes, 32);
}

#[test]
fn garbage_appended_after_the_last_record_is_cut() {
    let records: Vec<Vec<u8>> = (0..6).map(record).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), Options::default(), &records);
    let path = seg(dir.path(), 0);
    let mut bytes = fs::read(&path).expect("read");
    bytes.extend((0..333u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    fs::write(&path, bytes).expect("write");
    let stats = assert_recovers(dir.path(), Options::default(), &records);
    assert_eq!(stats.truncated_bytes, 333);
}

#[test]
fn corruption_in_an_older_segment_drops_the_later_segments() {
    let records: Vec<Vec<u8>> = (0..400).map(record).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), small(), &records);
    let segments = fs::read_dir(dir.path()).expect("ls").count() - 1; // minus LOCK
    assert!(segments > 10, "{segments} segments");

    // Find which records segment 3 holds by replaying segments 0..=2 alone.
    let mut before = 0;
    for i in 0..3 {
        let len = fs::metadata(seg(dir.path(), i)).expect("stat").len();
        let mut off = HEADER;
        while off < len {
            off += FRAME + records[before].len() as u64;
            before += 1;
        }
    }
    // Damage the second record of segment 3.
    let off = HEADER + FRAME + records[before].len() as u64;
    patch(&seg(dir.path(), 3), off + FRAME, |b| b[0] ^= 0xff);
    let len3 = fs::metadata(seg(dir.path(), 3)).expect("stat").len();

    let stats = assert_recovers(dir.path(), small(), &records[..before + 1]);
    assert_eq!(stats.segments, 4);
    assert_eq!(stats.dropped_segments, segments - 4);
    assert_eq!(stats.truncated_bytes, len3 - off);
    assert!(
        !seg(dir.path(), segments as u64 - 1).exists(),
        "old last segment removed"
    );
}

#[test]
fn an_empty_or_missing_last_segment_is_fine() {
    let records: Vec<Vec<u8>> = (0..5).map(record).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), Options::default(), &records);
    fs::write(seg(dir.path(), 1), b"").expect("create empty");
    let stats = assert_recovers(dir.path(), Options::default(), &records);
    assert_eq!(
        (
            stats.segments,
            stats.truncated_bytes,
            stats.dropped_segments
        ),
        (1, 0, 0)
    );

    // Losing the last segment file altogether just means fewer records.
    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), Options::default(), &records[..2]);
    let (wal, _, _) = open(dir.path(), Options::default());
    wal.append(&[&records[2]]).expect("append");
    wal.close().expect("close");
    fs::remove_file(seg(dir.path(), 1)).expect("remove");
    assert_recovers(dir.path(), Options::default(), &records[..2]);
}

#[test]
fn a_missing_middle_segment_drops_the_segments_after_the_gap() {
    let records: Vec<Vec<u8>> = (0..3).map(record).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open(dir.path(), Options::default());
    for r in &records {
        wal.append(&[r]).expect("append");
        wal.cut_segment().expect("cut");
    }
    wal.close().expect("close");
    fs::remove_file(seg(dir.path(), 1)).expect("remove");
    let stats = assert_recovers(dir.path(), Options::default(), &records[..1]);
    assert_eq!(stats.dropped_segments, 2, "segments 2 and 3");
}

#[test]
fn an_interrupted_checkpoint_is_ignored_and_cleaned_up() {
    let records: Vec<Vec<u8>> = (0..5).map(record).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), Options::default(), &records);
    let tmp = dir.path().join("checkpoint.00000000.tmp");
    fs::create_dir(&tmp).expect("mkdir");
    fs::write(tmp.join("00000000"), b"half a checkpoint").expect("write");
    let stats = assert_recovers(dir.path(), Options::default(), &records);
    assert_eq!(stats.checkpoint, None);
    assert!(!tmp.exists(), "temporary checkpoint directory removed");
}

#[test]
fn a_crash_between_checkpoint_rename_and_cleanup_is_finished_at_open() {
    let records: Vec<Vec<u8>> = (0..6).map(record).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open(dir.path(), Options::default());
    wal.append(&[&records[0], &records[1]]).expect("append");
    wal.cut_segment().expect("cut");
    wal.checkpoint(0, [records[0].as_slice()])
        .expect("checkpoint 0");
    wal.append(&[&records[2]]).expect("append");
    let seg1 = fs::read(seg(dir.path(), 1)).expect("read");
    let cp0 = fs::read(dir.path().join("checkpoint.00000000/00000000")).expect("read");
    wal.cut_segment().expect("cut");
    wal.checkpoint(1, [records[3].as_slice()])
        .expect("checkpoint 1");
    wal.append(&[&records[4]]).expect("append");
    wal.close().expect("close");
    // Put back what checkpoint 1 deleted, as if the process died right after its rename.
    fs::write(seg(dir.path(), 1), seg1).expect("restore segment");
    fs::create_dir(dir.path().join("checkpoint.00000000")).expect("mkdir");
    fs::write(dir.path().join("checkpoint.00000000/00000000"), cp0).expect("restore checkpoint");

    let stats = assert_recovers(
        dir.path(),
        Options::default(),
        &[records[3].clone(), records[4].clone()],
    );
    assert_eq!(stats.checkpoint, Some(1));
    assert!(!seg(dir.path(), 1).exists());
    assert!(!dir.path().join("checkpoint.00000000").exists());
}

#[test]
fn a_damaged_checkpoint_keeps_its_prefix_and_drops_the_segments_after_it() {
    let records: Vec<Vec<u8>> = (0..6).map(record).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open(dir.path(), Options::default());
    wal.append(&[b"x"]).expect("append");
    wal.cut_segment().expect("cut");
    wal.checkpoint(0, records[..4].iter().map(Vec::as_slice))
        .expect("checkpoint");
    wal.append(&[&records[4]]).expect("append");
    wal.cut_segment().expect("cut");
    wal.append(&[&records[5]]).expect("append");
    wal.close().expect("close");
    let data = dir.path().join("checkpoint.00000000/00000000");
    patch(&data, offset_of(&records, 2) + FRAME, |b| b[1] ^= 1);

    let stats = assert_recovers(dir.path(), Options::default(), &records[..2]);
    assert_eq!(stats.checkpoint, Some(0));
    assert_eq!(stats.dropped_segments, 2);

    // A checkpoint whose data file is gone replays nothing, and does not linger.
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _, _) = open(dir.path(), Options::default());
    wal.cut_segment().expect("cut");
    wal.checkpoint(0, [b"cp".as_slice()]).expect("checkpoint");
    wal.close().expect("close");
    fs::remove_file(dir.path().join("checkpoint.00000000/00000000")).expect("remove");
    let stats = assert_recovers(dir.path(), Options::default(), &[]);
    assert_eq!(stats.dropped_segments, 1);
    assert!(!dir.path().join("checkpoint.00000000").exists());
}

#[test]
fn files_the_log_did_not_create_are_left_alone() {
    let records: Vec<Vec<u8>> = (0..3).map(record).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    write_log(dir.path(), Options::default(), &records);
    for name in ["README", "0001", "checkpoint.x", "00000007.bak"] {
        fs::write(dir.path().join(name), b"keep me").expect("write");
    }
    let stats = assert_recovers(dir.path(), Options::default(), &records);
    assert_eq!((stats.truncated_bytes, stats.dropped_segments), (0, 0));
    assert!(dir.path().join("README").exists());
}
