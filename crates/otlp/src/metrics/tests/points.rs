//! Each point type, stale markers, exemplars, metadata and rejections (§6).

use model::{MetricType, is_stale};
use opentelemetry_proto::tonic::metrics::v1::{
    ExponentialHistogram, ExponentialHistogramDataPoint, metric::Data,
};

use super::super::{MetricsOptions, TranslationStrategy};
use super::*;

const BOUNDS: [f64; 3] = [0.005, 1.0, 1000.0];

#[test]
fn gauges_with_double_and_int_values_and_truncated_timestamps() {
    let mut int = num(attrs(&[("k", "int")]), T0 + 1_999_999, 0.0);
    int.value = Some(number_data_point::Value::AsInt(-7));
    let t = run_default(vec![gauge(
        "temp",
        "Cel",
        vec![num(attrs(&[("k", "f")]), T0, 21.5), int],
    )]);
    assert_eq!(value(&t, "temp_celsius", &[("k", "f")]), 21.5);
    let s = one(&t, "temp_celsius", &[("k", "int")]);
    assert_eq!(
        s.samples,
        vec![model::Sample::new((T0 / 1_000_000) as i64 + 1, -7.0)]
    );
    let md = &t.metadata[0];
    assert_eq!(
        (
            md.family.as_str(),
            md.metric_type,
            md.unit.as_str(),
            md.help.as_str()
        ),
        ("temp_celsius", MetricType::Gauge, "celsius", "temp help")
    );
    assert_eq!((t.accepted_points, t.rejected_points), (2, 0));
    assert!(t.messages.is_empty() && t.error_message().is_none());
}

#[test]
fn monotonic_sums_are_counters_and_updown_sums_gauges() {
    let c = counter(
        "http.server.requests",
        "{request}",
        vec![num(attrs(&[("code", "200")]), T0, 12.0)],
    );
    let u = sum(
        "queue.depth",
        "1",
        false,
        AggregationTemporality::Cumulative,
        vec![num(vec![], T0, -3.0)],
    );
    let t = run_default(vec![c, u]);
    assert_eq!(
        value(&t, "http_server_requests_total", &[("code", "200")]),
        12.0
    );
    assert_eq!(value(&t, "queue_depth", &[]), -3.0);
    let types: Vec<_> = t
        .metadata
        .iter()
        .map(|m| (m.family.as_str(), m.metric_type))
        .collect();
    assert_eq!(
        types,
        vec![
            ("http_server_requests_total", MetricType::Counter),
            ("queue_depth", MetricType::Gauge)
        ]
    );
}

#[test]
fn histograms_write_cumulative_buckets_sum_and_count() {
    let p = hist_point(
        attrs(&[("route", "/")]),
        T0,
        &BOUNDS,
        &[1, 2, 3, 4],
        Some(1234.5),
    );
    let t = run_default(vec![histogram(
        "http.server.duration",
        "ms",
        AggregationTemporality::Cumulative,
        vec![p],
    )]);
    let name = "http_server_duration_milliseconds";
    let b = format!("{name}_bucket");
    for (le, want) in [("0.005", 1.0), ("1", 3.0), ("1000", 6.0), ("+Inf", 10.0)] {
        assert_eq!(
            value(&t, &b, &[("le", le), ("route", "/")]),
            want,
            "le={le}"
        );
    }
    assert_eq!(series(&t, &b, &[]).len(), 4);
    assert_eq!(value(&t, &format!("{name}_sum"), &[]), 1234.5);
    assert_eq!(value(&t, &format!("{name}_count"), &[]), 10.0);
    assert_eq!(
        get(&one(&t, &format!("{name}_sum"), &[]).labels, "le"),
        None
    );
    let md = &t.metadata[0];
    assert_eq!(
        (md.family.as_str(), md.metric_type, md.unit.as_str()),
        (name, MetricType::Histogram, "milliseconds")
    );
}

