//! Delta temporality: running totals across requests, resets, rejected overlaps, resends,
//! stale points, idle eviction and the series cap (§7).

use std::time::{Duration, Instant};

use model::{MetricType, is_stale};

use super::super::{DeltaConfig, DeltaState, MetricsOptions, translate_at};
use super::*;

fn delta_point(labels: &[(&str, &str)], start: u64, end: u64, v: f64) -> NumberDataPoint {
    NumberDataPoint {
        start_time_unix_nano: start,
        ..num(attrs(labels), end, v)
    }
}

fn delta_counter(points: Vec<NumberDataPoint>) -> ExportMetricsServiceRequest {
    simple(vec![sum(
        "tokens",
        "",
        true,
        AggregationTemporality::Delta,
        points,
    )])
}

/// Sends `req` at `now` and returns the translation.
fn send(state: &DeltaState, req: &ExportMetricsServiceRequest, now: Instant) -> Translated {
    let t = translate_at(req, &MetricsOptions::default(), state, now);
    check_labels(&t);
    t
}

fn at(i: u64) -> u64 {
    T0 + i * 10 * SEC
}

#[test]
fn monotonic_delta_sums_accumulate_across_requests() {
    let state = DeltaState::default();
    let now = Instant::now();
    let mut totals = Vec::new();
    for (start, end, v) in [(0, 1, 5.0), (1, 2, 3.0), (2, 3, 0.0)] {
        let t = send(
            &state,
            &delta_counter(vec![delta_point(&[], at(start), at(end), v)]),
            now,
        );
        let s = one(&t, "tokens_total", &[]);
        assert_eq!(s.samples[0].t, (at(end) / 1_000_000) as i64);
        totals.push(s.samples[0].v);
        assert_eq!(t.metadata[0].metric_type, MetricType::Counter);
    }
    assert_eq!(totals, vec![5.0, 8.0, 8.0]);
    assert_eq!(state.len(), 1);
}

#[test]
fn gaps_add_overlaps_are_rejected_and_resends_are_idempotent() {
    let state = DeltaState::default();
    let now = Instant::now();
    let total = |t: &Translated| value(t, "tokens_total", &[]);
    send(
        &state,
        &delta_counter(vec![delta_point(&[], at(0), at(1), 5.0)]),
        now,
    );
    let t = send(
        &state,
        &delta_counter(vec![delta_point(&[], at(1), at(2), 3.0)]),
        now,
    );
    assert_eq!(total(&t), 8.0);

    // The client lost our answer and sends the same window again: nothing added, no error.
    let t = send(
        &state,
        &delta_counter(vec![delta_point(&[], at(1), at(2), 3.0)]),
        now,
    );
    assert_eq!((total(&t), t.rejected_points), (8.0, 0));

    // Starts before the last end: cannot be placed.
    let t = send(
        &state,
        &delta_counter(vec![delta_point(&[], at(0), at(3), 1.0)]),
        now,
    );
    assert_eq!((t.rejected_points, t.accepted_points), (1, 0));
    assert!(
        t.messages[0].starts_with("tokens: delta point overlaps"),
        "{:?}",
        t.messages
    );

    // A point without start time following the last one is added.
    let t = send(
        &state,
        &delta_counter(vec![delta_point(&[], 0, at(3), 1.0)]),
        now,
    );
    assert_eq!(total(&t), 9.0);

    // Starts after the last end (the SDK recorded nothing in between and advanced the start
    // time, as the Python SDK does): added, not a reset.
    let t = send(
        &state,
        &delta_counter(vec![delta_point(&[], at(5), at(6), 2.0)]),
        now,
    );
    assert_eq!(total(&t), 11.0);

    // Ends before it starts.
    let t = send(
        &state,
        &delta_counter(vec![delta_point(&[], at(8), at(7), 2.0)]),
        now,
    );
    assert_eq!(t.rejected_points, 1);
    assert!(t.messages[0].contains("ends before it starts"));
}

