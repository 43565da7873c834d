//! The `*_over_time` family and the dispatch of every range function to its kernel.

use super::error::{Error, Result};
use super::kahan;
use super::rate::{self, Windows};

/// A function over a range vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeFn {
    Rate,
    Increase,
    Delta,
    Irate,
    Idelta,
    Resets,
    Changes,
    Deriv,
    PredictLinear,
    Sum,
    Avg,
    Min,
    Max,
    Count,
    Last,
    First,
    Present,
    Quantile,
    Stddev,
    Stdvar,
    Mad,
    TsMin,
    TsMax,
    TsFirst,
    TsLast,
    DoubleExponentialSmoothing,
}

impl RangeFn {
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        use RangeFn::*;
        Some(match name {
            "rate" => Rate,
            "increase" => Increase,
            "delta" => Delta,
            "irate" => Irate,
            "idelta" => Idelta,
            "resets" => Resets,
            "changes" => Changes,
            "deriv" => Deriv,
            "predict_linear" => PredictLinear,
            "sum_over_time" => Sum,
            "avg_over_time" => Avg,
            "min_over_time" => Min,
            "max_over_time" => Max,
            "count_over_time" => Count,
            "last_over_time" => Last,
            "first_over_time" => First,
            "present_over_time" => Present,
            "quantile_over_time" => Quantile,
            "stddev_over_time" => Stddev,
            "stdvar_over_time" => Stdvar,
            "mad_over_time" => Mad,
            "ts_of_min_over_time" => TsMin,
            "ts_of_max_over_time" => TsMax,
            "ts_of_first_over_time" => TsFirst,
            "ts_of_last_over_time" => TsLast,
            "double_exponential_smoothing" => DoubleExponentialSmoothing,
            _ => return None,
        })
    }

    /// `last_over_time` and `first_over_time` act like an offset and keep the metric name.
    pub(crate) fn drops_name(self) -> bool {
        !matches!(self, RangeFn::Last | RangeFn::First)
    }

    /// Position of the range argument among the call's arguments.
    pub(crate) fn range_arg(self) -> usize {
        usize::from(self == RangeFn::Quantile)
    }
}

