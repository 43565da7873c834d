//! Model test: the engine against an in-memory oracle through random appends, head cuts,
//! compactions, retention and reopens.
//!
//! The oracle (`model::MemStore`) holds every sample the engine should have accepted. It
//! applies the engine's documented acceptance rules itself (duplicates, out-of-order window,
//! nothing before persisted data), and after every step the engine must return exactly the
//! oracle's series and samples, bit for bit, for a set of queries.

use std::time::Duration;

use model::{Labels, MatchOp, Matcher, Querier};
use otelstore_tsdb::{Db, Options, SeriesSamples};
use proptest::prelude::*;

use crate::support::{labels, test_options};

const MIN: i64 = 60_000;
const WINDOW: i64 = 10 * MIN;

fn pool() -> Vec<Labels> {
    vec![
        labels(&[("__name__", "a"), ("job", "x")]),
        labels(&[("__name__", "a"), ("job", "y")]),
        labels(&[("__name__", "b"), ("job", "x")]),
        labels(&[("__name__", "b"), ("job", "y"), ("env", "prod")]),
        labels(&[("__name__", "c")]),
        labels(&[("__name__", "c"), ("zone", "1")]),
    ]
}

const VALUES: [u64; 10] = [
    0,                     // 0.0
    0x8000_0000_0000_0000, // -0.0
    0x3FF8_0000_0000_0000, // 1.5
    0x7FF8_0000_0000_0000, // NaN
    0x7FF8_0000_0000_0123, // NaN with a payload
    0x7FF0_0000_0000_0002, // stale marker
    0x7FF0_0000_0000_0000, // +Inf
    0x4059_0000_0000_0000, // 100
    0x4059_0000_0000_0000, // 100 again: more repeats
    0x3FF0_0000_0000_0000, // 1
];

#[derive(Debug, Clone)]
enum Op {
    /// Entries of (series, [(offset from clock, value index)]), then the clock advances.
    Append(Vec<(usize, Vec<(i64, usize)>)>, i64),
    Maintain,
    PersistBefore(i64),
    Reopen,
    Check(usize, i64, i64),
    /// Delete the samples of series matching matcher set `.0` in the range `[.1, .2]`
    /// (offsets from the clock).
    Delete(usize, i64, i64),
}

fn op() -> impl Strategy<Value = Op> {
    let sample = (-15 * MIN..2 * MIN, 0..VALUES.len());
    let entry = (0..6usize, prop::collection::vec(sample, 1..5));
    prop_oneof![
        8 => (prop::collection::vec(entry, 1..6), 0..20 * MIN).prop_map(|(e, adv)| Op::Append(e, adv)),
        2 => Just(Op::Maintain),
        1 => (-3 * 60 * MIN..0).prop_map(Op::PersistBefore),
        1 => Just(Op::Reopen),
        3 => (0..4usize, -10 * 60 * MIN..0, -60 * MIN..60 * MIN).prop_map(|(m, a, b)| Op::Check(m, a, b)),
        1 => (1..4usize, -6 * 60 * MIN..0, 0..3 * 60 * MIN).prop_map(|(m, a, len)| Op::Delete(m, a, a + len)),
    ]
}

fn matchers(i: usize) -> Vec<Matcher> {
    let m = |op, n: &str, v: &str| Matcher::new(op, n, v).expect("matcher");
    match i {
        0 => vec![m(MatchOp::Regex, "__name__", ".+")],
        1 => vec![m(MatchOp::Equal, "job", "x")],
        2 => vec![
            m(MatchOp::Regex, "__name__", "a|c"),
            m(MatchOp::NotEqual, "zone", "1"),
        ],
        _ => vec![
            m(MatchOp::Equal, "__name__", "b"),
            m(MatchOp::NotRegex, "env", "p.*"),
        ],
    }
}

/// The oracle's view of what the engine must hold.
struct Oracle {
    store: model::memory::MemStore,
    max_t: i64,
    min_valid: i64,
}

impl Oracle {
    /// The newest sample of `l` still in the head (at or after `min_valid`).
    fn head_last(&self, l: &Labels) -> Option<i64> {
        self.store
            .iter()
            .find(|(x, _)| *x == l)
            .and_then(|(_, s)| s.range(self.min_valid..).next_back().map(|(&t, _)| t))
    }

    fn append(&mut self, l: &Labels, t: i64, v: f64, floor: i64) -> bool {
        if t < self.min_valid {
            return false;
        }
        match self.head_last(l) {
            None => {}
            Some(last) if t > last => {}
            Some(_) if t < floor => return false,
            Some(_) if self.store.get(l, t).is_some() => return false,
            Some(_) => {}
        }
        self.store.insert(l, t, v);
        true
    }

    /// Catches up with cuts and retention the engine performed.
    fn sync_blocks(&mut self, db: &Db) {
        let blocks = db.blocks();
        if let Some(max) = blocks.iter().map(|b| b.max_time).max() {
            self.min_valid = self.min_valid.max(max);
        }
        let floor = blocks.first().map_or(self.min_valid, |b| b.min_time);
        self.store.drop_before(floor);
    }

    fn head_max(&self) -> i64 {
        self.store
            .iter()
            .filter_map(|(_, s)| s.range(self.min_valid..).next_back().map(|(&t, _)| t))
            .max()
            .unwrap_or(i64::MIN)
    }
}

