//! Label names and values, constrained by matchers and time range, across blocks and head.

use model::{MatchOp, Matcher, Querier, Sample};
use otelstore_tsdb::{Db, SeriesSamples};

use crate::support::{labels, test_options};

const H: i64 = 3_600_000;

#[test]
fn names_and_values_follow_matchers_and_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(dir.path(), test_options()).expect("open");
    let early = labels(&[("__name__", "req_total"), ("job", "api"), ("region", "eu")]);
    let late = labels(&[("__name__", "req_total"), ("job", "web"), ("zone", "b")]);
    let other = labels(&[("__name__", "up"), ("job", "db")]);
    // `early` only in the first 2 h (persisted to a block), the others throughout (head).
    for k in 0..(6 * 60) {
        let t = k * 60_000;
        let mut batch = vec![
            SeriesSamples::new(&late, vec![Sample::new(t, 1.0)]),
            SeriesSamples::new(&other, vec![Sample::new(t, 1.0)]),
        ];
        if t < 2 * H {
            batch.push(SeriesSamples::new(&early, vec![Sample::new(t, 1.0)]));
        }
        db.append(&batch).expect("append");
    }
    db.persist_head_before(4 * H).expect("persist");
    assert_eq!(db.blocks().len(), 2);
    let q = db.querier();
    let eq = |n: &str, v: &str| Matcher::new(MatchOp::Equal, n, v).expect("matcher");

    let all = q.label_names(&[], 0, 6 * H).expect("names");
    assert_eq!(all, ["__name__", "job", "region", "zone"]);
    let recent = q.label_names(&[], 5 * H, 6 * H).expect("names");
    assert_eq!(
        recent,
        ["__name__", "job", "zone"],
        "region only exists before 2h"
    );
    let req = q
        .label_names(&[eq("__name__", "req_total")], 0, H)
        .expect("names");
    assert_eq!(req, ["__name__", "job", "region", "zone"]);
    let up = q
        .label_names(&[eq("__name__", "up")], 0, 6 * H)
        .expect("names");
    assert_eq!(up, ["__name__", "job"]);

    assert_eq!(
        q.label_values("job", &[], 0, 6 * H).expect("values"),
        ["api", "db", "web"]
    );
    assert_eq!(
        q.label_values("job", &[], 3 * H, 6 * H).expect("values"),
        ["db", "web"]
    );
    let re = Matcher::new(MatchOp::Regex, "job", "a.*|w.*").expect("matcher");
    assert_eq!(
        q.label_values("job", &[re], 0, 6 * H).expect("values"),
        ["api", "web"]
    );
    assert!(
        q.label_values("nope", &[], 0, 6 * H)
            .expect("values")
            .is_empty()
    );
}