#[test]
fn points_of_one_series_in_one_request_and_separate_series() {
    let state = DeltaState::default();
    let req = delta_counter(vec![
        delta_point(&[("k", "a")], at(0), at(1), 1.0),
        delta_point(&[("k", "a")], at(1), at(2), 2.0),
        delta_point(&[("k", "b")], at(0), at(1), 10.0),
    ]);
    let t = send(&state, &req, Instant::now());
    // Consecutive points of one series share one entry.
    let a = one(&t, "tokens_total", &[("k", "a")]);
    let a: Vec<f64> = a.samples.iter().map(|s| s.v).collect();
    assert_eq!(a, vec![1.0, 3.0]);
    assert_eq!(value(&t, "tokens_total", &[("k", "b")]), 10.0);
    assert_eq!(state.len(), 2);
}

#[test]
fn non_monotonic_delta_sums_are_gauges_of_the_delta() {
    let state = DeltaState::default();
    let now = Instant::now();
    for (i, v) in [(0, 4.0), (1, -1.0)] {
        let req = simple(vec![sum(
            "inflight",
            "",
            false,
            AggregationTemporality::Delta,
            vec![delta_point(&[], at(i), at(i + 1), v)],
        )]);
        let t = send(&state, &req, now);
        assert_eq!(value(&t, "inflight", &[]), v);
        assert_eq!(t.metadata[0].metric_type, MetricType::Gauge);
    }
    assert!(state.is_empty());
}

fn delta_hist(
    start: u64,
    end: u64,
    bounds: &[f64],
    counts: &[u64],
    sum: Option<f64>,
) -> ExportMetricsServiceRequest {
    let p = HistogramDataPoint {
        start_time_unix_nano: start,
        ..hist_point(vec![], end, bounds, counts, sum)
    };
    simple(vec![histogram(
        "lat",
        "s",
        AggregationTemporality::Delta,
        vec![p],
    )])
}

fn buckets(t: &Translated) -> Vec<(String, f64)> {
    series(t, "lat_seconds_bucket", &[])
        .iter()
        .map(|s| {
            (
                get(&s.labels, "le").unwrap_or("").to_string(),
                s.samples[0].v,
            )
        })
        .collect()
}

#[test]
fn delta_histograms_accumulate_every_bucket_sum_and_count() {
    let state = DeltaState::default();
    let now = Instant::now();
    send(
        &state,
        &delta_hist(at(0), at(1), &[0.1, 1.0], &[1, 0, 2], Some(5.0)),
        now,
    );
    let t = send(
        &state,
        &delta_hist(at(1), at(2), &[0.1, 1.0], &[0, 3, 1], Some(2.5)),
        now,
    );
    assert_eq!(
        buckets(&t),
        vec![("0.1".into(), 1.0), ("1".into(), 4.0), ("+Inf".into(), 7.0)]
    );
    assert_eq!(value(&t, "lat_seconds_count", &[]), 7.0);
    assert_eq!(value(&t, "lat_seconds_sum", &[]), 7.5);
    assert_eq!(t.metadata[0].metric_type, MetricType::Histogram);

    // A delta without a sum makes the running sum unknown.
    let t = send(
        &state,
        &delta_hist(at(2), at(3), &[0.1, 1.0], &[1, 0, 0], None),
        now,
    );
    assert!(series(&t, "lat_seconds_sum", &[]).is_empty());
    assert_eq!(value(&t, "lat_seconds_count", &[]), 8.0);

    // New bucket bounds restart the series.
    let t = send(
        &state,
        &delta_hist(at(3), at(4), &[0.5], &[2, 1], Some(1.0)),
        now,
    );
    assert_eq!(buckets(&t), vec![("0.5".into(), 2.0), ("+Inf".into(), 3.0)]);
    assert_eq!(value(&t, "lat_seconds_sum", &[]), 1.0);

    // Overlap rejected.
    let t = send(
        &state,
        &delta_hist(at(0), at(4), &[0.5], &[2, 1], Some(1.0)),
        now,
    );
    assert_eq!((t.accepted_points, t.rejected_points), (0, 1));
    assert_eq!(state.len(), 1);
}

