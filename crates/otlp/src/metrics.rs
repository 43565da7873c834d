//! OTLP metrics → Prometheus series, as Prometheus 3's OTLP receiver writes them, so that
//! PromQL and dashboards written for Prometheus work unchanged. The rules are those of
//! `docs/otel-to-prometheus.md` §1–§8.
//!
//! [`translate`] walks an `ExportMetricsServiceRequest` and returns a [`Translated`]: float
//! series (`name{labels}` with millisecond samples), one [`MetricMetadata`] per family,
//! exemplars, and what it rejected with short reasons for the response's `partial_success`.
//! A bad point, metric or resource never fails the whole request.
//!
//! | OTLP | Prometheus |
//! |---|---|
//! | Gauge | gauge `name` |
//! | Sum, monotonic | counter `name_total` (deltas accumulated by [`DeltaState`]) |
//! | Sum, non-monotonic | gauge `name` (a delta is stored as the gauge of its value) |
//! | Histogram | `name_bucket{le}`, `name_sum`, `name_count` (deltas accumulated) |
//! | Summary | `name{quantile}`, `name_sum`, `name_count` |
//! | ExponentialHistogram | rejected until native histograms are stored |
//!
//! Names follow the chosen [`TranslationStrategy`] (tokens, unit, `_total` and `_ratio`
//! suffixes, optional namespace); label names are sanitised with collisions joined by `;`;
//! attribute values of every type are rendered as the Go reference renders them; `job` and
//! `instance` come from `service.*`; each resource gets a `target_info`. Consecutive points
//! of one series within a metric share one [`SeriesSamples`] entry, so storage looks the
//! series up once; otherwise each point gets its own entries.

mod delta;
mod exemplars;
mod histograms;
mod labels;
mod naming;
mod options;
mod points;
mod resource;
mod units;
mod values;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use ahash::RandomState;
use model::{MetricMetadata, SeriesExemplars, SeriesSamples};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::ResourceMetrics;

pub use delta::{DeltaConfig, DeltaState};
pub use options::{MetricsOptions, TranslationStrategy};

use labels::{Interner, LabelNamer};
use resource::ResourceLabels;

/// Most distinct problems described in [`Translated::messages`]; the rest are counted.
const MAX_MESSAGES: usize = 32;

/// The outcome of translating one export request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Translated {
    /// Float series with their samples (stale markers included), `target_info` included.
    pub series: Vec<SeriesSamples>,
    /// Type, unit and help of each family written, once per family name.
    pub metadata: Vec<MetricMetadata>,
    /// Exemplars, attached to counter series and to histogram bucket series.
    pub exemplars: Vec<SeriesExemplars>,
    /// Data points translated.
    pub accepted_points: u64,
    /// Data points rejected (for `partial_success.rejected_data_points`).
    pub rejected_points: u64,
    /// Short descriptions of what was rejected or dropped, one per problem and metric,
    /// with counts.
    pub messages: Vec<String>,
}

impl Translated {
    /// A message for `partial_success.error_message`, or `None` when there is nothing to say.
    pub fn error_message(&self) -> Option<String> {
        (!self.messages.is_empty()).then(|| self.messages.join("; "))
    }
}

/// Translates a metrics export request; see the [module docs](self). `delta` carries the
/// running totals of delta series from one request to the next.
pub fn translate(
    req: &ExportMetricsServiceRequest,
    opts: &MetricsOptions,
    delta: &DeltaState,
) -> Translated {
    translate_at(req, opts, delta, Instant::now())
}

/// [`translate`] at a given instant (for the idle eviction of delta series).
pub(crate) fn translate_at(
    req: &ExportMetricsServiceRequest,
    opts: &MetricsOptions,
    delta: &DeltaState,
    now: Instant,
) -> Translated {
    let mut t = Translator {
        opts,
        delta,
        now,
        names: Interner::new(LabelNamer::new(opts)),
        out: Translated::default(),
        families: HashSet::default(),
        problems: Vec::new(),
        more_problems: 0,
    };
    for rm in &req.resource_metrics {
        t.resource(rm);
    }
    t.finish()
}

