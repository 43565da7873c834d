//! Tests of the metrics translation, by topic, with shared builders of OTLP requests.

mod delta;
mod labels;
mod merge;
mod naming;
mod points;
mod resource;
mod scenario;
mod units;

use std::time::Instant;

use model::{Label, SeriesSamples};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Exemplar, Gauge, Histogram, HistogramDataPoint, Metric,
    NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint, exemplar,
    metric::Data, number_data_point, summary_data_point::ValueAtQuantile,
};
use opentelemetry_proto::tonic::resource::v1::Resource;

use super::{DeltaState, MetricsOptions, Translated, translate_at};

/// 2026-01-01T00:00:00Z in nanoseconds.
pub(super) const T0: u64 = 1_767_225_600_000_000_000;
/// One second in nanoseconds.
pub(super) const SEC: u64 = 1_000_000_000;

pub(super) fn s(v: &str) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::StringValue(v.into())),
    }
}

pub(super) fn kv(key: &str, value: AnyValue) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(value),
        ..Default::default()
    }
}

/// String attributes.
pub(super) fn attrs(pairs: &[(&str, &str)]) -> Vec<KeyValue> {
    pairs.iter().map(|(k, v)| kv(k, s(v))).collect()
}

pub(super) fn num(attributes: Vec<KeyValue>, time: u64, v: f64) -> NumberDataPoint {
    NumberDataPoint {
        attributes,
        time_unix_nano: time,
        value: Some(number_data_point::Value::AsDouble(v)),
        ..Default::default()
    }
}

pub(super) fn metric(name: &str, unit: &str, data: Data) -> Metric {
    Metric {
        name: name.into(),
        unit: unit.into(),
        description: format!("{name} help"),
        data: Some(data),
        ..Default::default()
    }
}

pub(super) fn gauge(name: &str, unit: &str, points: Vec<NumberDataPoint>) -> Metric {
    metric(
        name,
        unit,
        Data::Gauge(Gauge {
            data_points: points,
        }),
    )
}

pub(super) fn sum(
    name: &str,
    unit: &str,
    monotonic: bool,
    temporality: AggregationTemporality,
    points: Vec<NumberDataPoint>,
) -> Metric {
    let data = Sum {
        data_points: points,
        aggregation_temporality: temporality as i32,
        is_monotonic: monotonic,
    };
    metric(name, unit, Data::Sum(data))
}

pub(super) fn counter(name: &str, unit: &str, points: Vec<NumberDataPoint>) -> Metric {
    sum(name, unit, true, AggregationTemporality::Cumulative, points)
}

pub(super) fn hist_point(
    attributes: Vec<KeyValue>,
    time: u64,
    bounds: &[f64],
    counts: &[u64],
    sum: Option<f64>,
) -> HistogramDataPoint {
    HistogramDataPoint {
        attributes,
        time_unix_nano: time,
        count: counts.iter().sum(),
        sum,
        bucket_counts: counts.to_vec(),
        explicit_bounds: bounds.to_vec(),
        ..Default::default()
    }
}

pub(super) fn histogram(
    name: &str,
    unit: &str,
    temporality: AggregationTemporality,
    points: Vec<HistogramDataPoint>,
) -> Metric {
    let data = Histogram {
        data_points: points,
        aggregation_temporality: temporality as i32,
    };
    metric(name, unit, Data::Histogram(data))
}

pub(super) fn summary(
    name: &str,
    attributes: Vec<KeyValue>,
    time: u64,
    quantiles: &[(f64, f64)],
) -> Metric {
    let point = SummaryDataPoint {
        attributes,
        time_unix_nano: time,
        count: 10,
        sum: 5.5,
        quantile_values: quantiles
            .iter()
            .map(|&(quantile, value)| ValueAtQuantile { quantile, value })
            .collect(),
        ..Default::default()
    };
    metric(
        name,
        "s",
        Data::Summary(Summary {
            data_points: vec![point],
        }),
    )
}

pub(super) fn ex(value: f64, time: u64, trace: u8, span: u8, filtered: Vec<KeyValue>) -> Exemplar {
    Exemplar {
        filtered_attributes: filtered,
        time_unix_nano: time,
        span_id: vec![span; 8],
        trace_id: vec![trace; 16],
        value: Some(exemplar::Value::AsDouble(value)),
    }
}

