//! Function calls: dispatch to the range-function kernels, the element-wise math and date
//! functions (`functions/math.rs`), the label and sorting functions (`functions/labels.rs`) and
//! the scalar functions.

mod format;
mod labels;
mod math;

use model::Querier;

pub(crate) use format::{format_go_f, format_go_g, rfc3339};
pub(crate) use labels::merge_same_labels;

use super::error::{Error, Result};
use super::eval::{ABSENT, Evaluator, Grid, Series, Sink, Val, is_absent};
use super::over_time::{self, RangeFn};
use super::rate::Windows;
use crate::parser::{Call, Expr, go_max, go_min};

/// Whether the call can hand out its result one series at a time.
pub(crate) fn streams(c: &Call) -> bool {
    RangeFn::from_name(c.func.name).is_some()
        || (math::is_elementwise(c.func.name) && !c.args.is_empty())
}

/// Functions whose anchored/smoothed selectors Prometheus accepts (experimental, unsupported).
const ANCHORED_OK: &str = "changes, delta, increase, rate, resets";
const SMOOTHED_OK: &str = "delta, increase, rate";

impl<Q: Querier> Evaluator<'_, Q> {
    pub(crate) fn stream_call(&mut self, c: &Call, g: Grid, sink: &mut Sink<'_>) -> Result<()> {
        match RangeFn::from_name(c.func.name) {
            Some(f) => self.stream_range_call(c, f, g, sink),
            None => self.stream_elementwise(c, g, sink),
        }
    }

    fn stream_range_call(
        &mut self,
        c: &Call,
        f: RangeFn,
        g: Grid,
        sink: &mut Sink<'_>,
    ) -> Result<()> {
        let arg_idx = f.range_arg();
        let arg = &c.args[arg_idx];
        check_extended_selector(arg, c.func.name)?;
        let mut params = Vec::new();
        for (i, a) in c.args.iter().enumerate() {
            if i != arg_idx {
                params.push(self.eval_scalar(a, g)?);
            }
        }
        let eval_t: Vec<i64> = (0..g.n).map(|i| g.t(i)).collect();
        let mut input = self.range_input(arg, g)?;
        let counter_check = matches!(f, RangeFn::Rate | RangeFn::Increase);
        while input.advance(&mut self.limits)? {
            let mut vals = vec![ABSENT; g.n];
            let w = Windows {
                ts: &input.data.t,
                vs: &input.data.v,
                win: &input.windows,
                refs: &input.refs,
                range: input.range,
            };
            over_time::apply(f, w, &params, &eval_t, &mut vals)?;
            if f == RangeFn::Quantile {
                for (i, &(lo, hi)) in input.windows.iter().enumerate() {
                    let q = params[0][i];
                    if hi > lo && (q.is_nan() || !(0.0..=1.0).contains(&q)) {
                        let msg = format!(
                            "quantile value should be between 0 and 1, got {}",
                            format_go_g(q, None)
                        );
                        self.annos.warn(msg, c.args[0].span());
                    }
                }
            }
            let points = vals.iter().filter(|v| !is_absent(**v)).count();
            if counter_check
                && points > 0
                && let Some(name) = input.labels.metric_name()
            {
                let counter_like = ["_total", "_sum", "_count", "_bucket"]
                    .iter()
                    .any(|s| name.ends_with(s));
                if !counter_like {
                    let msg = format!(
                        "metric might not be a counter, name does not end in \
                             _total/_sum/_count/_bucket: {name:?}"
                    );
                    self.annos.info(msg, c.args[0].span());
                }
            }
            if points > 0 {
                let s = Series {
                    labels: input.labels.clone(),
                    drop_name: input.drop_name || f.drops_name(),
                    vals,
                };
                sink(s)?;
            }
        }
        input.release(&mut self.limits);
        Ok(())
    }

    /// Calls that need their whole argument before producing output.
    pub(crate) fn vector_call(&mut self, c: &Call, g: Grid) -> Result<Val> {
        let out = match c.func.name {
            "label_replace" => self.label_replace(c, g)?,
            "label_join" => self.label_join(c, g)?,
            "sort" | "sort_desc" | "sort_by_label" | "sort_by_label_desc" => self.sort(c, g)?,
            "absent" => self.absent(c, g)?,
            "absent_over_time" => self.absent_over_time(c, g)?,
            "histogram_quantile" => self.histogram_quantile(c, g)?,
            "histogram_quantiles" => self.histogram_quantiles(c, g)?,
            "histogram_fraction" => self.histogram_fraction(c, g)?,
            "vector" => {
                let v = self.eval_scalar(&c.args[0], g)?;
                vec![Series {
                    labels: model::Labels::empty(),
                    drop_name: false,
                    vals: v,
                }]
            }
            name if math::is_date(name) => {
                // No argument: the date of the evaluation time.
                let vals = (0..g.n)
                    .map(|i| math::date_fn(name, g.t(i) as f64 / 1000.0))
                    .collect();
                vec![Series {
                    labels: model::Labels::empty(),
                    drop_name: false,
                    vals,
                }]
            }
            other => {
                return Err(Error::exec(format!("function {other}() is not supported")));
            }
        };
        Ok(Val::Vector(out))
    }

    pub(crate) fn scalar_call(&mut self, c: &Call, g: Grid) -> Result<Val> {
        let secs = |ms: i64| ms as f64 / 1000.0;
        let v: Vec<f64> = match c.func.name {
            "time" => (0..g.n).map(|i| secs(g.t(i))).collect(),
            "pi" => vec![std::f64::consts::PI; g.n],
            "start" => vec![secs(self.ctx.start); g.n],
            "end" => vec![secs(self.ctx.end); g.n],
            "range" => vec![secs(self.ctx.end - self.ctx.start); g.n],
            "step" => vec![secs(self.ctx.dctx.step_ms); g.n],
            "min_of" | "max_of" => {
                let a = self.eval_scalar(&c.args[0], g)?;
                let b = self.eval_scalar(&c.args[1], g)?;
                let f = if c.func.name == "min_of" {
                    go_min
                } else {
                    go_max
                };
                a.iter().zip(&b).map(|(x, y)| f(*x, *y)).collect()
            }
            "scalar" => {
                let series = self.eval_vector(&c.args[0], g)?;
                let mut out = vec![f64::NAN; g.n];
                let mut count = vec![0u32; g.n];
                for s in &series {
                    for (i, &v) in s.vals.iter().enumerate() {
                        if !is_absent(v) {
                            count[i] += 1;
                            out[i] = v;
                        }
                    }
                }
                for (o, n) in out.iter_mut().zip(count) {
                    if n != 1 {
                        *o = f64::NAN;
                    }
                }
                out
            }
            other => return Err(Error::exec(format!("function {other}() is not supported"))),
        };
        self.scalar(v)
    }
}

/// Rejects the experimental `anchored`/`smoothed` selectors: with Prometheus' message for
/// functions that never accept them, as unsupported otherwise.
fn check_extended_selector(arg: &Expr, func: &str) -> Result<()> {
    let Expr::MatrixSelector(m) = arg else {
        return Ok(());
    };
    let (modifier, allowed) = match (m.selector.anchored, m.selector.smoothed) {
        (true, _) => ("anchored", ANCHORED_OK),
        (_, true) => ("smoothed", SMOOTHED_OK),
        _ => return Ok(()),
    };
    if !allowed.split(", ").any(|f| f == func) {
        return Err(Error::exec(format!(
            "{modifier} modifier can only be used with: {allowed} - not with {func}"
        )));
    }
    Err(Error::exec(format!(
        "the experimental {modifier} modifier is not supported"
    )))
}
