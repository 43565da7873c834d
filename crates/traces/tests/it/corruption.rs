//! Damaged files: a truncated or corrupted segment is moved aside at open (the rest of the
//! store keeps working); a damaged WAL tail is cut back to its intact prefix.

use std::fs;

use otelstore_traces::{SearchRequest, Store};

use crate::support::test_options;
use crate::workload::Workload;

const T0: u64 = 1_700_000_000_000_000_000;

fn segments(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir.join("segments"))
        .expect("list")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    v.sort();
    v
}

#[test]
fn a_damaged_segment_is_moved_aside_and_the_rest_still_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = Workload::new(9, T0);
    let mut ids = Vec::new();
    {
        let store = Store::open(dir.path(), test_options()).expect("open");
        for _ in 0..2 {
            let spans: Vec<_> = (0..50).flat_map(|_| w.next_trace()).collect();
            ids.push(spans[0].1.trace_id);
            store.append(&w.batch(spans)).expect("append");
            store.flush().expect("flush");
        }
        store.close().expect("close");
    }
    let segs = segments(dir.path());
    assert_eq!(segs.len(), 2);
    let len = fs::metadata(&segs[0]).expect("stat").len();
    let f = fs::OpenOptions::new()
        .write(true)
        .open(&segs[0])
        .expect("open");
    f.set_len(len / 2).expect("truncate");
    drop(f);
    let store = Store::open(dir.path(), test_options()).expect("open with a damaged segment");
    assert_eq!(store.stats().segments, 1);
    assert!(store.trace(&ids[0], None).expect("read").is_none());
    assert!(store.trace(&ids[1], None).expect("read").is_some());
    assert!(
        !store
            .search(&SearchRequest::default())
            .expect("search")
            .is_empty()
    );
    assert!(
        dir.path()
            .join("segments")
            .read_dir()
            .expect("list")
            .any(|e| {
                e.expect("entry")
                    .path()
                    .to_string_lossy()
                    .ends_with(".corrupt")
            })
    );
}

#[test]
fn a_block_corrupted_after_open_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = Workload::new(10, T0);
    let spans: Vec<_> = (0..50).flat_map(|_| w.next_trace()).collect();
    let id = spans[0].1.trace_id;
    {
        let store = Store::open(dir.path(), test_options()).expect("open");
        store.append(&w.batch(spans)).expect("append");
        store.flush().expect("flush");
        store.close().expect("close");
    }
    let seg = segments(dir.path()).remove(0);
    let mut bytes = fs::read(&seg).expect("read");
    // Flip a byte inside the first block (blocks start right after the 8-byte header).
    bytes[20] ^= 0xff;
    fs::write(&seg, &bytes).expect("write");
    let store = Store::open(dir.path(), test_options()).expect("open");
    let err = store.trace(&id, None).expect_err("checksum mismatch");
    assert!(err.to_string().contains("checksum"), "{err}");
}

#[test]
fn a_torn_wal_tail_recovers_the_intact_prefix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = Workload::new(11, T0);
    let first: Vec<_> = (0..10).flat_map(|_| w.next_trace()).collect();
    let second: Vec<_> = (0..10).flat_map(|_| w.next_trace()).collect();
    let (a, b) = (first[0].1.trace_id, second[0].1.trace_id);
    {
        let store = Store::open(dir.path(), test_options()).expect("open");
        store.append(&w.batch(first)).expect("append");
        store.append(&w.batch(second)).expect("append");
        store.close().expect("close");
    }
    let mut wal: Vec<_> = fs::read_dir(dir.path().join("wal"))
        .expect("list")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    wal.sort();
    let last = wal
        .iter()
        .rev()
        .find(|p| fs::metadata(p).map(|m| m.len() > 64).unwrap_or(false))
        .expect("segment");
    let len = fs::metadata(last).expect("stat").len();
    let f = fs::OpenOptions::new().write(true).open(last).expect("open");
    f.set_len(len - 10).expect("truncate");
    drop(f);
    let store = Store::open(dir.path(), test_options()).expect("open");
    assert!(store.trace(&a, None).expect("read").is_some());
    assert!(store.trace(&b, None).expect("read").is_none());
}
