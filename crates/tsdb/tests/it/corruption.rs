//! Damaged files: a torn or corrupt WAL recovers to a prefix of what was written; damaged
//! block files give a clear error naming the file. Nothing panics.

use std::fs;
use std::path::{Path, PathBuf};

use model::{MatchOp, Matcher, Querier, SampleBuf, SampleSource};
use otelstore_tsdb::{Db, Error, SeriesSamples};

use crate::support::{dump, labels, test_options};

const SERIES: usize = 5;

fn fill(db: &Db, batches: i64) {
    let series: Vec<_> = (0..SERIES)
        .map(|i| labels(&[("__name__", "m"), ("i", &i.to_string())]))
        .collect();
    for b in 0..batches {
        let entries: Vec<_> = series
            .iter()
            .map(|l| SeriesSamples::new(l, vec![model::Sample::new(b * 15_000, b as f64)]))
            .collect();
        db.append(&entries).expect("append");
    }
}

/// Asserts every series holds samples 0, 1, ... k-1 for one k per series: a prefix.
fn assert_prefix(db: &Db) -> usize {
    let mut total = 0;
    for (_, samples) in dump(db, i64::MIN, i64::MAX) {
        for (i, &(t, v)) in samples.iter().enumerate() {
            assert_eq!((t, f64::from_bits(v)), (i as i64 * 15_000, i as f64));
        }
        total += samples.len();
    }
    total
}

fn wal_segments(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir.join("wal"))
        .expect("wal dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn largest_segment(dir: &Path) -> PathBuf {
    wal_segments(dir)
        .into_iter()
        .max_by_key(|p| fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .expect("a WAL segment")
}

#[test]
fn torn_wal_tail_recovers_a_prefix() {
    for cut in [1u64, 7, 100, 1000] {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(dir.path(), test_options()).expect("open");
        fill(&db, 200);
        db.close().expect("close");
        let seg = largest_segment(dir.path());
        let len = fs::metadata(&seg).expect("stat").len();
        let f = fs::OpenOptions::new()
            .write(true)
            .open(&seg)
            .expect("open segment");
        f.set_len(len.saturating_sub(cut)).expect("truncate");
        drop(f);
        let db = Db::open(dir.path(), test_options()).expect("reopen with torn tail");
        let n = assert_prefix(&db);
        assert!(n > 0 && n < SERIES * 200, "cut {cut}: {n} samples");
        // The repaired log takes new appends that survive another reopen.
        fill(&db, 1);
        db.close().expect("close");
        let db = Db::open(dir.path(), test_options()).expect("reopen");
        assert!(!dump(&db, i64::MIN, i64::MAX).is_empty());
    }
}

#[test]
fn corrupt_wal_bytes_recover_a_prefix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(dir.path(), test_options()).expect("open");
    fill(&db, 300);
    db.close().expect("close");
    let seg = largest_segment(dir.path());
    let mut bytes = fs::read(&seg).expect("read");
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 16] {
        *b ^= 0x5a;
    }
    fs::write(&seg, &bytes).expect("write");
    let db = Db::open(dir.path(), test_options()).expect("reopen with corrupt WAL");
    let n = assert_prefix(&db);
    assert!(n < SERIES * 300, "corruption went unnoticed");
}

fn one_block(dir: &Path) -> PathBuf {
    let db = Db::open(dir, test_options()).expect("open");
    fill(&db, 2000); // ~8h of 15s samples
    db.persist_head_before(i64::MAX).expect("persist");
    assert!(!db.blocks().is_empty());
    db.close().expect("close");
    let blocks = dir.join("blocks");
    let first = fs::read_dir(&blocks)
        .expect("blocks")
        .next()
        .expect("a block")
        .expect("entry");
    first.path()
}

#[test]
fn damaged_index_or_meta_is_a_clear_open_error() {
    for (file, damage) in [
        ("index", "flip"),
        ("index", "truncate"),
        ("meta", "truncate"),
        ("meta", "flip"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let block = one_block(dir.path());
        let path = block.join(file);
        let mut bytes = fs::read(&path).expect("read");
        match damage {
            "flip" => {
                let mid = bytes.len() / 2;
                bytes[mid] ^= 1;
            }
            _ => bytes.truncate(bytes.len() / 2),
        }
        fs::write(&path, &bytes).expect("write");
        let err = Db::open(dir.path(), test_options()).expect_err("damaged block must not open");
        let msg = err.to_string();
        assert!(msg.contains(file), "{file}/{damage}: {msg}");
        assert!(
            matches!(
                err,
                Error::ChecksumMismatch { .. } | Error::Corrupted { .. } | Error::BadMagic { .. }
            ),
            "{file}/{damage}: {err:?}"
        );
    }
}

#[test]
fn damaged_columns_are_query_errors() {
    for damage in ["flip", "truncate"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let block = one_block(dir.path());
        let path = block.join("chunks");
        let mut bytes = fs::read(&path).expect("read");
        match damage {
            "flip" => {
                let at = bytes.len() - 10;
                bytes[at] ^= 0xff;
            }
            _ => bytes.truncate(bytes.len() - 20),
        }
        fs::write(&path, &bytes).expect("write");
        let db = Db::open(dir.path(), test_options()).expect("columns are checked when read");
        let all = [Matcher::new(MatchOp::Equal, "__name__", "m").expect("matcher")];
        let mut errors = 0;
        for mut s in db
            .querier()
            .select(&all, i64::MIN, i64::MAX)
            .expect("select")
        {
            let mut buf = SampleBuf::new();
            if let Err(e) = s.samples.read_into(&mut buf) {
                assert!(e.to_string().contains("chunks"), "{e}");
                errors += 1;
            }
        }
        assert!(errors > 0, "{damage}: damage went unnoticed");
    }
}
