//! Metric metadata and exemplars: what ingest knows about a metric family beyond its samples.

use std::fmt;

use crate::labels::{Label, Labels};

/// The type of a metric family, as the Prometheus API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MetricType {
    /// A monotonically increasing total.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Bucketed observations (`_bucket`, `_sum`, `_count`).
    Histogram,
    /// A histogram whose buckets go up and down.
    GaugeHistogram,
    /// Quantiles of observations (`{quantile}`, `_sum`, `_count`).
    Summary,
    /// Constant information (value 1).
    Info,
    /// A set of boolean states.
    StateSet,
    /// Not known.
    #[default]
    Unknown,
}

impl MetricType {
    /// The lowercase name used by the Prometheus API and exposition format.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Type, unit and help text of one metric family (e.g. `http_server_duration_milliseconds`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetricMetadata {
    /// The family name: the metric name without `_bucket`/`_sum`/`_count`/`_total` series
    /// suffixes where Prometheus strips them (`_total` stays for OTLP counters, as in
    /// Prometheus's OTLP receiver).
    pub family: String,
    /// Its type.
    pub metric_type: MetricType,
    /// Its unit (`milliseconds`, `bytes_per_second`, or empty).
    pub unit: String,
    /// Its description.
    pub help: String,
}

/// A sample that points at a trace: the value and time of one observation and the labels
/// (`trace_id`, `span_id`, filtered attributes) that identify it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exemplar {
    /// Exemplar labels, typically `trace_id` and `span_id` in lowercase hex.
    pub labels: Labels,
    /// The observed value.
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    pub t: i64,
}

/// Exemplars of one series, as ingest produces them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesExemplars {
    /// The series' labels (any order; validated by the store like sample labels).
    pub labels: Vec<Label>,
    /// Its exemplars.
    pub exemplars: Vec<Exemplar>,
}
