//! `histogram_quantile`, `histogram_quantiles` and `histogram_fraction` over classic
//! histograms: series grouped by their labels minus `le`, one bucket per series.

use std::collections::HashMap;

use model::{Labels, Querier};

use super::error::{Error, Result};
use super::eval::{ABSENT, Evaluator, Grid, OutBuilder, Series, is_absent};
use super::functions::format_go_g;
use crate::parser::{Call, Expr, Span};

/// Relative tolerance below which differences between bucket counts are float noise.
const SMALL_DELTA_TOLERANCE: f64 = 1e-12;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    upper: f64,
    count: f64,
}

/// What the monotonicity fix did.
#[derive(Debug, Default, Clone, Copy)]
struct Fix {
    forced: bool,
    min_bucket: f64,
    max_bucket: f64,
    max_diff: f64,
}

/// Input series grouped by labels without `le`.
struct Groups {
    keys: Vec<Labels>,
    members: Vec<Vec<(usize, f64)>>,
}

impl<Q: Querier> Evaluator<'_, Q> {
    fn bucket_groups(&mut self, series: &[Series], arg: &Expr) -> Groups {
        let mut index: HashMap<Labels, usize> = HashMap::new();
        let mut groups = Groups {
            keys: Vec::new(),
            members: Vec::new(),
        };
        for (i, s) in series.iter().enumerate() {
            let le_str = s.labels.get("le").unwrap_or("");
            let Some(le) = parse_le(le_str) else {
                let name = s.labels.metric_name().unwrap_or("");
                let mut msg = format!(
                    "bucket label \"le\" is missing or has a malformed value of {le_str:?}"
                );
                if !name.is_empty() {
                    msg.push_str(&format!(" for metric name {name:?}"));
                }
                self.annos.warn(msg, arg.span());
                continue;
            };
            let key = s.labels.without(&["le"]);
            let gi = *index.entry(key.clone()).or_insert_with(|| {
                groups.keys.push(key);
                groups.members.push(Vec::new());
                groups.keys.len() - 1
            });
            groups.members[gi].push((i, le));
        }
        groups
    }

    fn warn_quantile(&mut self, qs: &[f64], span: Span) {
        for &q in qs {
            if q.is_nan() || !(0.0..=1.0).contains(&q) {
                let msg = format!(
                    "quantile value should be between 0 and 1, got {}",
                    format_go_g(q, None)
                );
                self.annos.warn(msg, span);
            }
        }
    }

    pub(crate) fn histogram_quantile(&mut self, c: &Call, g: Grid) -> Result<Vec<Series>> {
        let q = self.eval_scalar(&c.args[0], g)?;
        self.warn_quantile(&q, c.args[0].span());
        let series = self.eval_vector(&c.args[1], g)?;
        let groups = self.bucket_groups(&series, &c.args[1]);
        let mut out = Vec::with_capacity(groups.keys.len());
        let mut buckets = Vec::new();
        for (gi, key) in groups.keys.iter().enumerate() {
            let mut vals = vec![ABSENT; g.n];
            for (i, v) in vals.iter_mut().enumerate() {
                if !gather(&series, &groups.members[gi], i, &mut buckets) {
                    continue;
                }
                let (r, fix) = bucket_quantile(q[i], &mut buckets);
                *v = r;
                self.note_fix(fix, key, c.args[1].span(), g.t(i));
            }
            out.push(Series {
                labels: key.clone(),
                drop_name: true,
                vals,
            });
        }
        Ok(out)
    }

    pub(crate) fn histogram_quantiles(&mut self, c: &Call, g: Grid) -> Result<Vec<Series>> {
        let Expr::StringLiteral(label) = &c.args[1] else {
            return Err(Error::exec("histogram_quantiles needs a label name"));
        };
        let mut qs = Vec::new();
        for a in &c.args[2..] {
            let q = self.eval_scalar(a, g)?;
            self.warn_quantile(&q, a.span());
            qs.push(q);
        }
        let series = self.eval_vector(&c.args[0], g)?;
        let groups = self.bucket_groups(&series, &c.args[0]);
        let mut out = OutBuilder::new(g.n);
        let mut buckets = Vec::new();
        for q in &qs {
            for (gi, key) in groups.keys.iter().enumerate() {
                for (i, &qi) in q.iter().enumerate() {
                    if !gather(&series, &groups.members[gi], i, &mut buckets) {
                        continue;
                    }
                    let (r, fix) = bucket_quantile(qi, &mut buckets);
                    self.note_fix(fix, key, c.args[0].span(), g.t(i));
                    let labels = key.with(label.value.as_str(), openmetrics_float(qi));
                    let slot = out.slot(&labels, true);
                    out.set(slot, i, r)?;
                }
            }
        }
        Ok(out.finish())
    }

    pub(crate) fn histogram_fraction(&mut self, c: &Call, g: Grid) -> Result<Vec<Series>> {
        let lower = self.eval_scalar(&c.args[0], g)?;
        let upper = self.eval_scalar(&c.args[1], g)?;
        let series = self.eval_vector(&c.args[2], g)?;
        let groups = self.bucket_groups(&series, &c.args[2]);
        let mut out = Vec::with_capacity(groups.keys.len());
        let mut buckets = Vec::new();
        for (gi, key) in groups.keys.iter().enumerate() {
            let mut vals = vec![ABSENT; g.n];
            for (i, v) in vals.iter_mut().enumerate() {
                if gather(&series, &groups.members[gi], i, &mut buckets) {
                    *v = bucket_fraction(lower[i], upper[i], &mut buckets);
                }
            }
            out.push(Series {
                labels: key.clone(),
                drop_name: true,
                vals,
            });
        }
        Ok(out)
    }

    fn note_fix(&mut self, fix: Fix, key: &Labels, span: Span, t: i64) {
        if fix.forced {
            let name = key.metric_name().unwrap_or("");
            self.annos
                .monotonicity(name, span, t, fix.min_bucket, fix.max_bucket, fix.max_diff);
        }
    }
}