#[test]
fn histogram_edge_shapes() {
    let no_sum = hist_point(attrs(&[("c", "nosum")]), T0, &BOUNDS, &[1, 1, 1, 1], None);
    let short_counts = hist_point(
        attrs(&[("c", "short")]),
        T0,
        &[1.0, 2.0, 3.0],
        &[1, 1],
        None,
    );
    let long_counts = hist_point(attrs(&[("c", "long")]), T0, &[1.0], &[1, 2, 3], None);
    let no_buckets = HistogramDataPoint {
        count: 5,
        ..hist_point(attrs(&[("c", "none")]), T0, &[], &[], None)
    };
    let h = histogram(
        "h",
        "",
        AggregationTemporality::Cumulative,
        vec![no_sum, short_counts, long_counts, no_buckets],
    );
    let t = run_default(vec![h]);
    assert!(series(&t, "h_sum", &[]).is_empty());
    let les = |c: &str| -> Vec<(String, f64)> {
        series(&t, "h_bucket", &[("c", c)])
            .iter()
            .map(|s| {
                (
                    get(&s.labels, "le").unwrap_or("").to_string(),
                    s.samples[0].v,
                )
            })
            .collect()
    };
    assert_eq!(
        les("short"),
        vec![("1".into(), 1.0), ("2".into(), 2.0), ("+Inf".into(), 2.0)]
    );
    assert_eq!(les("long"), vec![("1".into(), 1.0), ("+Inf".into(), 6.0)]);
    assert_eq!(les("none"), vec![("+Inf".into(), 5.0)]);
    assert_eq!(value(&t, "h_count", &[("c", "none")]), 5.0);
}

#[test]
fn le_and_quantile_attributes_are_overwritten_on_their_series_only() {
    let a = attrs(&[("le", "x"), ("quantile", "y"), ("A", "upper"), ("_z", "1")]);
    let h = hist_point(a.clone(), T0, &[1.0], &[1, 1], Some(1.0));
    let t = run_default(vec![
        histogram("h", "", AggregationTemporality::Cumulative, vec![h]),
        summary("s", a, T0, &[(0.5, 1.0)]),
    ]);
    let b = one(&t, "h_bucket", &[("le", "1")]);
    assert_eq!(get(&b.labels, "quantile"), Some("y"));
    assert_eq!(series(&t, "h_bucket", &[]).len(), 2);
    assert_eq!(get(&one(&t, "h_sum", &[]).labels, "le"), Some("x"));
    let q = one(&t, "s_seconds", &[("quantile", "0.5")]);
    assert_eq!(
        (
            get(&q.labels, "le"),
            get(&q.labels, "A"),
            get(&q.labels, "key_z")
        ),
        (Some("x"), Some("upper"), Some("1"))
    );
}

#[test]
fn summaries_write_quantiles_sum_and_count() {
    let t = run_default(vec![summary(
        "rpc.latency",
        attrs(&[("m", "get")]),
        T0,
        &[(0.5, 0.1), (0.99, 0.9), (1.0, 2.0)],
    )]);
    for (q, want) in [("0.5", 0.1), ("0.99", 0.9), ("1", 2.0)] {
        assert_eq!(
            value(&t, "rpc_latency_seconds", &[("quantile", q), ("m", "get")]),
            want
        );
    }
    assert_eq!(value(&t, "rpc_latency_seconds_sum", &[]), 5.5);
    assert_eq!(value(&t, "rpc_latency_seconds_count", &[]), 10.0);
    assert_eq!(t.metadata[0].metric_type, MetricType::Summary);
}

#[test]
fn no_recorded_value_writes_stale_markers_on_every_series() {
    let stale = |mut p: NumberDataPoint| {
        p.flags = 1;
        p
    };
    let mut h = hist_point(vec![], T0, &BOUNDS, &[1, 2, 3, 4], Some(1.0));
    h.flags = 1;
    h.exemplars = vec![ex(0.001, T0, 1, 2, vec![])];
    let mut c = num(vec![], T0, 5.0);
    c.exemplars = vec![ex(1.0, T0, 1, 2, vec![])];
    let mut sm = summary("sm", vec![], T0, &[(0.5, 1.0)]);
    if let Some(Data::Summary(s)) = sm.data.as_mut() {
        s.data_points[0].flags = 1;
    }
    let mut no_value = num(attrs(&[("v", "none")]), T0, 0.0);
    no_value.value = None;
    let t = run_default(vec![
        gauge("g", "", vec![stale(num(vec![], T0, 1.0)), stale(no_value)]),
        counter("c", "", vec![stale(c)]),
        histogram("h", "", AggregationTemporality::Cumulative, vec![h]),
        sm,
    ]);
    let metric_series: Vec<_> = t
        .series
        .iter()
        .filter(|s| name_of(s) != "target_info")
        .collect();
    // g twice, c_total, h: sum + count + 4 buckets, sm: sum + count + 1 quantile.
    assert_eq!(metric_series.len(), 12);
    assert_eq!(t.rejected_points, 0, "a stale point needs no value");
    for s in metric_series {
        assert!(is_stale(s.samples[0].v), "{:?}", s.labels);
    }
    assert!(t.exemplars.is_empty(), "no exemplars on stale points");
}

