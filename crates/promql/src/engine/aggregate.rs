//! Aggregation operators. `sum`, `avg`, `count`, `min`, `max`, `group`, `stddev`, `stdvar` and
//! `quantile` consume their input one series at a time into per-group, per-step accumulators,
//! so an aggregation over thousands of series never holds them all. `topk`, `bottomk` and
//! `count_values` live in `aggregate/select.rs`.

mod select;

use std::collections::HashMap;

use model::{Labels, METRIC_NAME, Querier};

use super::error::{Error, Result};
use super::eval::{ABSENT, Evaluator, Grid, Series, Val, is_absent};
use super::functions::format_go_g;
use super::kahan;
use crate::parser::{AggregateExpr, AggregateOp};

/// The output labels of a group: the `by` labels, or all but the `without` labels and the name.
pub(crate) fn group_labels(labels: &Labels, grouping: &[String], without: bool) -> Labels {
    if without {
        let mut drop: Vec<&str> = grouping.iter().map(String::as_str).collect();
        drop.push(METRIC_NAME);
        labels.without(&drop)
    } else {
        let keep: Vec<&str> = grouping.iter().map(String::as_str).collect();
        labels.keep_only(&keep)
    }
}

/// Per-group, per-step state of a streaming aggregation.
struct Group {
    labels: Labels,
    drop_name: bool,
    value: Vec<f64>,
    comp: Vec<f64>,
    mean: Vec<f64>,
    count: Vec<f64>,
    incremental: Vec<bool>,
    samples: Vec<Vec<f64>>,
}

impl Group {
    fn new(labels: Labels, drop_name: bool, n: usize, op: AggregateOp) -> Self {
        let many = |v: f64| {
            if needs_mean(op) {
                vec![v; n]
            } else {
                Vec::new()
            }
        };
        Group {
            labels,
            drop_name,
            value: vec![0.0; n],
            comp: many(0.0),
            mean: many(0.0),
            count: vec![0.0; n],
            incremental: if op == AggregateOp::Avg {
                vec![false; n]
            } else {
                Vec::new()
            },
            samples: if op == AggregateOp::Quantile {
                vec![Vec::new(); n]
            } else {
                Vec::new()
            },
        }
    }

    #[inline]
    fn add(&mut self, op: AggregateOp, i: usize, f: f64) {
        let first = self.count[i] == 0.0;
        self.count[i] += 1.0;
        match op {
            AggregateOp::Sum => {
                if first {
                    self.value[i] = f;
                } else {
                    (self.value[i], self.comp[i]) = kahan::inc(f, self.value[i], self.comp[i]);
                }
            }
            AggregateOp::Avg => self.add_avg(i, f, first),
            AggregateOp::Min if (first || self.value[i] > f || self.value[i].is_nan()) => {
                self.value[i] = f;
            }
            AggregateOp::Max if (first || self.value[i] < f || self.value[i].is_nan()) => {
                self.value[i] = f;
            }
            AggregateOp::Stddev | AggregateOp::Stdvar => {
                if first {
                    self.mean[i] = f;
                    self.value[i] = if f.is_finite() { 0.0 } else { f64::NAN };
                } else {
                    let delta = f - self.mean[i];
                    self.mean[i] += delta / self.count[i];
                    self.value[i] += delta * (f - self.mean[i]);
                }
            }
            AggregateOp::Quantile => self.samples[i].push(f),
            _ => {}
        }
    }

    /// Compensated mean; falls back to an incremental mean once the sum would overflow.
    fn add_avg(&mut self, i: usize, f: f64, first: bool) {
        if first {
            self.value[i] = f;
            self.mean[i] = f;
            return;
        }
        let n = self.count[i];
        if !self.incremental[i] {
            let (s, c) = kahan::inc(f, self.value[i], self.comp[i]);
            if !s.is_infinite() {
                (self.value[i], self.comp[i]) = (s, c);
                return;
            }
            self.incremental[i] = true;
            self.mean[i] = self.value[i] / (n - 1.0);
            self.comp[i] /= n - 1.0;
        }
        let q = (n - 1.0) / n;
        (self.mean[i], self.comp[i]) = kahan::inc(f / n, q * self.mean[i], q * self.comp[i]);
    }

