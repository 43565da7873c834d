//! Consecutive points of one series in one metric share one output entry (one storage
//! lookup); anything that changes the series, or comes between, starts a new entry.

use model::is_stale;
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, HistogramDataPoint};

use super::*;

const BOUNDS: [f64; 2] = [1.0, 10.0];

fn values(s: &SeriesSamples) -> Vec<(i64, f64)> {
    s.samples.iter().map(|x| (x.t, x.v)).collect()
}

fn ms(ns: u64) -> i64 {
    (ns / 1_000_000) as i64
}

#[test]
fn repeated_number_points_join_one_entry_in_order() {
    let a = || attrs(&[("k", "a")]);
    let t = run_default(vec![gauge(
        "g",
        "",
        vec![
            num(a(), T0, 1.0),
            num(a(), T0 + SEC, 2.0),
            num(attrs(&[("k", "b")]), T0, 5.0),
            num(a(), T0 + 2 * SEC, 3.0),
        ],
    )]);
    assert_eq!(t.accepted_points, 4);
    let a = series(&t, "g", &[("k", "a")]);
    // Interrupted by `b`, so `a` has two entries: merging never reorders points.
    assert_eq!(a.len(), 2);
    assert_eq!(values(a[0]), vec![(ms(T0), 1.0), (ms(T0 + SEC), 2.0)]);
    assert_eq!(values(a[1]), vec![(ms(T0 + 2 * SEC), 3.0)]);
    assert_eq!(values(one(&t, "g", &[("k", "b")])), vec![(ms(T0), 5.0)]);
}

#[test]
fn a_point_without_timestamp_is_rejected_even_after_its_twin() {
    let a = || attrs(&[("k", "a")]);
    let t = run_default(vec![gauge(
        "g",
        "",
        vec![num(a(), T0, 1.0), num(a(), 0, 2.0)],
    )]);
    assert_eq!((t.accepted_points, t.rejected_points), (1, 1));
    assert_eq!(values(one(&t, "g", &[])), vec![(ms(T0), 1.0)]);
}

#[test]
fn repeated_counter_points_keep_their_exemplars_on_the_series() {
    let mut p1 = num(attrs(&[("k", "a")]), T0, 1.0);
    let mut p2 = num(attrs(&[("k", "a")]), T0 + SEC, 2.0);
    p1.exemplars = vec![ex(1.0, T0, 1, 2, vec![])];
    p2.exemplars = vec![ex(1.0, T0 + SEC, 3, 4, vec![])];
    let t = run_default(vec![counter("c", "", vec![p1, p2])]);
    assert_eq!(one(&t, "c_total", &[]).samples.len(), 2);
    assert_eq!(t.exemplars.len(), 2);
    for e in &t.exemplars {
        assert_eq!(get(&e.labels, "__name__"), Some("c_total"));
    }
}

fn hist(points: Vec<HistogramDataPoint>) -> Translated {
    run_default(vec![histogram(
        "h",
        "",
        AggregationTemporality::Cumulative,
        points,
    )])
}

#[test]
fn repeated_histogram_points_extend_every_series() {
    let a = || attrs(&[("k", "a")]);
    let mut stale = hist_point(a(), T0 + 2 * SEC, &BOUNDS, &[0, 0, 0], Some(0.0));
    stale.flags = 1;
    let t = hist(vec![
        hist_point(a(), T0, &BOUNDS, &[1, 2, 3], Some(10.0)),
        hist_point(a(), T0 + SEC, &BOUNDS, &[2, 2, 4], Some(20.0)),
        stale,
    ]);
    assert_eq!(t.accepted_points, 3);
    assert_eq!(t.series.len(), 5, "sum, count and three buckets, once each");
    let got = |name: &str, with: &[(&str, &str)]| {
        let s = one(&t, name, with);
        assert!(is_stale(s.samples[2].v), "{name} ends stale");
        s.samples[..2].iter().map(|x| x.v).collect::<Vec<_>>()
    };
    assert_eq!(got("h_sum", &[]), vec![10.0, 20.0]);
    assert_eq!(got("h_count", &[]), vec![6.0, 8.0]);
    assert_eq!(got("h_bucket", &[("le", "1")]), vec![1.0, 2.0]);
    assert_eq!(got("h_bucket", &[("le", "10")]), vec![3.0, 4.0]);
    assert_eq!(got("h_bucket", &[("le", "+Inf")]), vec![6.0, 8.0]);
}

#[test]
fn histogram_points_with_another_layout_start_new_series() {
    let a = || attrs(&[("k", "a")]);
    let t = hist(vec![
        hist_point(a(), T0, &BOUNDS, &[1, 2, 3], Some(10.0)),
        // No sum: the entries no longer line up.
        hist_point(a(), T0 + SEC, &BOUNDS, &[1, 2, 3], None),
        // Other bounds.
        hist_point(a(), T0 + 2 * SEC, &[1.0, 5.0], &[1, 2, 3], None),
    ]);
    assert_eq!(series(&t, "h_sum", &[]).len(), 1);
    assert_eq!(series(&t, "h_count", &[]).len(), 3);
    assert_eq!(series(&t, "h_bucket", &[("le", "10")]).len(), 2);
    assert_eq!(
        values(one(&t, "h_bucket", &[("le", "5")])),
        vec![(ms(T0 + 2 * SEC), 3.0)]
    );
    for s in &t.series {
        assert_eq!(s.samples.len(), 1, "{s:?}");
    }
}

#[test]
fn repeated_histogram_points_put_exemplars_on_their_buckets() {
    let a = || attrs(&[("k", "a")]);
    let mut p1 = hist_point(a(), T0, &BOUNDS, &[1, 0, 0], None);
    let mut p2 = hist_point(a(), T0 + SEC, &BOUNDS, &[1, 1, 0], None);
    p1.exemplars = vec![ex(0.5, T0, 1, 2, vec![])];
    p2.exemplars = vec![ex(5.0, T0 + SEC, 3, 4, vec![])];
    let t = hist(vec![p1, p2]);
    let les: Vec<_> = t
        .exemplars
        .iter()
        .map(|e| get(&e.labels, "le").map(str::to_owned))
        .collect();
    assert_eq!(les, vec![Some("1".to_owned()), Some("10".to_owned())]);
}