#[test]
fn histogram_exemplars_go_to_the_first_bucket_at_or_above_their_value() {
    let mut p = hist_point(vec![], T0, &BOUNDS, &[1, 2, 3, 4], Some(1.0));
    p.exemplars = vec![
        ex(0.003, T0 - SEC, 0x0a, 0x0b, vec![]),
        ex(1.0, T0, 0xab, 0xcd, vec![]),
        ex(5.0, T0, 3, 3, vec![]),
        ex(5000.0, T0, 4, 4, vec![]),
        ex(f64::NAN, T0, 5, 5, vec![]),
    ];
    let t = run_default(vec![histogram(
        "h",
        "",
        AggregationTemporality::Cumulative,
        vec![p],
    )]);
    let at = |le: &str| -> Vec<f64> {
        t.exemplars
            .iter()
            .filter(|e| get(&e.labels, "le") == Some(le))
            .flat_map(|e| e.exemplars.iter().map(|x| x.value))
            .collect()
    };
    assert_eq!(at("0.005"), vec![0.003]);
    assert_eq!(at("1"), vec![1.0]);
    assert_eq!(at("1000"), vec![5.0]);
    assert_eq!(at("+Inf"), vec![5000.0]);
    assert!(
        t.exemplars
            .iter()
            .all(|e| get(&e.labels, "__name__") == Some("h_bucket"))
    );
    let first = &t
        .exemplars
        .iter()
        .find(|e| get(&e.labels, "le") == Some("0.005"))
        .expect("exemplar")
        .exemplars[0];
    assert_eq!(first.labels.get("trace_id"), Some("0a".repeat(16).as_str()));
    assert_eq!(first.labels.get("span_id"), Some("0b".repeat(8).as_str()));
    assert_eq!(first.t, ((T0 - SEC) / 1_000_000) as i64);
    let second = &t
        .exemplars
        .iter()
        .find(|e| get(&e.labels, "le") == Some("1"))
        .expect("exemplar")
        .exemplars[0];
    assert_eq!(
        second.labels.get("trace_id"),
        Some("ab".repeat(16).as_str())
    );
}

#[test]
fn counter_exemplars_with_filtered_attributes_under_the_rune_limit() {
    let short = vec![kv("user.id", s("u1"))];
    let long = vec![kv("payload", s(&"x".repeat(100)))];
    let mut p = num(vec![], T0, 3.0);
    let mut int = ex(0.0, T0, 1, 2, short);
    int.value = Some(exemplar::Value::AsInt(2));
    let no_ids = Exemplar {
        trace_id: vec![],
        span_id: vec![0; 8],
        ..ex(1.0, T0, 0, 0, vec![])
    };
    p.exemplars = vec![int, ex(1.0, T0, 1, 2, long), no_ids];
    let mut g = num(vec![], T0, 1.0);
    g.exemplars = vec![ex(1.0, T0, 1, 2, vec![])];
    let mut u = num(vec![], T0, 1.0);
    u.exemplars = vec![ex(1.0, T0, 1, 2, vec![])];
    let t = run_default(vec![
        counter("c", "", vec![p]),
        gauge("g", "", vec![g]),
        sum("u", "", false, AggregationTemporality::Cumulative, vec![u]),
    ]);
    assert_eq!(t.exemplars.len(), 1, "only the counter keeps exemplars");
    let se = &t.exemplars[0];
    assert_eq!(get(&se.labels, "__name__"), Some("c_total"));
    let names =
        |i: usize| -> Vec<&str> { se.exemplars[i].labels.iter().map(|l| &*l.name).collect() };
    assert_eq!(se.exemplars[0].value, 2.0);
    assert_eq!(names(0), vec!["span_id", "trace_id", "user_id"]);
    assert_eq!(
        names(1),
        vec!["span_id", "trace_id"],
        "too long: attributes dropped"
    );
    assert!(names(2).is_empty(), "missing and zero ids are left out");
}