/// Collects the buckets of one group present at step `i`; false if there are none.
fn gather(series: &[Series], members: &[(usize, f64)], i: usize, out: &mut Vec<Bucket>) -> bool {
    out.clear();
    for &(si, upper) in members {
        let v = series[si].vals[i];
        if !is_absent(v) {
            out.push(Bucket { upper, count: v });
        }
    }
    !out.is_empty()
}

/// Parses an `le` value as Go's `strconv.ParseFloat` does for the spellings that occur.
fn parse_le(s: &str) -> Option<f64> {
    let t = s.trim_start_matches('+');
    if t.eq_ignore_ascii_case("inf") || t.eq_ignore_ascii_case("infinity") {
        return Some(if s.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    s.parse::<f64>().ok()
}

/// Labels value for a quantile as OpenMetrics prints floats (`0.0`, `1.0`, `0.25`).
fn openmetrics_float(q: f64) -> String {
    let s = format_go_g(q, None);
    if q.is_finite() && !s.contains(['e', '.']) {
        format!("{s}.0")
    } else {
        s
    }
}

fn sort_and_coalesce(buckets: &mut Vec<Bucket>) {
    buckets.sort_by(|a, b| {
        a.upper
            .partial_cmp(&b.upper)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut w = 0;
    for r in 1..buckets.len() {
        if buckets[r].upper == buckets[w].upper {
            buckets[w].count += buckets[r].count;
        } else {
            w += 1;
            buckets[w] = buckets[r];
        }
    }
    buckets.truncate(w + 1);
}

/// The φ-quantile of classic buckets, with Prometheus' monotonicity fix.
fn bucket_quantile(q: f64, buckets: &mut Vec<Bucket>) -> (f64, Fix) {
    let mut fix = Fix::default();
    if q.is_nan() {
        return (f64::NAN, fix);
    }
    if q < 0.0 {
        return (f64::NEG_INFINITY, fix);
    }
    if q > 1.0 {
        return (f64::INFINITY, fix);
    }
    sort_and_coalesce(buckets);
    if buckets.last().is_none_or(|b| b.upper != f64::INFINITY) {
        return (f64::NAN, fix);
    }
    fix = ensure_monotonic(buckets);
    if buckets.len() < 2 {
        return (f64::NAN, fix);
    }
    let total = buckets[buckets.len() - 1].count;
    if total == 0.0 {
        return (f64::NAN, fix);
    }
    let mut rank = q * total;
    let n = buckets.len();
    let b = buckets[..n - 1]
        .iter()
        .position(|x| x.count >= rank)
        .unwrap_or(n - 1);
    if b == n - 1 {
        return (buckets[n - 2].upper, fix);
    }
    if b == 0 && buckets[0].upper <= 0.0 {
        return (buckets[0].upper, fix);
    }
    let (mut start, end, mut count) = (0.0, buckets[b].upper, buckets[b].count);
    if b > 0 {
        start = buckets[b - 1].upper;
        count -= buckets[b - 1].count;
        rank -= buckets[b - 1].count;
    }
    (start + (end - start) * (rank / count), fix)
}

/// Removes float noise silently and forces decreasing counts up to the previous count.
fn ensure_monotonic(buckets: &mut [Bucket]) -> Fix {
    let mut fix = Fix {
        forced: false,
        min_bucket: f64::INFINITY,
        max_bucket: f64::NEG_INFINITY,
        max_diff: 0.0,
    };
    let mut prev = buckets[0].count;
    for b in buckets.iter_mut().skip(1) {
        let cur = b.count;
        if cur == prev {
            continue;
        }
        if almost_equal(prev, cur, SMALL_DELTA_TOLERANCE) {
            b.count = prev;
            continue;
        }
        if cur < prev {
            b.count = prev;
            fix.forced = true;
            fix.min_bucket = fix.min_bucket.min(b.upper);
            fix.max_bucket = fix.max_bucket.max(b.upper);
            fix.max_diff = fix.max_diff.max(prev - cur);
            continue;
        }
        prev = cur;
    }
    fix
}

/// Prometheus' `almost.Equal`.
pub(crate) fn almost_equal(a: f64, b: f64, eps: f64) -> bool {
    const MIN_NORMAL: f64 = 2.2250738585072014e-308;
    if a == b {
        return true;
    }
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || a.abs() + b.abs() < MIN_NORMAL {
        return diff < eps * MIN_NORMAL;
    }
    diff / (a.abs() + b.abs()).min(f64::MAX) < eps
}

/// The fraction of observations in `(lower, upper]`, interpolating linearly inside buckets.
fn bucket_fraction(lower: f64, upper: f64, buckets: &mut Vec<Bucket>) -> f64 {
    sort_and_coalesce(buckets);
    if buckets.last().is_none_or(|b| b.upper != f64::INFINITY) {
        return f64::NAN;
    }
    let total = buckets[buckets.len() - 1].count;
    if total == 0.0 || lower.is_nan() || upper.is_nan() {
        return f64::NAN;
    }
    if lower >= upper {
        return 0.0;
    }
    let (mut rank, mut lower_rank, mut upper_rank) = (0.0, 0.0, 0.0);
    let (mut lower_set, mut upper_set) = (false, false);
    for (i, b) in buckets.iter().enumerate() {
        let lo = match i {
            0 if b.upper > 0.0 => 0.0,
            0 => f64::NEG_INFINITY,
            _ => buckets[i - 1].upper,
        };
        let (hi, cnt) = (b.upper, b.count - rank);
        if !lower_set && lo >= lower {
            lower_rank = rank;
            lower_set = true;
        }
        if !upper_set && lo >= upper {
            upper_rank = rank;
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        if !lower_set && lo < lower && hi > lower {
            lower_rank = rank + cnt * interpolation(lo, hi, lower);
            lower_set = true;
        }
        if !upper_set && lo < upper && hi > upper {
            upper_rank = rank + cnt * interpolation(lo, hi, upper);
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        rank = b.count;
    }
    if !lower_set || lower_rank > total {
        lower_rank = total;
    }
    if !upper_set || upper_rank > total {
        upper_rank = total;
    }
    (upper_rank - lower_rank) / total
}

fn interpolation(lo: f64, hi: f64, v: f64) -> f64 {
    if hi.is_infinite() {
        return 0.0;
    }
    if lo.is_infinite() {
        return 1.0;
    }
    (v - lo) / (hi - lo)
}