pub(super) fn scope(name: &str, metrics: Vec<Metric>) -> ScopeMetrics {
    ScopeMetrics {
        scope: Some(InstrumentationScope {
            name: name.into(),
            version: "1.0.0".into(),
            ..Default::default()
        }),
        metrics,
        schema_url: String::new(),
    }
}

pub(super) fn resource(attributes: Vec<KeyValue>, scopes: Vec<ScopeMetrics>) -> ResourceMetrics {
    ResourceMetrics {
        resource: Some(Resource {
            attributes,
            ..Default::default()
        }),
        scope_metrics: scopes,
        schema_url: String::new(),
    }
}

pub(super) fn request(resources: Vec<ResourceMetrics>) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: resources,
    }
}

/// A request with one resource (`service.name=svc`, `service.instance.id=i-1`) and one
/// scope holding `metrics`.
pub(super) fn simple(metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
    let res = attrs(&[("service.name", "svc"), ("service.instance.id", "i-1")]);
    request(vec![resource(res, vec![scope("test.scope", metrics)])])
}

pub(super) fn run(req: &ExportMetricsServiceRequest, opts: &MetricsOptions) -> Translated {
    let t = translate_at(req, opts, &DeltaState::default(), Instant::now());
    check_labels(&t);
    t
}

/// Every series and exemplar series has labels sorted by unique name, no empty values,
/// and a metric name.
pub(super) fn check_labels(t: &Translated) {
    let all = t
        .series
        .iter()
        .map(|s| &s.labels)
        .chain(t.exemplars.iter().map(|e| &e.labels));
    for labels in all {
        assert!(
            labels.windows(2).all(|w| w[0].name < w[1].name),
            "not sorted: {labels:?}"
        );
        assert!(
            labels.iter().all(|l| !l.value.is_empty()),
            "empty value: {labels:?}"
        );
        assert!(get(labels, "__name__").is_some(), "no name: {labels:?}");
    }
}

/// `run` with default options.
pub(super) fn run_default(metrics: Vec<Metric>) -> Translated {
    run(&simple(metrics), &MetricsOptions::default())
}

pub(super) fn get<'l>(labels: &'l [Label], name: &str) -> Option<&'l str> {
    labels.iter().find(|l| &*l.name == name).map(|l| &*l.value)
}

/// The metric name of a series.
pub(super) fn name_of(s: &SeriesSamples) -> &str {
    get(&s.labels, "__name__").unwrap_or("")
}

/// Sorted distinct metric names of the translated series.
pub(super) fn names(t: &Translated) -> Vec<String> {
    let mut v: Vec<String> = t.series.iter().map(|s| name_of(s).to_string()).collect();
    v.sort();
    v.dedup();
    v
}

/// The series called `name` whose labels include every pair of `with`.
pub(super) fn series<'t>(
    t: &'t Translated,
    name: &str,
    with: &[(&str, &str)],
) -> Vec<&'t SeriesSamples> {
    t.series
        .iter()
        .filter(|s| name_of(s) == name && with.iter().all(|(k, v)| get(&s.labels, k) == Some(*v)))
        .collect()
}

/// The only series called `name` with `with`; panics unless there is exactly one.
pub(super) fn one<'t>(t: &'t Translated, name: &str, with: &[(&str, &str)]) -> &'t SeriesSamples {
    let found = series(t, name, with);
    assert_eq!(found.len(), 1, "series {name} {with:?} in {:#?}", t.series);
    found[0]
}

/// The value of the only sample of the only series `name` with `with`.
pub(super) fn value(t: &Translated, name: &str, with: &[(&str, &str)]) -> f64 {
    let s = one(t, name, with);
    assert_eq!(s.samples.len(), 1);
    s.samples[0].v
}

/// `(name, value)` pairs of a series' labels, sorted by name.
pub(super) fn pairs(s: &SeriesSamples) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = s
        .labels
        .iter()
        .map(|l| (l.name.to_string(), l.value.to_string()))
        .collect();
    v.sort();
    v
}

/// Owned pairs from string pairs, sorted.
pub(super) fn owned(p: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = p
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}