fn check(db: &Db, oracle: &Oracle, m: usize, mint: i64, maxt: i64) {
    let ms = matchers(m);
    let mut got = Vec::new();
    for mut s in db.querier().select(&ms, mint, maxt).expect("select") {
        let mut buf = model::SampleBuf::new();
        model::SampleSource::read_into(&mut s.samples, &mut buf).expect("read");
        if !buf.is_empty() {
            got.push((
                s.labels,
                buf.iter().map(|x| (x.t, x.v.to_bits())).collect::<Vec<_>>(),
            ));
        }
    }
    let mut want = Vec::new();
    for mut s in oracle.store.select(&ms, mint, maxt).expect("oracle") {
        let mut buf = model::SampleBuf::new();
        model::SampleSource::read_into(&mut s.samples, &mut buf).expect("read");
        want.push((
            s.labels,
            buf.iter().map(|x| (x.t, x.v.to_bits())).collect::<Vec<_>>(),
        ));
    }
    assert_eq!(got, want, "select {ms:?} [{mint}, {maxt}]");
    let names = db
        .querier()
        .label_values("__name__", &[], i64::MIN, i64::MAX)
        .expect("values");
    let want_names = oracle
        .store
        .label_values("__name__", &[], i64::MIN, i64::MAX)
        .expect("values");
    assert!(
        want_names.iter().all(|n| names.contains(n)),
        "{want_names:?} within {names:?}"
    );
}

fn options(retention: bool) -> Options {
    let o = test_options().out_of_order_window(Duration::from_millis(WINDOW as u64));
    if retention {
        o.retention_time(Some(Duration::from_secs(8 * 3600)))
    } else {
        o.retention_time(None)
    }
}

fn run(ops: Vec<Op>, retention: bool) -> Vec<otelstore_tsdb::BlockMeta> {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = options(retention);
    let mut db = Db::open(dir.path(), opts.clone()).expect("open");
    let pool = pool();
    let mut oracle = Oracle {
        store: model::memory::MemStore::new(),
        max_t: i64::MIN,
        min_valid: i64::MIN,
    };
    let mut clock: i64 = 1_700_000_000_000;
    for op in ops {
        match op {
            Op::Append(entries, advance) => {
                let floor = oracle.max_t.saturating_sub(WINDOW);
                let mut batch = Vec::new();
                let mut hi = i64::MIN;
                let mut accepted = 0;
                for (s, samples) in &entries {
                    let mut ss = Vec::new();
                    for &(off, vi) in samples {
                        let (t, v) = (clock + off, f64::from_bits(VALUES[vi]));
                        if oracle.append(&pool[*s], t, v, floor) {
                            accepted += 1;
                            hi = hi.max(t);
                        }
                        ss.push(model::Sample::new(t, v));
                    }
                    batch.push(SeriesSamples::new(&pool[*s], ss));
                }
                let out = db.append(&batch).expect("append");
                assert_eq!(out.appended, accepted, "{out:?}");
                oracle.max_t = oracle.max_t.max(hi);
                clock += advance;
            }
            Op::Maintain => {
                db.maintain().expect("maintain");
                oracle.sync_blocks(&db);
            }
            Op::PersistBefore(off) => {
                db.persist_head_before(clock + off).expect("persist");
                oracle.sync_blocks(&db);
            }
            Op::Reopen => {
                db = crate::support::reopen(db, opts.clone());
                oracle.max_t = oracle.head_max();
            }
            Op::Check(m, a, b) => check(&db, &oracle, m, clock + a, clock + b),
            Op::Delete(m, a, b) => {
                db.delete_series(&[matchers(m)], clock + a, clock + b)
                    .expect("delete");
                oracle.store.delete(&matchers(m), clock + a, clock + b);
            }
        }
    }
    check(&db, &oracle, 0, i64::MIN, i64::MAX);
    db = crate::support::reopen(db, opts);
    check(&db, &oracle, 0, i64::MIN, i64::MAX);
    db.blocks()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_oracle(ops in prop::collection::vec(op(), 1..60)) {
        run(ops, false);
    }

    #[test]
    fn engine_matches_oracle_with_retention(ops in prop::collection::vec(op(), 1..60)) {
        run(ops, true);
    }
}

/// Enough data to cut several blocks and compact them, deterministically.
#[test]
fn long_run_cuts_compacts_and_reopens() {
    let mut ops = Vec::new();
    for i in 0..400 {
        let entries = (0..6)
            .map(|s| (s, vec![(0, (i + s) % VALUES.len())]))
            .collect();
        ops.push(Op::Append(entries, 3 * MIN));
        if i % 40 == 0 {
            ops.push(Op::Maintain);
        }
        if i % 97 == 0 {
            ops.push(Op::Reopen);
        }
        if i % 13 == 0 {
            ops.push(Op::Check(i % 4, -300 * MIN, 0));
        }
    }
    let blocks = run(ops.clone(), false);
    assert!(
        blocks.iter().any(|b| b.level >= 2),
        "nothing was compacted: {blocks:?}"
    );
    let blocks = run(ops, true);
    let start = 1_700_000_000_000;
    assert!(
        blocks
            .first()
            .is_some_and(|b| b.min_time > start + 4 * 60 * MIN),
        "retention deleted nothing"
    );
}
