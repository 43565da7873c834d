//! What the server must answer, derived from the workload's summary: the summary's shape
//! (see the top of `tests/python/workload.py`), the series each instrument becomes, and
//! Prometheus' own arithmetic for `rate()` and `histogram_quantile()` (restated in
//! `../shared/docs/promql-semantics.md` §5.1 and §10) to compute expected query results.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

/// A label set without `__name__`.
pub(crate) type Labels = BTreeMap<String, String>;

/// The JSON summary printed by `workload.py`.
#[derive(Debug, Deserialize)]
pub(crate) struct Summary {
    pub(crate) exports: BTreeMap<String, Calls>,
    pub(crate) resources: Vec<Resource>,
    pub(crate) metrics: Vec<Metric>,
    pub(crate) traces: Traces,
}

/// Export calls of one signal.
#[derive(Debug, Deserialize)]
pub(crate) struct Calls {
    pub(crate) ok: u64,
    pub(crate) failed: u64,
}

/// One simulated service.
#[derive(Debug, Deserialize)]
pub(crate) struct Resource {
    pub(crate) service: String,
    pub(crate) instance: String,
    pub(crate) job: String,
}

/// One instrument and everything recorded on it.
#[derive(Debug, Deserialize)]
pub(crate) struct Metric {
    pub(crate) name: String,
    pub(crate) prom: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) prom_type: String,
    pub(crate) prom_unit: String,
    pub(crate) help: String,
    pub(crate) service: String,
    #[serde(default)]
    pub(crate) bounds: Vec<f64>,
    pub(crate) series: Vec<Series>,
}

/// One attribute set of an instrument.
#[derive(Debug, Deserialize)]
pub(crate) struct Series {
    pub(crate) attributes: BTreeMap<String, Value>,
    #[serde(default)]
    pub(crate) count: Option<f64>,
    #[serde(default)]
    pub(crate) sum: Option<f64>,
    #[serde(default)]
    pub(crate) bucket_counts: Option<Vec<f64>>,
    #[serde(default)]
    pub(crate) value: Option<f64>,
    /// What the warm-up export held: the same fields for histograms, a number otherwise;
    /// null when the series did not exist yet.
    pub(crate) baseline: Value,
}

/// The trace side of the summary.
#[derive(Debug, Deserialize)]
pub(crate) struct Traces {
    pub(crate) count: usize,
    pub(crate) list: Vec<TraceRow>,
    pub(crate) failed_tool_call_trace_ids: Vec<String>,
}

/// One trace.
#[derive(Debug, Deserialize)]
pub(crate) struct TraceRow {
    pub(crate) trace_id: String,
}

impl Summary {
    /// The `job` and `instance` labels of a service's series.
    fn resource(&self, service: &str) -> &Resource {
        self.resources
            .iter()
            .find(|r| r.service == service)
            .unwrap_or_else(|| panic!("no resource {service} in the summary"))
    }

    /// The instrument called `name`.
    pub(crate) fn metric(&self, name: &str) -> &Metric {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("no metric {name} in the summary"))
    }

    /// Every trace id.
    pub(crate) fn trace_ids(&self) -> BTreeSet<String> {
        self.traces
            .list
            .iter()
            .map(|t| t.trace_id.clone())
            .collect()
    }

    /// The series a metric's samples land in: (family with suffix, labels) → (final value,
    /// warm-up value if the series existed then), for every suffix the type writes.
    pub(crate) fn expected(&self, m: &Metric) -> BTreeMap<(String, Labels), (f64, Option<f64>)> {
        let res = self.resource(&m.service);
        let mut out = BTreeMap::new();
        for s in &m.series {
            let mut labels: Labels = s
                .attributes
                .iter()
                .map(|(k, v)| (label_name(k), label_value(v)))
                .collect();
            labels.insert("job".into(), res.job.clone());
            labels.insert("instance".into(), res.instance.clone());
            if m.kind != "histogram" {
                let value = s.value.expect("value");
                out.insert((m.prom.clone(), labels), (value, s.baseline.as_f64()));
                continue;
            }
            let base = |field: &str| s.baseline.get(field).filter(|v| !v.is_null());
            let field = |f: &str| base(f).and_then(Value::as_f64);
            let count = s.count.expect("count");
            let sum = s.sum.expect("sum");
            out.insert(
                (format!("{}_count", m.prom), labels.clone()),
                (count, field("count")),
            );
            out.insert(
                (format!("{}_sum", m.prom), labels.clone()),
                (sum, field("sum")),
            );
            let buckets = s.bucket_counts.as_ref().expect("bucket_counts");
            let base_buckets: Option<Vec<f64>> = base("bucket_counts")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_f64).collect());
            let (mut acc, mut base_acc) = (0.0, 0.0);
            for (i, n) in buckets.iter().enumerate() {
                acc += n;
                base_acc += base_buckets.as_ref().map_or(0.0, |b| b[i]);
                let le = m
                    .bounds
                    .get(i)
                    .map_or("+Inf".to_string(), |b| format!("{b}"));
                let mut l = labels.clone();
                l.insert("le".into(), le);
                let first = base_buckets.is_some().then_some(base_acc);
                out.insert((format!("{}_bucket", m.prom), l), (acc, first));
            }
        }
        out
    }
}

