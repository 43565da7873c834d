//! Replay of arbitrary bytes: whatever is on disk, `Wal::open` must not panic or fail, must
//! report what it replayed, and the log must accept appends that survive the next reopen.
//!
//! The first input byte picks how the rest is laid out, so the fuzzer reaches both the header
//! checks and the frame decoder:
//! 0: the whole input is segment 00000000;
//! 1: a valid header, then the input;
//! 2: a valid segment holding a few records, with the input appended;
//! 3: that valid segment as 00000000 and the input as segment 00000001.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use wal::{Options, SyncPolicy, Wal};

/// No per-append fsync: the target checks logic, not the disk.
fn options() -> Options {
    Options::default().sync(SyncPolicy::Interval(Duration::from_secs(3600)))
}

/// The bytes of a valid segment 0 holding three records, made once by the log itself.
fn valid_segment() -> &'static [u8] {
    static SEGMENT: OnceLock<Vec<u8>> = OnceLock::new();
    SEGMENT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let (wal, _) = Wal::open(dir.path(), options(), |_| {}).expect("open");
        wal.append(&[b"one", b"", &[7u8; 100]]).expect("append");
        wal.close().expect("close");
        std::fs::read(dir.path().join("00000000")).expect("read segment")
    })
}

fn segment_header(index: u64) -> Vec<u8> {
    let mut header = b"OSWL\x01\x00\x00\x00".to_vec();
    header.extend_from_slice(&index.to_le_bytes());
    header
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write segment");
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    match mode % 4 {
        0 => write(dir.path(), "00000000", body),
        1 => write(
            dir.path(),
            "00000000",
            &[segment_header(0).as_slice(), body].concat(),
        ),
        2 => write(dir.path(), "00000000", &[valid_segment(), body].concat()),
        _ => {
            write(dir.path(), "00000000", valid_segment());
            write(
                dir.path(),
                "00000001",
                &[segment_header(1).as_slice(), body].concat(),
            );
        }
    }

    let mut replayed = Vec::new();
    let (wal, stats) = Wal::open(dir.path(), options(), |r| replayed.push(r.to_vec()))
        .expect("damage never fails open");
    assert_eq!(stats.records, replayed.len() as u64);
    if mode % 4 >= 2 {
        assert!(replayed.len() >= 3, "the valid segment's records replay");
    }
    wal.append(&[b"after"]).expect("append after replay");
    wal.close().expect("close");

    let mut again = Vec::new();
    let (wal, stats) =
        Wal::open(dir.path(), options(), |r| again.push(r.to_vec())).expect("reopen");
    assert_eq!(
        (stats.truncated_bytes, stats.dropped_segments),
        (0, 0),
        "repair was durable"
    );
    assert_eq!(again.pop().as_deref(), Some(b"after".as_slice()));
    assert_eq!(
        again, replayed,
        "the intact prefix is stable across reopens"
    );
    wal.close().expect("close");
});
