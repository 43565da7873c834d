//! Functions that work on label sets or on the order of a vector: `label_replace`,
//! `label_join`, `absent`, `absent_over_time`, `sort*`.

use std::cmp::Ordering;
use std::collections::HashMap;

use model::{Labels, MatchOp, Querier};
use regex::Regex;

use crate::engine::error::{DUPLICATE_LABELSET, Error, Result};
use crate::engine::eval::{ABSENT, Evaluator, Grid, Series, is_absent};
use crate::parser::{Call, Expr};

fn string_arg(e: &Expr) -> Result<&str> {
    match e {
        // Bytes that are not UTF-8 make an invalid label name; U+FFFD stands in for them.
        Expr::StringLiteral(s) if s.invalid_utf8.is_some() => Ok("\u{fffd}\0"),
        Expr::StringLiteral(s) => Ok(&s.value),
        Expr::Paren(p) => string_arg(&p.expr),
        other => Err(Error::exec(format!(
            "expected a string literal, got {other}"
        ))),
    }
}

fn valid_label_name(name: &str) -> bool {
    !name.is_empty() && name != "\u{fffd}\0"
}

impl<Q: Querier> Evaluator<'_, Q> {
    pub(crate) fn label_replace(&mut self, c: &Call, g: Grid) -> Result<Vec<Series>> {
        let dst = string_arg(&c.args[1])?;
        let repl = string_arg(&c.args[2])?;
        let src = string_arg(&c.args[3])?;
        let re_src = string_arg(&c.args[4])?;
        let re = Regex::new(&format!("^(?s:{re_src})$")).map_err(|_| {
            Error::exec(format!(
                "invalid regular expression in label_replace(): {re_src}"
            ))
        })?;
        if !valid_label_name(dst) {
            return Err(Error::exec(format!(
                "invalid destination label name in label_replace(): {dst}"
            )));
        }
        let mut series = self.eval_vector(&c.args[0], g)?;
        for s in &mut series {
            let value = s.labels.get(src).unwrap_or("");
            if let Some(caps) = re.captures(value) {
                let mut res = String::new();
                caps.expand(repl, &mut res);
                s.labels = s.labels.with(dst, res);
                if dst == model::METRIC_NAME {
                    s.drop_name = false;
                }
            }
        }
        merge_same_labels(series)
    }

    pub(crate) fn label_join(&mut self, c: &Call, g: Grid) -> Result<Vec<Series>> {
        let dst = string_arg(&c.args[1])?;
        let sep = string_arg(&c.args[2])?;
        let mut srcs = Vec::new();
        for a in &c.args[3..] {
            let s = string_arg(a)?;
            if !valid_label_name(s) {
                return Err(Error::exec(format!(
                    "invalid source label name in label_join(): {s}"
                )));
            }
            srcs.push(s);
        }
        if !valid_label_name(dst) {
            return Err(Error::exec(format!(
                "invalid destination label name in label_join(): {dst}"
            )));
        }
        let mut series = self.eval_vector(&c.args[0], g)?;
        for s in &mut series {
            let joined: Vec<&str> = srcs.iter().map(|l| s.labels.get(l).unwrap_or("")).collect();
            let joined = joined.join(sep);
            s.labels = s.labels.with(dst, joined);
            if dst == model::METRIC_NAME {
                s.drop_name = false;
            }
        }
        merge_same_labels(series)
    }

    pub(crate) fn absent(&mut self, c: &Call, g: Grid) -> Result<Vec<Series>> {
        let series = self.eval_vector(&c.args[0], g)?;
        let mut vals = vec![1.0; g.n];
        for s in &series {
            for (i, v) in s.vals.iter().enumerate() {
                if !is_absent(*v) {
                    vals[i] = ABSENT;
                }
            }
        }
        Ok(absent_result(&c.args[0], vals))
    }

    pub(crate) fn absent_over_time(&mut self, c: &Call, g: Grid) -> Result<Vec<Series>> {
        let mut input = self.range_input(&c.args[0], g)?;
        let mut vals = vec![1.0; g.n];
        while input.advance(&mut self.limits)? {
            for (i, &(lo, hi)) in input.windows.iter().enumerate() {
                if hi > lo {
                    vals[i] = ABSENT;
                }
            }
        }
        input.release(&mut self.limits);
        Ok(absent_result(&c.args[0], vals))
    }

    pub(crate) fn sort(&mut self, c: &Call, g: Grid) -> Result<Vec<Series>> {
        let mut series = self.eval_vector(&c.args[0], g)?;
        if self.ctx.range_query {
            self.annos.warn(
                "sort is ineffective for range queries since results are always ordered by labels"
                    .into(),
                c.span,
            );
            return Ok(series);
        }
        let v = |s: &Series| s.vals.first().copied().unwrap_or(f64::NAN);
        match c.func.name {
            // NaN always last; stable like Go's insertion sort on small inputs.
            "sort" => series.sort_by(|a, b| nan_last(v(a), v(b), false)),
            "sort_desc" => series.sort_by(|a, b| nan_last(v(a), v(b), true)),
            name => {
                let mut labels = Vec::new();
                for a in &c.args[1..] {
                    labels.push(string_arg(a)?.to_string());
                }
                let desc = name == "sort_by_label_desc";
                series.sort_by(|a, b| {
                    let ord = by_labels(&a.labels, &b.labels, &labels);
                    if desc { ord.reverse() } else { ord }
                });
            }
        }
        Ok(series)
    }
}

