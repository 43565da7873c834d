//! Metrics and their data points → series: the dispatch per metric type and temporality,
//! and the series each point type writes (`docs/otel-to-prometheus.md` §6–§7).

use std::sync::Arc;

use model::{Label, MetricType, Sample, SeriesSamples, stale_nan};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Metric, NumberDataPoint, SummaryDataPoint, metric::Data,
    number_data_point,
};

use super::labels::{self, Layout};
use super::naming::{self, MetricKind};
use super::resource::{self, ResourceLabels};
use super::{Translator, units, values};

/// `DataPointFlags.FLAG_NO_RECORDED_VALUE`: the series has no value now (it ended).
pub(super) const NO_RECORDED_VALUE: u32 = 1;

/// The earliest and latest point time of `metric` in nanoseconds, if it has points.
pub(super) fn time_range(metric: &Metric) -> Option<(u64, u64)> {
    fn range(times: impl Iterator<Item = u64>) -> Option<(u64, u64)> {
        times.fold(None, |acc, t| match acc {
            None => Some((t, t)),
            Some((lo, hi)) => Some((lo.min(t), hi.max(t))),
        })
    }
    match metric.data.as_ref()? {
        Data::Gauge(g) => range(g.data_points.iter().map(|p| p.time_unix_nano)),
        Data::Sum(s) => range(s.data_points.iter().map(|p| p.time_unix_nano)),
        Data::Histogram(h) => range(h.data_points.iter().map(|p| p.time_unix_nano)),
        Data::ExponentialHistogram(h) => range(h.data_points.iter().map(|p| p.time_unix_nano)),
        Data::Summary(s) => range(s.data_points.iter().map(|p| p.time_unix_nano)),
    }
}

/// How a number point's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberMode {
    /// As is, no exemplars.
    Gauge,
    /// As is, with exemplars.
    Counter,
    /// Added to the running total of its series, with exemplars.
    DeltaCounter,
}

/// The per-metric context shared by its points.
pub(super) struct Family<'a> {
    /// The family name (`…_total` for counters).
    pub(super) name: Arc<str>,
    /// The OTel name, for messages.
    pub(super) otel: &'a str,
}

impl<'a> Translator<'a> {
    /// Translates one metric.
    pub(super) fn metric(&mut self, m: &'a Metric, res: &ResourceLabels, scope: &[Label]) {
        let Some(data) = &m.data else {
            self.problem(
                &m.name,
                "metric has no data (no gauge, sum, histogram or summary)",
                0,
            );
            return;
        };
        let (kind, temporality, points) = match data {
            Data::Gauge(g) => (MetricKind::Gauge, None, g.data_points.len()),
            Data::Sum(s) if s.is_monotonic => (
                MetricKind::MonotonicSum,
                Some(s.aggregation_temporality),
                s.data_points.len(),
            ),
            Data::Sum(s) => (
                MetricKind::NonMonotonicSum,
                Some(s.aggregation_temporality),
                s.data_points.len(),
            ),
            Data::Histogram(h) => (
                MetricKind::Histogram,
                Some(h.aggregation_temporality),
                h.data_points.len(),
            ),
            Data::ExponentialHistogram(h) => {
                (MetricKind::ExponentialHistogram, None, h.data_points.len())
            }
            Data::Summary(s) => (MetricKind::Summary, None, s.data_points.len()),
        };
        let n = points as u64;
        if points == 0 {
            self.problem(&m.name, "metric has no data points", 0);
            return;
        }
        if kind == MetricKind::ExponentialHistogram {
            self.problem(
                &m.name,
                "exponential histograms are not supported yet (native histograms)",
                n,
            );
            return;
        }
        let delta = match temporality.map(AggregationTemporality::try_from) {
            None | Some(Ok(AggregationTemporality::Cumulative)) => false,
            Some(Ok(AggregationTemporality::Delta)) => true,
            Some(_) => {
                self.problem(&m.name, "aggregation temporality is unspecified", n);
                return;
            }
        };
        let name = match naming::metric_name(&m.name, &m.unit, kind, self.opts) {
            Ok(name) => Arc::from(name),
            Err(e) => {
                self.problem(&m.name, e, n);
                return;
            }
        };
        let family = Family {
            name,
            otel: &m.name,
        };
        let before = self.out.accepted_points;
        let metric_type = match data {
            Data::Gauge(g) => {
                self.numbers(&family, &g.data_points, NumberMode::Gauge, res, scope);
                MetricType::Gauge
            }
            Data::Sum(s) if s.is_monotonic => {
                let mode = if delta {
                    NumberMode::DeltaCounter
                } else {
                    NumberMode::Counter
                };
                self.numbers(&family, &s.data_points, mode, res, scope);
                MetricType::Counter
            }
            Data::Sum(s) => {
                self.numbers(&family, &s.data_points, NumberMode::Gauge, res, scope);
                MetricType::Gauge
            }
            Data::Histogram(h) => {
                self.histograms(&family, &h.data_points, delta, res, scope);
                MetricType::Histogram
            }
            Data::Summary(s) => {
                self.summaries(&family, &s.data_points, res, scope);
                MetricType::Summary
            }
            Data::ExponentialHistogram(_) => return,
        };
        if self.out.accepted_points > before {
            let unit = units::unit_metadata(&m.unit, self.opts.strategy.escapes());
            self.metadata(&family.name, metric_type, unit, &m.description);
        }
    }