/// An attribute key as a label name (the workload only uses `[a-z0-9._]`).
fn label_name(key: &str) -> String {
    key.replace('.', "_")
}

/// An attribute value as Prometheus renders it: strings as-is, bools and integers in text.
fn label_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `rate(x[range])` at `t` over the samples `(ms, value)` in the window, as Prometheus
/// computes it (reset correction, extrapolation capped at half an interval and at zero).
pub(crate) fn rate(samples: &[(i64, f64)], t_ms: i64, range_ms: i64) -> Option<f64> {
    let (first, last) = (samples.first()?, samples.last()?);
    if samples.len() < 2 {
        return None;
    }
    let mut result = last.1 - first.1;
    for w in samples.windows(2) {
        if w[1].1 < w[0].1 {
            result += w[0].1;
        }
    }
    let range_start = t_ms - range_ms;
    let mut to_start = (first.0 - range_start) as f64 / 1000.0;
    let mut to_end = (t_ms - last.0) as f64 / 1000.0;
    let sampled = (last.0 - first.0) as f64 / 1000.0;
    let avg = sampled / (samples.len() - 1) as f64;
    if to_start >= avg * 1.1 {
        to_start = avg / 2.0;
    }
    if result > 0.0 && first.1 >= 0.0 {
        to_start = to_start.min(sampled * (first.1 / result));
    }
    if to_end >= avg * 1.1 {
        to_end = avg / 2.0;
    }
    let factor = (sampled + to_start + to_end) / sampled / (range_ms as f64 / 1000.0);
    Some(result * factor)
}

/// `histogram_quantile(q, …)` of one group of classic buckets `(upper bound, value)`.
pub(crate) fn bucket_quantile(q: f64, mut buckets: Vec<(f64, f64)>) -> f64 {
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    if buckets.len() < 2 || buckets.last().map(|b| b.0) != Some(f64::INFINITY) {
        return f64::NAN;
    }
    // Force monotonicity as Prometheus does (values within 1e-12 count as equal).
    let mut prev = buckets[0].1;
    for b in buckets.iter_mut().skip(1) {
        if b.1 == prev {
            continue;
        }
        if b.1 < prev || ((b.1 - prev).abs() / prev.abs().max(b.1.abs())) <= 1e-12 {
            b.1 = prev;
            continue;
        }
        prev = b.1;
    }
    let total = buckets[buckets.len() - 1].1;
    if total == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * total;
    let last = buckets.len() - 1;
    let b = buckets[..last]
        .iter()
        .position(|x| x.1 >= rank)
        .unwrap_or(last);
    if b == last {
        return buckets[last - 1].0;
    }
    if b == 0 && buckets[0].0 <= 0.0 {
        return buckets[0].0;
    }
    let (lo, below) = if b == 0 {
        (0.0, 0.0)
    } else {
        (buckets[b - 1].0, buckets[b - 1].1)
    };
    rank -= below;
    lo + (buckets[b].0 - lo) * rank / (buckets[b].1 - below)
}

/// Whether two query results agree: equal, both NaN, or within a relative `tol`.
pub(crate) fn close(a: f64, b: f64, tol: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol * a.abs().max(b.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_matches_the_worked_example_of_the_semantics_doc() {
        // Samples every 10 s with value = t in s; rate(x[1m]) at 8000 s is 1.
        let samples: Vec<(i64, f64)> = (795..=800).map(|k| (k * 10_000, k as f64 * 10.0)).collect();
        let r = rate(&samples, 8_000_000, 60_000).expect("rate");
        assert!(close(r, 1.0, 1e-12), "{r}");
    }

    #[test]
    fn quantile_interpolates_inside_a_bucket_and_caps_at_the_highest_bound() {
        let b = vec![(1.0, 10.0), (2.0, 20.0), (f64::INFINITY, 20.0)];
        assert!(close(bucket_quantile(0.75, b.clone()), 1.5, 1e-12));
        let b = vec![(1.0, 0.0), (2.0, 0.0), (f64::INFINITY, 4.0)];
        assert_eq!(bucket_quantile(0.5, b), 2.0);
        assert!(bucket_quantile(0.5, vec![(1.0, 0.0), (f64::INFINITY, 0.0)]).is_nan());
    }
}