#[test]
fn rejections_are_counted_with_messages() {
    let exp = metric(
        "latency",
        "s",
        Data::ExponentialHistogram(ExponentialHistogram {
            data_points: vec![
                ExponentialHistogramDataPoint {
                    time_unix_nano: T0,
                    ..Default::default()
                };
                3
            ],
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
        }),
    );
    let no_data = Metric {
        name: "nodata".into(),
        ..Default::default()
    };
    let mut no_value = num(vec![], T0, 0.0);
    no_value.value = None;
    let unspecified = sum(
        "unspec",
        "",
        true,
        AggregationTemporality::Unspecified,
        vec![num(vec![], T0, 1.0)],
    );
    let bad_name = gauge("...", "", vec![num(vec![], T0, 1.0), num(vec![], T0, 2.0)]);
    let no_time = num(vec![], 0, 1.0);
    let t = run_default(vec![
        exp,
        no_data,
        gauge("empty", "", vec![]),
        gauge("novalue", "", vec![no_value]),
        unspecified,
        bad_name,
        gauge("notime", "", vec![no_time]),
    ]);
    assert_eq!(t.rejected_points, 3 + 1 + 1 + 2 + 1);
    assert_eq!(t.accepted_points, 0);
    assert_eq!(
        names(&t),
        Vec::<String>::new(),
        "nothing written, not even target_info"
    );
    assert!(t.metadata.is_empty());
    let expected = [
        "latency: exponential histograms are not supported yet (native histograms) (3 points rejected)",
        "nodata: metric has no data (no gauge, sum, histogram or summary)",
        "empty: metric has no data points",
        "novalue: data point has no value (1 point rejected)",
        "unspec: aggregation temporality is unspecified (1 point rejected)",
        "...: metric name \"...\" is empty after translation (2 points rejected)",
        "notime: data point has no timestamp (1 point rejected)",
    ];
    assert_eq!(t.messages, expected);
    assert_eq!(t.error_message(), Some(expected.join("; ")));
}

#[test]
fn messages_are_capped() {
    let metrics = (0..40)
        .map(|i| gauge(&format!("m{i}"), "", vec![]))
        .collect();
    let t = run_default(metrics);
    assert_eq!(t.messages.len(), 33);
    assert_eq!(t.messages[32], "and 8 more problems");
}

#[test]
fn metadata_once_per_family() {
    let a = gauge("g", "", vec![num(attrs(&[("s", "a")]), T0, 1.0)]);
    let b = gauge("g", "", vec![num(attrs(&[("s", "b")]), T0, 2.0)]);
    let res = attrs(&[("service.name", "svc"), ("host.name", "h")]);
    let req = request(vec![
        resource(
            res.clone(),
            vec![scope("one", vec![a.clone()]), scope("two", vec![b])],
        ),
        resource(res, vec![scope("one", vec![a])]),
    ]);
    let t = run(&req, &MetricsOptions::default());
    let families: Vec<&str> = t.metadata.iter().map(|m| m.family.as_str()).collect();
    assert_eq!(families, vec!["g", "target_info"]);
    assert_eq!(series(&t, "g", &[]).len(), 3, "points are not merged");
    assert_eq!(series(&t, "target_info", &[]).len(), 2);
}

#[test]
fn utf8_strategy_end_to_end() {
    let opts = MetricsOptions {
        strategy: TranslationStrategy::NoUTF8EscapingWithSuffixes,
        ..Default::default()
    };
    let p = hist_point(
        attrs(&[("http.method", "GET")]),
        T0,
        &[1.0],
        &[1, 1],
        Some(1.0),
    );
    let t = run(
        &simple(vec![histogram(
            "http.server.duration",
            "ms",
            AggregationTemporality::Cumulative,
            vec![p],
        )]),
        &opts,
    );
    assert_eq!(
        value(
            &t,
            "http.server.duration_milliseconds_bucket",
            &[("le", "1"), ("http.method", "GET")]
        ),
        1.0
    );
    assert_eq!(t.metadata[0].family, "http.server.duration_milliseconds");
}