    fn result(&mut self, op: AggregateOp, i: usize, q: f64) -> f64 {
        let n = self.count[i];
        match op {
            AggregateOp::Sum => self.value[i] + self.comp[i],
            AggregateOp::Avg if self.incremental[i] => self.mean[i] + self.comp[i],
            AggregateOp::Avg => self.value[i] / n + self.comp[i] / n,
            AggregateOp::Count => n,
            AggregateOp::Group => 1.0,
            AggregateOp::Stdvar => self.value[i] / n,
            AggregateOp::Stddev => (self.value[i] / n).sqrt(),
            AggregateOp::Quantile => kahan::quantile(q, &mut self.samples[i]),
            _ => self.value[i],
        }
    }
}

fn needs_mean(op: AggregateOp) -> bool {
    matches!(
        op,
        AggregateOp::Sum | AggregateOp::Avg | AggregateOp::Stddev | AggregateOp::Stdvar
    )
}

impl<Q: Querier> Evaluator<'_, Q> {
    pub(crate) fn aggregate(&mut self, a: &AggregateExpr, g: Grid) -> Result<Val> {
        let series = match a.op {
            AggregateOp::Topk | AggregateOp::Bottomk => self.topk(a, g)?,
            AggregateOp::CountValues => self.count_values(a, g)?,
            AggregateOp::Limitk | AggregateOp::LimitRatio => return self.limit(a, g),
            _ => self.stream_aggregate(a, g)?,
        };
        let points: usize = series.iter().map(Series::points).sum();
        self.limits.take(points)?;
        Ok(Val::Vector(series))
    }

    fn stream_aggregate(&mut self, a: &AggregateExpr, g: Grid) -> Result<Vec<Series>> {
        let op = a.op;
        let q = match &a.param {
            Some(p) if op == AggregateOp::Quantile => {
                let q = self.eval_scalar(p, g)?;
                for &v in &q {
                    if v.is_nan() || !(0.0..=1.0).contains(&v) {
                        let msg = format!(
                            "quantile value should be between 0 and 1, got {}",
                            format_go_g(v, None)
                        );
                        self.annos.warn(msg, p.span());
                    }
                }
                q
            }
            _ => Vec::new(),
        };
        let mut index: HashMap<Labels, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        // Consecutive input series often share a group: remember the last key.
        let mut last: Option<(Labels, usize)> = None;
        self.stream(&a.expr, g, &mut |s: Series| {
            let key = group_labels(&s.labels, &a.grouping, a.without);
            let gi = match &last {
                Some((k, gi)) if *k == key => *gi,
                _ => {
                    let gi = *index.entry(key.clone()).or_insert_with(|| {
                        groups.push(Group::new(key.clone(), false, g.n, op));
                        groups.len() - 1
                    });
                    last = Some((key, gi));
                    gi
                }
            };
            let group = &mut groups[gi];
            group.drop_name |= s.drop_name;
            for (i, &v) in s.vals.iter().enumerate() {
                if !is_absent(v) {
                    group.add(op, i, v);
                }
            }
            Ok(())
        })?;
        self.limits.take(groups.len() * g.n)?;
        let mut out = Vec::with_capacity(groups.len());
        for mut group in groups {
            let mut vals = vec![ABSENT; g.n];
            for (i, v) in vals.iter_mut().enumerate() {
                if group.count[i] > 0.0 {
                    *v = group.result(op, i, q.get(i).copied().unwrap_or(f64::NAN));
                }
            }
            out.push(Series {
                labels: group.labels,
                drop_name: group.drop_name,
                vals,
            });
        }
        self.limits.give(out.len() * g.n);
        Ok(out)
    }

    /// `limitk` and `limit_ratio` are experimental and not supported; their parameter errors are.
    fn limit(&mut self, a: &AggregateExpr, g: Grid) -> Result<Val> {
        if let Some(p) = &a.param {
            let v = self.eval_scalar(p, g)?;
            if v.iter().any(|x| x.is_nan()) {
                return Err(Error::exec(if a.op == AggregateOp::Limitk {
                    "Parameter value is NaN"
                } else {
                    "Ratio value is NaN"
                }));
            }
        }
        Err(Error::exec(format!(
            "the experimental {} aggregation is not supported",
            a.op.as_str()
        )))
    }
}