#[test]
fn stale_delta_points_end_the_series() {
    let state = DeltaState::default();
    let now = Instant::now();
    send(
        &state,
        &delta_counter(vec![delta_point(&[], at(0), at(1), 5.0)]),
        now,
    );
    send(
        &state,
        &delta_hist(at(0), at(1), &[1.0], &[1, 1], Some(1.0)),
        now,
    );
    assert_eq!(state.len(), 2);
    let mut p = delta_point(&[], at(1), at(2), 0.0);
    p.flags = 1;
    let t = send(&state, &delta_counter(vec![p]), now);
    assert!(is_stale(value(&t, "tokens_total", &[])));
    let mut req = delta_hist(at(1), at(2), &[1.0], &[0, 0], None);
    if let Some(opentelemetry_proto::tonic::metrics::v1::metric::Data::Histogram(h)) =
        req.resource_metrics[0].scope_metrics[0].metrics[0]
            .data
            .as_mut()
    {
        h.data_points[0].flags = 1;
    }
    let t = send(&state, &req, now);
    assert!(t.series.iter().all(|s| is_stale(s.samples[0].v)));
    assert!(state.is_empty());
    // The next point starts a new running total.
    let t = send(
        &state,
        &delta_counter(vec![delta_point(&[], at(2), at(3), 1.0)]),
        now,
    );
    assert_eq!(value(&t, "tokens_total", &[]), 1.0);
}

#[test]
fn idle_series_are_evicted() {
    let state = DeltaState::new(DeltaConfig {
        max_series: 100,
        idle_timeout: Duration::from_secs(60),
    });
    let t0 = Instant::now();
    send(
        &state,
        &delta_counter(vec![delta_point(&[("k", "old")], at(0), at(1), 5.0)]),
        t0,
    );
    send(
        &state,
        &delta_counter(vec![delta_point(&[("k", "new")], at(0), at(1), 5.0)]),
        t0 + Duration::from_secs(50),
    );
    assert_eq!(state.evict_idle_at(t0 + Duration::from_secs(61)), 1);
    assert_eq!(state.len(), 1);
    // The evicted series starts over from its next delta.
    let t = send(
        &state,
        &delta_counter(vec![delta_point(&[("k", "old")], at(1), at(2), 2.0)]),
        t0 + Duration::from_secs(62),
    );
    assert_eq!(value(&t, "tokens_total", &[("k", "old")]), 2.0);
    assert_eq!(state.evict_idle(), 0, "nothing idle by the real clock");
    // Translation sweeps by itself once half the timeout has passed.
    let t = send(
        &state,
        &delta_counter(vec![delta_point(&[("k", "x")], at(0), at(1), 1.0)]),
        t0 + Duration::from_secs(300),
    );
    assert_eq!(t.accepted_points, 1);
    assert_eq!(state.len(), 1, "old entries were swept during translation");
}

#[test]
fn the_series_cap_rejects_new_series_until_room_is_made() {
    let state = DeltaState::new(DeltaConfig {
        max_series: 2,
        idle_timeout: Duration::from_secs(60),
    });
    let t0 = Instant::now();
    let req = delta_counter(vec![
        delta_point(&[("k", "a")], at(0), at(1), 1.0),
        delta_point(&[("k", "b")], at(0), at(1), 1.0),
        delta_point(&[("k", "c")], at(0), at(1), 1.0),
    ]);
    let t = send(&state, &req, t0);
    assert_eq!((t.accepted_points, t.rejected_points), (2, 1));
    assert!(
        t.messages[0].contains("too many delta series"),
        "{:?}",
        t.messages
    );
    // Known series still update while full.
    let t = send(
        &state,
        &delta_counter(vec![delta_point(&[("k", "a")], at(1), at(2), 1.0)]),
        t0 + Duration::from_secs(20),
    );
    assert_eq!(value(&t, "tokens_total", &[("k", "a")]), 2.0);
    // Once "b" has been idle long enough, "c" gets its place.
    let t = send(
        &state,
        &delta_counter(vec![delta_point(&[("k", "c")], at(1), at(2), 7.0)]),
        t0 + Duration::from_secs(70),
    );
    assert_eq!(value(&t, "tokens_total", &[("k", "c")]), 7.0);
    assert_eq!(state.len(), 2);
}

#[test]
fn delta_state_is_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<DeltaState>();
    assert_eq!(DeltaState::default().config(), DeltaConfig::default());
}
