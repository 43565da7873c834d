//! Engine API tests: limits, cancellation and result shapes. Query semantics are covered by
//! the promqltest conformance suite (`tests/conformance`).

use std::time::Duration;

use model::Labels;
use model::memory::MemStore;

use super::*;

fn store() -> MemStore {
    let mut s = MemStore::new();
    for i in 0..10 {
        let labels =
            Labels::from_pairs([("__name__", "x_total".to_string()), ("i", i.to_string())])
                .expect("labels");
        for t in 0..100 {
            s.insert(&labels, t * 15_000, (t * i) as f64);
        }
    }
    s
}

#[test]
fn range_queries_return_sorted_matrices_with_stats() {
    let res = Engine::default()
        .range(&store(), "sum(rate(x_total[1m]))", 60_000, 600_000, 60_000)
        .expect("query");
    let Value::Matrix(m) = res.value else {
        panic!("matrix expected")
    };
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].1.len(), 10);
    assert!((m[0].1[0].1 - 3.0).abs() < 1e-9, "{:?}", m[0].1[0]);
    assert!(res.stats.samples_read > 0);
}

#[test]
fn canceled_queries_fail_with_canceled() {
    let cancel = CancelHandle::new();
    cancel.cancel();
    let opts = QueryOptions {
        cancel: Some(cancel),
        ..QueryOptions::default()
    };
    let err = Engine::default()
        .instant_with(&store(), "x_total", 0, &opts)
        .expect_err("canceled");
    assert_eq!(err.error_type(), "canceled");
}

#[test]
fn timeouts_stop_the_query() {
    let opts = QueryOptions {
        timeout: Some(Duration::ZERO),
        ..QueryOptions::default()
    };
    let err = Engine::default()
        .range_with(&store(), "x_total", 0, 1_000_000, 1000, &opts)
        .expect_err("timeout");
    assert!(matches!(err, Error::Timeout(_)), "{err}");
}

#[test]
fn sample_limit_is_enforced() {
    let engine = Engine::new(EngineOptions::default().max_samples(50));
    let err = engine
        .range(&store(), "x_total", 0, 1_000_000, 15_000)
        .expect_err("too many");
    assert_eq!(
        err.to_string(),
        "query processing would load too many samples into memory in query execution"
    );
    assert_eq!(err.error_type(), "execution");
}

#[test]
fn too_many_points_and_bad_steps_are_bad_data() {
    let e = Engine::default();
    let err = e
        .range(&store(), "x_total", 0, 20_000_000, 1000)
        .expect_err("points");
    assert!(matches!(err, Error::TooManyPoints));
    assert_eq!(err.error_type(), "bad_data");
    assert!(
        e.range(&store(), "x_total", 0, 11_000_000, 1000).is_ok(),
        "11,000 steps are allowed"
    );
    assert!(e.range(&store(), "x_total", 0, 11_001_000, 1000).is_err());
    assert!(e.range(&store(), "x_total", 0, 1000, 0).is_err());
    let err = e
        .range(&store(), "x_total[5m]", 0, 1000, 10)
        .expect_err("matrix");
    assert_eq!(err.error_type(), "bad_data");
}

#[test]
fn annotations_carry_positions_unless_the_text_is_unknown() {
    let s = store();
    let e = Engine::default();
    let res = e
        .instant(&s, "quantile(2, x_total)", 60_000)
        .expect("query");
    assert_eq!(
        res.warnings,
        ["PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)"]
    );
    let expr = crate::parse("quantile(2, x_total)").expect("parse");
    let res = e.instant(&s, &expr, 60_000).expect("query");
    assert_eq!(
        res.warnings,
        ["PromQL warning: quantile value should be between 0 and 1, got 2"]
    );
}

#[test]
fn scalars_strings_and_errors_have_their_shapes() {
    let e = Engine::default();
    let s = store();
    assert_eq!(
        e.instant(&s, "1 + 1", 5000).expect("scalar").value,
        Value::Scalar(5000, 2.0)
    );
    assert_eq!(
        e.instant(&s, "\"a\"", 5000).expect("string").value,
        Value::String(5000, "a".into())
    );
    let err = e.instant(&s, "rate(x)", 0).expect_err("parse");
    assert_eq!(err.error_type(), "bad_data");
    let err = e.instant(
        &s,
        "ceil({__name__=~\"x_total\"}) + on(i) group_left x_total",
        0,
    );
    assert!(err.is_ok());
}