fn nan_last(a: f64, b: f64, desc: bool) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ if desc => b.partial_cmp(&a).unwrap_or(Ordering::Equal),
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

fn by_labels(a: &Labels, b: &Labels, names: &[String]) -> Ordering {
    for n in names {
        let (x, y) = (a.get(n).unwrap_or(""), b.get(n).unwrap_or(""));
        if x == y {
            continue;
        }
        return if natural_less(x, y) {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    a.cmp(b)
}

/// Natural order: digit runs compare as numbers, other runs as strings.
fn natural_less(a: &str, b: &str) -> bool {
    let (ca, cb) = (chunks(a), chunks(b));
    for (i, x) in ca.iter().enumerate() {
        let Some(y) = cb.get(i) else { return false };
        let equal = match (x.parse::<i64>(), y.parse::<i64>()) {
            (Ok(p), Ok(q)) if p != q => return p < q,
            (Ok(_), Ok(_)) => true,
            _ => x == y,
        };
        if !equal {
            return x < y;
        }
        if i == ca.len() - 1 {
            return true;
        }
        if i == cb.len() - 1 {
            return false;
        }
    }
    false
}

fn chunks(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<bool> = None;
    for (i, ch) in s.char_indices() {
        let digit = ch.is_ascii_digit();
        if prev.is_some_and(|p| p != digit) {
            out.push(&s[start..i]);
            start = i;
        }
        prev = Some(digit);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// The labels `absent` reports: the `=` matchers of a selector argument, minus any label that
/// is matched more than once or by another operator.
fn absent_labels(arg: &Expr) -> Labels {
    let matchers = match arg {
        Expr::VectorSelector(vs) => &vs.matchers,
        Expr::MatrixSelector(m) => &m.selector.matchers,
        _ => return Labels::empty(),
    };
    let mut has: HashMap<&str, bool> = HashMap::new();
    let mut labels = Labels::empty();
    for m in matchers {
        if m.name == model::METRIC_NAME {
            continue;
        }
        if m.op == MatchOp::Equal && !has.get(m.name.as_str()).copied().unwrap_or(false) {
            labels = labels.with(m.name.as_str(), m.value.as_str());
            has.insert(&m.name, true);
        } else {
            labels = labels.without(&[m.name.as_str()]);
        }
    }
    labels
}

fn absent_result(arg: &Expr, vals: Vec<f64>) -> Vec<Series> {
    if vals.iter().all(|v| is_absent(*v)) {
        return Vec::new();
    }
    vec![Series {
        labels: absent_labels(arg),
        drop_name: false,
        vals,
    }]
}

/// Merges series that ended up with the same labels; overlapping steps are an error.
pub(crate) fn merge_same_labels(series: Vec<Series>) -> Result<Vec<Series>> {
    let mut index: HashMap<Labels, usize> = HashMap::with_capacity(series.len());
    let mut out: Vec<Series> = Vec::with_capacity(series.len());
    for s in series {
        match index.get(&s.labels) {
            None => {
                index.insert(s.labels.clone(), out.len());
                out.push(s);
            }
            Some(&i) => {
                let base = &mut out[i];
                for (b, v) in base.vals.iter_mut().zip(s.vals) {
                    if is_absent(v) {
                        continue;
                    }
                    if !is_absent(*b) {
                        return Err(Error::exec(DUPLICATE_LABELSET));
                    }
                    *b = v;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_compares_numbers_numerically() {
        assert!(natural_less("a2", "a10"));
        assert!(!natural_less("a10", "a2"));
        assert!(natural_less("abc", "abd"));
    }
}