    /// The labels of a point without `__name__`, or `None` after reporting it rejected.
    pub(super) fn base_labels(
        &mut self,
        family: &Family<'_>,
        attrs: &'a [opentelemetry_proto::tonic::common::v1::KeyValue],
        time_ns: u64,
        res: &ResourceLabels,
        scope: &[Label],
    ) -> Option<Vec<Label>> {
        if time_ns == 0 {
            self.problem(family.otel, "data point has no timestamp", 1);
            return None;
        }
        match resource::point_labels(&mut self.names, attrs, res, scope) {
            Ok(l) => Some(l),
            Err(e) => {
                self.problem(family.otel, e, 1);
                None
            }
        }
    }

    /// Appends a series with one sample.
    pub(super) fn push(&mut self, labels: Vec<Label>, t: i64, v: f64) {
        self.out.series.push(SeriesSamples {
            labels,
            samples: vec![Sample::new(t, v)],
        });
    }

    fn numbers(
        &mut self,
        family: &Family<'_>,
        points: &'a [NumberDataPoint],
        mode: NumberMode,
        res: &ResourceLabels,
        scope: &[Label],
    ) {
        // The attributes and output index of the last series written: a point with the same
        // attributes belongs to the same series, so its sample joins that entry instead of
        // building the labels again and costing storage another series lookup.
        let mut last: Option<(&'a [KeyValue], usize)> = None;
        for p in points {
            let stale = p.flags & NO_RECORDED_VALUE != 0;
            let v = match p.value {
                Some(number_data_point::Value::AsDouble(v)) => v,
                Some(number_data_point::Value::AsInt(i)) => i as f64,
                // A point flagged "no recorded value" need not carry one.
                None if stale => stale_nan(),
                None => {
                    self.problem(family.otel, "data point has no value", 1);
                    continue;
                }
            };
            let at = match last {
                Some((attrs, at)) if attrs == &p.attributes[..] && p.time_unix_nano != 0 => at,
                _ => {
                    let Some(mut labels) =
                        self.base_labels(family, &p.attributes, p.time_unix_nano, res, scope)
                    else {
                        continue;
                    };
                    labels::set(
                        &mut labels,
                        &self.names.metric_name,
                        Arc::clone(&family.name),
                    );
                    self.out.series.push(SeriesSamples {
                        labels,
                        samples: Vec::with_capacity(1),
                    });
                    self.out.series.len() - 1
                }
            };
            let key = &self.out.series[at].labels;
            let v = match (mode, stale) {
                (_, true) => {
                    if mode == NumberMode::DeltaCounter {
                        self.delta.forget(key);
                    }
                    Ok(stale_nan())
                }
                (NumberMode::DeltaCounter, false) => {
                    let window = (p.start_time_unix_nano, p.time_unix_nano);
                    self.delta.add_sum(key, window, v, self.now)
                }
                _ => Ok(v),
            };
            let v = match v {
                Ok(v) => v,
                Err(e) => {
                    // A series entry made for this point alone goes again.
                    if self.out.series[at].samples.is_empty() {
                        self.out.series.pop();
                        last = None;
                    }
                    self.problem(family.otel, e.message(), 1);
                    continue;
                }
            };
            let t = super::ms(p.time_unix_nano);
            self.out.series[at].samples.push(Sample::new(t, v));
            last = Some((&p.attributes[..], at));
            let exemplars = if mode != NumberMode::Gauge && !stale {
                self.exemplars(&p.exemplars)
            } else {
                Vec::new()
            };
            if !exemplars.is_empty() {
                self.out.exemplars.push(model::SeriesExemplars {
                    labels: self.out.series[at].labels.clone(),
                    exemplars,
                });
            }
            self.out.accepted_points += 1;
        }
    }

    fn summaries(
        &mut self,
        family: &Family<'_>,
        points: &'a [SummaryDataPoint],
        res: &ResourceLabels,
        scope: &[Label],
    ) {
        let sum_name: Arc<str> = Arc::from(format!("{}_sum", family.name));
        let count_name: Arc<str> = Arc::from(format!("{}_count", family.name));
        for p in points {
            let Some(base) = self.base_labels(family, &p.attributes, p.time_unix_nano, res, scope)
            else {
                continue;
            };
            let stale = p.flags & NO_RECORDED_VALUE != 0;
            let value = |v: f64| if stale { stale_nan() } else { v };
            let t = super::ms(p.time_unix_nano);
            let plain = Layout::new(&base, &[&self.names.metric_name]);
            let with_q = Layout::new(&base, &[&self.names.metric_name, &self.names.quantile]);
            self.push(plain.build(&base, &[&sum_name]), t, value(p.sum));
            self.push(plain.build(&base, &[&count_name]), t, value(p.count as f64));
            for q in &p.quantile_values {
                let quantile = Arc::from(values::le(q.quantile));
                let labels = with_q.build(&base, &[&family.name, &quantile]);
                self.push(labels, t, value(q.value));
            }
            self.out.accepted_points += 1;
        }
    }
}
