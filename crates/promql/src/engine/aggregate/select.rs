//! `topk`, `bottomk` (per-step heaps that reproduce Go's `container/heap`, so ties resolve as
//! in Prometheus) and `count_values`.

use std::collections::HashMap;

use model::{Labels, Querier};

use super::group_labels;
use crate::engine::error::{Error, Result};
use crate::engine::eval::{ABSENT, Evaluator, Grid, OutBuilder, Series, is_absent};
use crate::engine::functions::format_go_f;
use crate::parser::{AggregateExpr, AggregateOp, Expr};

/// A heap of `(value, series)` ordered by `less`, with Go's `container/heap` algorithms.
fn up(h: &mut [(f64, u32)], mut j: usize, less: fn(f64, f64) -> bool) {
    while j > 0 {
        let i = (j - 1) / 2;
        if i == j || !less(h[j].0, h[i].0) {
            break;
        }
        h.swap(i, j);
        j = i;
    }
}

fn down(h: &mut [(f64, u32)], i0: usize, less: fn(f64, f64) -> bool) {
    let n = h.len();
    let mut i = i0;
    loop {
        let j1 = 2 * i + 1;
        if j1 >= n {
            break;
        }
        let mut j = j1;
        let j2 = j1 + 1;
        if j2 < n && less(h[j2].0, h[j1].0) {
            j = j2;
        }
        if !less(h[j].0, h[i].0) {
            break;
        }
        h.swap(i, j);
        i = j;
    }
}

/// topk's heap keeps the smallest on top, NaN counting as smallest.
fn topk_less(a: f64, b: f64) -> bool {
    a.is_nan() || a < b
}

/// bottomk's heap keeps the largest on top, NaN counting as largest.
fn bottomk_less(a: f64, b: f64) -> bool {
    a.is_nan() || a > b
}

impl<Q: Querier> Evaluator<'_, Q> {
    pub(crate) fn topk(&mut self, a: &AggregateExpr, g: Grid) -> Result<Vec<Series>> {
        let top = a.op == AggregateOp::Topk;
        let less = if top { topk_less } else { bottomk_less };
        let param = a
            .param
            .as_deref()
            .ok_or_else(|| Error::exec("topk needs a parameter"))?;
        let k = self.eval_scalar(param, g)?;
        let mut ks = Vec::with_capacity(g.n);
        for &f in &k {
            if f.is_nan() {
                return Err(Error::exec("Parameter value is NaN"));
            }
            if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
                return Err(Error::exec(format!("Scalar value {f} overflows int64")));
            }
            ks.push(f as i64);
        }
        let mut index: HashMap<Labels, usize> = HashMap::new();
        // Per group, per step: the heap.
        let mut heaps: Vec<Vec<Vec<(f64, u32)>>> = Vec::new();
        let mut inputs: Vec<(Labels, bool)> = Vec::new();
        self.stream(&a.expr, g, &mut |s: Series| {
            let key = group_labels(&s.labels, &a.grouping, a.without);
            let gi = *index.entry(key).or_insert_with(|| {
                heaps.push(vec![Vec::new(); g.n]);
                heaps.len() - 1
            });
            let si = inputs.len() as u32;
            for (i, &v) in s.vals.iter().enumerate() {
                if is_absent(v) || ks[i] < 1 {
                    continue;
                }
                let h = &mut heaps[gi][i];
                if (h.len() as i64) < ks[i] {
                    h.push((v, si));
                    let last = h.len() - 1;
                    up(h, last, less);
                } else {
                    let top_v = h[0].0;
                    let better = if top { top_v < v } else { top_v > v };
                    if better || (top_v.is_nan() && !v.is_nan()) {
                        h[0] = (v, si);
                        if ks[i] > 1 {
                            down(h, 0, less);
                        }
                    }
                }
            }
            inputs.push((s.labels, s.drop_name));
            Ok(())
        })?;
        // Output series in group order, each group's members best first (the instant order).
        let mut slot_of: HashMap<u32, usize> = HashMap::new();
        let mut out: Vec<Series> = Vec::new();
        for group in &mut heaps {
            for (i, h) in group.iter_mut().enumerate() {
                h.sort_by(|x, y| order(x.0, y.0, top));
                for &(v, si) in h.iter() {
                    let slot = *slot_of.entry(si).or_insert_with(|| {
                        let (labels, drop_name) = inputs[si as usize].clone();
                        out.push(Series {
                            labels,
                            drop_name,
                            vals: vec![ABSENT; g.n],
                        });
                        out.len() - 1
                    });
                    out[slot].vals[i] = v;
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn count_values(&mut self, a: &AggregateExpr, g: Grid) -> Result<Vec<Series>> {
        let mut param = a.param.as_deref();
        while let Some(Expr::Paren(p)) = param {
            param = Some(&p.expr);
        }
        let Some(Expr::StringLiteral(label)) = param else {
            return Err(Error::exec("count_values needs a string parameter"));
        };
        if let Some(bytes) = &label.invalid_utf8 {
            return Err(Error::exec(format!(
                "invalid label name {}",
                go_quote_bytes(bytes)
            )));
        }
        if label.value.is_empty() {
            return Err(Error::exec("invalid label name \"\""));
        }
        let name = label.value.as_str();
        let mut grouping = a.grouping.clone();
        if !a.without {
            grouping.push(name.to_string());
        }
        let series = self.eval_vector(&a.expr, g)?;
        let mut out = OutBuilder::new(g.n);
        let mut counts: HashMap<usize, f64> = HashMap::new();
        for i in 0..g.n {
            counts.clear();
            let mut order = Vec::new();
            for s in &series {
                let v = s.vals[i];
                if is_absent(v) {
                    continue;
                }
                let labels = s.labels.with(name, format_go_f(v));
                let key = group_labels(&labels, &grouping, a.without);
                let slot = out.slot(&key, false);
                let c = counts.entry(slot).or_insert_with(|| {
                    order.push(slot);
                    0.0
                });
                *c += 1.0;
            }
            for slot in order {
                out.set(slot, i, counts[&slot])?;
            }
        }
        Ok(out.finish())
    }
}

/// Best first: descending for topk, ascending for bottomk, NaN last.
fn order(a: f64, b: f64, top: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ if top => b.partial_cmp(&a).unwrap_or(Ordering::Equal),
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// Go's `strconv.Quote` for raw bytes: invalid UTF-8 becomes `\xNN`.
fn go_quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for ch in chunk.valid().chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}
