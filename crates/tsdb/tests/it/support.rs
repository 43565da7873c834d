//! Helpers shared by the engine tests.

use model::{Labels, Querier, SampleBuf, SampleSource};
use otelstore_tsdb::{Db, Options};

/// Options for tests: no background thread, so maintenance happens only when a test asks.
pub(crate) fn test_options() -> Options {
    Options::default().maintenance_interval(None)
}

/// A label set from pairs.
pub(crate) fn labels(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied()).expect("valid labels")
}

/// Every series of the database with its samples in `[mint, maxt]`.
pub(crate) fn dump(db: &Db, mint: i64, maxt: i64) -> Vec<(Labels, Vec<(i64, u64)>)> {
    let all = [model::Matcher::new(model::MatchOp::Regex, "__name__", ".+").expect("matcher")];
    let mut out = Vec::new();
    for mut s in db.querier().select(&all, mint, maxt).expect("select") {
        let mut buf = SampleBuf::new();
        s.samples.read_into(&mut buf).expect("read");
        let samples: Vec<(i64, u64)> = buf.iter().map(|x| (x.t, x.v.to_bits())).collect();
        if !samples.is_empty() {
            out.push((s.labels, samples));
        }
    }
    out
}

/// Keeps `dir` alive while the database in it is reopened.
pub(crate) fn reopen(db: Db, opts: Options) -> Db {
    let dir = db.dir().to_path_buf();
    db.close().expect("close");
    Db::open(&dir, opts).expect("reopen")
}