/// Applies `f` to one series: `params` holds the scalar arguments per step, `eval_t` the
/// evaluation time per step.
pub(crate) fn apply(
    f: RangeFn,
    w: Windows<'_>,
    params: &[Vec<f64>],
    eval_t: &[i64],
    out: &mut [f64],
) -> Result<()> {
    use RangeFn::*;
    match f {
        Rate => rate::extrapolated(w, true, true, out),
        Increase => rate::extrapolated(w, true, false, out),
        Delta => rate::extrapolated(w, false, false, out),
        Irate => rate::instant(w, true, out),
        Idelta => rate::instant(w, false, out),
        Resets => rate::count_pairs(w, false, out),
        Changes => rate::count_pairs(w, true, out),
        Deriv => rate::deriv(w, out),
        PredictLinear => rate::predict_linear(w, eval_t, &params[0], out),
        Count => each(w, out, |_, v| v.len() as f64),
        Last => each(w, out, |_, v| v[v.len() - 1]),
        First => each(w, out, |_, v| v[0]),
        Present => each(w, out, |_, _| 1.0),
        TsFirst => each(w, out, |t, _| t[0] as f64 / 1000.0),
        TsLast => each(w, out, |t, _| t[t.len() - 1] as f64 / 1000.0),
        Sum => each(w, out, |_, v| sum(v)),
        Avg => each(w, out, |_, v| avg(v)),
        Max => each(w, out, |t, v| extreme(t, v, |c, m| c > m).0),
        Min => each(w, out, |t, v| extreme(t, v, |c, m| c < m).0),
        TsMax => each(w, out, |t, v| extreme(t, v, |c, m| c >= m).1),
        TsMin => each(w, out, |t, v| extreme(t, v, |c, m| c <= m).1),
        Stddev => each(w, out, |_, v| variance(v).sqrt()),
        Stdvar => each(w, out, |_, v| variance(v)),
        Quantile => {
            let mut scratch = Vec::new();
            for (i, &(lo, hi)) in w.win.iter().enumerate() {
                if hi > lo {
                    scratch.clear();
                    scratch.extend_from_slice(&w.vs[lo as usize..hi as usize]);
                    out[i] = kahan::quantile(params[0][i], &mut scratch);
                }
            }
        }
        Mad => each(w, out, mad),
        DoubleExponentialSmoothing => {
            for (i, &(lo, hi)) in w.win.iter().enumerate() {
                if hi > lo {
                    let (sf, tf) = (params[0][i], params[1][i]);
                    if sf <= 0.0 || sf >= 1.0 {
                        return Err(Error::exec(format!(
                            "invalid smoothing factor. Expected: 0 < sf < 1, got: {sf:.6}"
                        )));
                    }
                    if tf <= 0.0 || tf >= 1.0 {
                        return Err(Error::exec(format!(
                            "invalid trend factor. Expected: 0 < tf < 1, got: {tf:.6}"
                        )));
                    }
                    if hi - lo >= 2 {
                        out[i] = smoothing(&w.vs[lo as usize..hi as usize], sf, tf);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Calls `f` on every non-empty window.
fn each(w: Windows<'_>, out: &mut [f64], f: impl Fn(&[i64], &[f64]) -> f64) {
    for (i, &(lo, hi)) in w.win.iter().enumerate() {
        if hi > lo {
            let (lo, hi) = (lo as usize, hi as usize);
            out[i] = f(&w.ts[lo..hi], &w.vs[lo..hi]);
        }
    }
}

fn sum(v: &[f64]) -> f64 {
    let (mut s, mut c) = (0.0, 0.0);
    for &x in v {
        (s, c) = kahan::inc(x, s, c);
    }
    if s.is_infinite() { s } else { s + c }
}

/// Compensated mean; switches to an incremental mean when the running sum would overflow.
fn avg(v: &[f64]) -> f64 {
    let (mut s, mut count) = (v[0], 1.0);
    let (mut mean, mut c) = (0.0, 0.0);
    let mut incremental = false;
    for &x in &v[1..] {
        count += 1.0;
        if !incremental {
            let (ns, nc) = kahan::inc(x, s, c);
            if !ns.is_infinite() {
                (s, c) = (ns, nc);
                continue;
            }
            incremental = true;
            mean = s / (count - 1.0);
            c /= count - 1.0;
        }
        let q = (count - 1.0) / count;
        (mean, c) = kahan::inc(x / count, q * mean, q * c);
    }
    if incremental {
        mean + c
    } else {
        s / count + c / count
    }
}

/// The extreme value and its timestamp (seconds); `better(cur, best)` decides replacement, and
/// a NaN best is always replaced.
fn extreme(t: &[i64], v: &[f64], better: impl Fn(f64, f64) -> bool) -> (f64, f64) {
    let (mut best, mut best_t) = (v[0], t[0]);
    for (&ti, &x) in t.iter().zip(v) {
        if better(x, best) || best.is_nan() {
            best = x;
            best_t = ti;
        }
    }
    (best, best_t as f64 / 1000.0)
}

/// Population variance, Welford with Kahan compensation.
fn variance(v: &[f64]) -> f64 {
    let (mut count, mut mean, mut c_mean, mut aux, mut c_aux) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &x in v {
        count += 1.0;
        let delta = x - (mean + c_mean);
        (mean, c_mean) = kahan::inc(delta / count, mean, c_mean);
        (aux, c_aux) = kahan::inc(delta * (x - (mean + c_mean)), aux, c_aux);
    }
    (aux + c_aux) / count
}

/// Median absolute deviation.
fn mad(_: &[i64], v: &[f64]) -> f64 {
    if v.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let mut values = v.to_vec();
    let median = kahan::quantile(0.5, &mut values);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - median).abs()).collect();
    kahan::quantile(0.5, &mut dev)
}

/// Double exponential smoothing (Holt's linear method), as Prometheus computes it.
fn smoothing(v: &[f64], sf: f64, tf: f64) -> f64 {
    let (mut s0, mut s1) = (0.0, v[0]);
    let mut b = v[1] - v[0];
    for (i, &x) in v.iter().enumerate().skip(1) {
        let scaled = sf * x;
        b = if i == 1 {
            b
        } else {
            tf * (s1 - s0) + (1.0 - tf) * b
        };
        let y = (1.0 - sf) * (s1 + b);
        s0 = s1;
        s1 = scaled + y;
    }
    s1
}