/// Converts a Unix time in nanoseconds to milliseconds, truncating.
pub(crate) fn ms(ns: u64) -> i64 {
    // u64::MAX / 10^6 fits in i64.
    i64::try_from(ns / 1_000_000).unwrap_or(i64::MAX)
}

/// The state of one translation.
#[derive(Debug)]
struct Translator<'a> {
    opts: &'a MetricsOptions,
    delta: &'a DeltaState,
    now: Instant,
    names: Interner<'a>,
    out: Translated,
    families: HashSet<Arc<str>, RandomState>,
    /// (metric, problem, points rejected).
    problems: Vec<(String, String, u64)>,
    more_problems: u64,
}

impl<'a> Translator<'a> {
    fn resource(&mut self, rm: &'a ResourceMetrics) {
        let attrs = rm.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
        let mut bad = Vec::new();
        let res = ResourceLabels::new(attrs, self.opts, &mut self.names, |m| bad.push(m));
        let (mut earliest, mut latest) = (u64::MAX, 0);
        for sm in &rm.scope_metrics {
            let scope = resource::scope_labels(sm, self.opts, &self.names, |m| bad.push(m));
            for metric in &sm.metrics {
                if let Some((lo, hi)) = points::time_range(metric) {
                    earliest = earliest.min(lo);
                    latest = latest.max(hi);
                }
                self.metric(metric, &res, &scope);
            }
        }
        for m in bad {
            self.problem("resource", m, 0);
        }
        if self.opts.target_info && earliest != u64::MAX {
            self.target_info(attrs, &res, (earliest, latest));
        }
    }

    fn target_info(&mut self, attrs: &'a [KeyValue], res: &ResourceLabels, span: (u64, u64)) {
        // Named like any gauge, so the namespace prefixes it too (`<ns>_target_info`).
        let family: Arc<str> =
            match naming::metric_name("target_info", "", naming::MetricKind::Gauge, self.opts) {
                Ok(name) => Arc::from(name),
                Err(_) => Arc::from("target_info"),
            };
        match resource::target_info(attrs, res, &family, span, self.opts, &mut self.names) {
            Ok(Some(series)) => {
                self.metadata(
                    &family,
                    model::MetricType::Gauge,
                    String::new(),
                    "Target metadata",
                );
                self.out.series.push(series);
            }
            Ok(None) => {}
            Err(e) => self.problem("target_info", format!("not written: {e}"), 0),
        }
    }

    /// Records one family's metadata, unless the family already has some.
    fn metadata(
        &mut self,
        family: &Arc<str>,
        metric_type: model::MetricType,
        unit: String,
        help: &str,
    ) {
        if self.families.insert(Arc::clone(family)) {
            self.out.metadata.push(MetricMetadata {
                family: family.to_string(),
                metric_type,
                unit,
                help: help.to_string(),
            });
        }
    }

    /// Counts `rejected` points of `metric` as rejected because of `what`.
    fn problem(&mut self, metric: &str, what: impl Into<String>, rejected: u64) {
        self.out.rejected_points += rejected;
        let what = what.into();
        if let Some(p) = self
            .problems
            .iter_mut()
            .find(|p| p.0 == metric && p.1 == what)
        {
            p.2 += rejected;
        } else if self.problems.len() < MAX_MESSAGES {
            self.problems.push((metric.to_string(), what, rejected));
        } else {
            self.more_problems += 1;
        }
    }

    fn finish(mut self) -> Translated {
        let mut messages: Vec<String> = self
            .problems
            .drain(..)
            .map(|(metric, what, n)| match n {
                0 => format!("{metric}: {what}"),
                1 => format!("{metric}: {what} (1 point rejected)"),
                n => format!("{metric}: {what} ({n} points rejected)"),
            })
            .collect();
        if self.more_problems > 0 {
            messages.push(format!("and {} more problems", self.more_problems));
        }
        self.out.messages = messages;
        self.out
    }
}
