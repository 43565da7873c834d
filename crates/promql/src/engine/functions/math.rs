//! Element-wise functions: math (`abs`, `ln`, trig ...), `round`, `clamp*`, `timestamp`, the
//! date functions (own civil-calendar arithmetic, UTC) and the native-histogram functions,
//! which have nothing to do on float samples.

use model::Querier;

use super::format::{civil_from_days, day_of_year, days_in_month};
use crate::engine::error::Result;
use crate::engine::eval::{Evaluator, Grid, Sink, is_absent};
use crate::parser::{Call, Expr};

const DATE_FNS: [&str; 8] = [
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "days_in_month",
    "hour",
    "minute",
    "month",
    "year",
];

pub(super) fn is_date(name: &str) -> bool {
    DATE_FNS.contains(&name)
}

pub(super) fn is_elementwise(name: &str) -> bool {
    is_date(name)
        || simple(name).is_some()
        || matches!(
            name,
            "round"
                | "clamp"
                | "clamp_min"
                | "clamp_max"
                | "timestamp"
                | "histogram_count"
                | "histogram_sum"
                | "histogram_avg"
                | "histogram_stddev"
                | "histogram_stdvar"
        )
}

fn simple(name: &str) -> Option<fn(f64) -> f64> {
    Some(match name {
        "abs" => f64::abs,
        "ceil" => f64::ceil,
        "floor" => f64::floor,
        "exp" => f64::exp,
        "sqrt" => f64::sqrt,
        "ln" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "asin" => f64::asin,
        "acos" => f64::acos,
        "atan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "asinh" => f64::asinh,
        "acosh" => f64::acosh,
        "atanh" => f64::atanh,
        "deg" => |v| v * 180.0 / std::f64::consts::PI,
        "rad" => |v| v * std::f64::consts::PI / 180.0,
        "sgn" => |v: f64| {
            if v < 0.0 {
                -1.0
            } else if v > 0.0 {
                1.0
            } else {
                v
            }
        },
        _ => return None,
    })
}

/// A date function of Unix seconds `secs`, in UTC.
pub(super) fn date_fn(name: &str, secs: f64) -> f64 {
    // Go converts with int64(f), truncating toward zero.
    let s = if secs.is_finite() {
        secs as i64
    } else {
        i64::MIN / 2
    };
    let (days, rem) = (s.div_euclid(86_400), s.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    f64::from(match name {
        "day_of_month" => d,
        "day_of_week" => (days + 4).rem_euclid(7) as u32,
        "day_of_year" => day_of_year(y, m, d),
        "days_in_month" => days_in_month(y, m),
        "hour" => (rem / 3600) as u32,
        "minute" => (rem % 3600 / 60) as u32,
        "month" => m,
        _ => return y as f64,
    })
}

impl<Q: Querier> Evaluator<'_, Q> {
    pub(crate) fn stream_elementwise(
        &mut self,
        c: &Call,
        g: Grid,
        sink: &mut Sink<'_>,
    ) -> Result<()> {
        let name = c.func.name;
        if name.starts_with("histogram_") {
            // Float samples are ignored by the native-histogram functions.
            return self.stream(&c.args[0], g, &mut |_| Ok(()));
        }
        if name == "timestamp" {
            if let Expr::VectorSelector(vs) = &c.args[0] {
                return self.stream_selector(vs, g, true, &mut |mut s| {
                    s.drop_name = true;
                    sink(s)
                });
            }
            return self.stream(&c.args[0], g, &mut |mut s| {
                for (i, v) in s.vals.iter_mut().enumerate() {
                    if !is_absent(*v) {
                        *v = g.t(i) as f64 / 1000.0;
                    }
                }
                s.drop_name = true;
                sink(s)
            });
        }
        let mut params = Vec::new();
        for a in &c.args[1..] {
            params.push(self.eval_scalar(a, g)?);
        }
        let op = Op::new(name, params);
        self.stream(&c.args[0], g, &mut |mut s| {
            let mut any = false;
            for (i, v) in s.vals.iter_mut().enumerate() {
                if !is_absent(*v) {
                    *v = op.apply(i, *v);
                    any |= !is_absent(*v);
                }
            }
            s.drop_name = true;
            if any { sink(s) } else { Ok(()) }
        })
    }
}

enum Op {
    Simple(fn(f64) -> f64),
    Date(&'static str),
    Round(Vec<f64>),
    Clamp(Vec<f64>, Vec<f64>),
}

impl Op {
    fn new(name: &'static str, mut params: Vec<Vec<f64>>) -> Op {
        if let Some(f) = simple(name) {
            return Op::Simple(f);
        }
        let n = params.first().map_or(0, Vec::len);
        match name {
            "round" => Op::Round(params.pop().unwrap_or_default()),
            "clamp" => {
                let max = params.pop().unwrap_or_default();
                Op::Clamp(params.pop().unwrap_or_default(), max)
            }
            "clamp_min" => Op::Clamp(params.pop().unwrap_or_default(), vec![f64::INFINITY; n]),
            "clamp_max" => Op::Clamp(vec![f64::NEG_INFINITY; n], params.pop().unwrap_or_default()),
            _ => Op::Date(
                DATE_FNS
                    .iter()
                    .copied()
                    .find(|d| *d == name)
                    .unwrap_or("year"),
            ),
        }
    }

    fn apply(&self, i: usize, v: f64) -> f64 {
        match self {
            Op::Simple(f) => f(v),
            Op::Date(name) => date_fn(name, v),
            Op::Round(to) if to.is_empty() => (v + 0.5).floor(),
            Op::Round(to) => {
                // Prometheus inverts first: fewer floating point surprises.
                let inv = 1.0 / to[i];
                (v * inv + 0.5).floor() / inv
            }
            Op::Clamp(min, max) => {
                if max[i] < min[i] {
                    crate::engine::eval::ABSENT
                } else {
                    go_fmax(min[i], go_fmin(max[i], v))
                }
            }
        }
    }
}

/// Go's `math.Max`: NaN wins.
fn go_fmax(a: f64, b: f64) -> f64 {
    crate::parser::go_max(a, b)
}

/// Go's `math.Min`: NaN wins.
fn go_fmin(a: f64, b: f64) -> f64 {
    crate::parser::go_min(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_functions_use_utc_civil_dates() {
        // 2017-02-28T23:59:59Z
        let t = 1_488_326_399.0;
        assert_eq!(date_fn("year", t), 2017.0);
        assert_eq!(date_fn("month", t), 2.0);
        assert_eq!(date_fn("day_of_month", t), 28.0);
        assert_eq!(date_fn("days_in_month", t), 28.0);
        assert_eq!(date_fn("day_of_week", t), 2.0);
        assert_eq!(date_fn("hour", t), 23.0);
        assert_eq!(date_fn("minute", t), 59.0);
        assert_eq!(date_fn("day_of_year", t), 59.0);
    }
}
