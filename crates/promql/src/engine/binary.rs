//! Binary operators: scalar/scalar, vector/scalar (streamed), vector/vector with one-to-one and
//! group_left/group_right matching, and the set operators.
//!
//! Matching signatures and result label sets are computed once per series (pair), not per
//! step; per step only presence is checked.

use std::collections::HashMap;

use model::{Labels, METRIC_NAME, Querier};

use super::error::{Error, Result};
use super::eval::{
    ABSENT, Evaluator, Grid, OutBuilder, SCHEMA_LABELS, Series, Sink, Val, is_absent,
};
use crate::parser::{BinaryExpr, BinaryOp, VectorMatchCardinality, VectorMatching};

/// Arithmetic result of `l op r`.
pub(crate) fn arith(op: BinaryOp, l: f64, r: f64) -> f64 {
    match op {
        BinaryOp::Add => l + r,
        BinaryOp::Sub => l - r,
        BinaryOp::Mul => l * r,
        BinaryOp::Div => l / r,
        BinaryOp::Mod => l % r,
        BinaryOp::Pow => l.powf(r),
        BinaryOp::Atan2 => l.atan2(r),
        _ => f64::NAN,
    }
}

/// Comparison result of `l op r` (false for non-comparisons).
pub(crate) fn compare(op: BinaryOp, l: f64, r: f64) -> bool {
    match op {
        BinaryOp::Eql => l == r,
        BinaryOp::Neq => l != r,
        BinaryOp::Gtr => l > r,
        BinaryOp::Lss => l < r,
        BinaryOp::Gte => l >= r,
        BinaryOp::Lte => l <= r,
        _ => false,
    }
}

/// Operators whose result is a different kind of quantity: they drop the metric name.
fn changes_schema(op: BinaryOp) -> bool {
    !op.is_comparison() && !op.is_set_operator()
}

/// `(value, keep)` of one element pair, as Prometheus' `vectorElemBinop` for floats.
fn elem(op: BinaryOp, l: f64, r: f64) -> (f64, bool) {
    if op.is_comparison() {
        (l, compare(op, l, r))
    } else {
        (arith(op, l, r), true)
    }
}

fn is_trim(op: BinaryOp) -> bool {
    matches!(op, BinaryOp::TrimUpper | BinaryOp::TrimLower)
}

/// The matching signature of a label set.
fn signature(labels: &Labels, m: &VectorMatching) -> Labels {
    let names: Vec<&str> = m.matching_labels.iter().map(String::as_str).collect();
    if m.on {
        labels.keep_only(&names)
    } else {
        let mut drop = names;
        drop.push(METRIC_NAME);
        labels.without(&drop)
    }
}

impl<Q: Querier> Evaluator<'_, Q> {
    pub(crate) fn scalar_binary(&mut self, b: &BinaryExpr, g: Grid) -> Result<Val> {
        let l = self.eval_scalar(&b.lhs, g)?;
        let r = self.eval_scalar(&b.rhs, g)?;
        let v = l
            .iter()
            .zip(&r)
            .map(|(&x, &y)| {
                if b.op.is_comparison() {
                    f64::from(u8::from(compare(b.op, x, y)))
                } else {
                    arith(b.op, x, y)
                }
            })
            .collect();
        Ok(Val::Scalar(v))
    }

    /// `vector op scalar` and `scalar op vector`, one series at a time.
    pub(crate) fn stream_vector_scalar(
        &mut self,
        b: &BinaryExpr,
        g: Grid,
        sink: &mut Sink<'_>,
    ) -> Result<()> {
        let swap = b.lhs.value_type() == crate::parser::ValueType::Scalar;
        let (vec_side, scalar_side) = if swap {
            (&b.rhs, &b.lhs)
        } else {
            (&b.lhs, &b.rhs)
        };
        let scalar = self.eval_scalar(scalar_side, g)?;
        if is_trim(b.op) {
            self.trim_info(b);
            return self.stream(vec_side, g, &mut |_| Ok(()));
        }
        let (op, ret_bool) = (b.op, b.return_bool);
        self.stream(vec_side, g, &mut |mut s| {
            let mut any = false;
            for (i, v) in s.vals.iter_mut().enumerate() {
                if is_absent(*v) {
                    continue;
                }
                let (l, r) = if swap {
                    (scalar[i], *v)
                } else {
                    (*v, scalar[i])
                };
                let (mut out, keep) = elem(op, l, r);
                if op.is_comparison() {
                    // The vector's value is kept, even when the scalar is on the left.
                    out = *v;
                }
                *v = if ret_bool {
                    f64::from(u8::from(keep))
                } else if keep {
                    out
                } else {
                    ABSENT
                };
                any |= !is_absent(*v);
            }
            if changes_schema(op) || ret_bool {
                s.drop_name = true;
            }
            if any { sink(s) } else { Ok(()) }
        })
    }

    fn trim_info(&mut self, b: &BinaryExpr) {
        let op = b.op.as_str();
        let msg = format!(
            "incompatible sample types encountered for binary operator {op:?}: float {op} float"
        );
        self.annos.info(msg, b.span);
    }

    /// Arithmetic and comparisons between two instant vectors.
    pub(crate) fn vector_binary(&mut self, b: &BinaryExpr, g: Grid) -> Result<Val> {
        let m = b.matching.clone().unwrap_or_default();
        let lhs = self.eval_vector(&b.lhs, g)?;
        let rhs = self.eval_vector(&b.rhs, g)?;
        if is_trim(b.op) {
            if !lhs.is_empty() && !rhs.is_empty() {
                self.trim_info(b);
            }
            return Ok(Val::Vector(Vec::new()));
        }
        let swapped = m.card == VectorMatchCardinality::OneToMany;
        let (many, one) = if swapped { (&rhs, &lhs) } else { (&lhs, &rhs) };
        // Group the "one" side by signature.
        let mut sig_index: HashMap<Labels, usize> = HashMap::new();
        let mut one_groups: Vec<Vec<usize>> = Vec::new();
        let mut sig_labels: Vec<Labels> = Vec::new();
        for (j, s) in one.iter().enumerate() {
            let sig = signature(&s.labels, &m);
            let gi = *sig_index.entry(sig.clone()).or_insert_with(|| {
                one_groups.push(Vec::new());
                sig_labels.push(sig);
                one_groups.len() - 1
            });
            one_groups[gi].push(j);
        }
        let many_group: Vec<Option<usize>> = many
            .iter()
            .map(|s| sig_index.get(&signature(&s.labels, &m)).copied())
            .collect();
        let side = if swapped { "left" } else { "right" };
        let mut out = OutBuilder::new(g.n);
        let mut pair_slot: HashMap<(usize, usize), usize> = HashMap::new();
        // Per group: the step it last matched (one-to-one) and, for many-to-one, the result
        // slots produced at that step.
        let mut matched_at = vec![usize::MAX; one_groups.len()];
        let mut produced: HashMap<(usize, usize), usize> = HashMap::new();
        for i in 0..g.n {
            if i % 64 == 0 {
                self.limits.check()?;
            }
            for (gi, members) in one_groups.iter().enumerate() {
                if members.len() > 1 {
                    let present: Vec<usize> = members
                        .iter()
                        .copied()
                        .filter(|&j| !is_absent(one[j].vals[i]))
                        .collect();
                    if present.len() > 1 {
                        let mut names = [
                            raw_labels(&one[present[0]].labels),
                            raw_labels(&one[present[1]].labels),
                        ];
                        names.sort();
                        return Err(Error::exec(format!(
                            "found duplicate series for the match group {} on the {side} hand-side \
                             of the operation: [{}, {}];many-to-many matching not allowed: \
                             matching labels must be unique on one side",
                            raw_labels(&sig_labels[gi]),
                            names[0],
                            names[1]
                        )));
                    }
                }
            }
            for (li, ls) in many.iter().enumerate() {
                let lv = ls.vals[i];
                let Some(gi) = many_group[li] else { continue };
                if is_absent(lv) {
                    continue;
                }
                let Some(&ri) = one_groups[gi].iter().find(|&&j| !is_absent(one[j].vals[i])) else {
                    continue;
                };
                let rv = one[ri].vals[i];
                let (l, r) = if swapped { (rv, lv) } else { (lv, rv) };
                let (value, keep) = elem(b.op, l, r);
                let slot = match pair_slot.get(&(li, ri)) {
                    Some(&s) => s,
                    None => {
                        let labels = result_labels(&ls.labels, &one[ri].labels, b.op, &m);
                        let s = out.slot(&labels, b.return_bool);
                        pair_slot.insert((li, ri), s);
                        s
                    }
                };
                if m.card == VectorMatchCardinality::OneToOne {
                    if matched_at[gi] == i {
                        return Err(Error::exec(
                            "multiple matches for labels: many-to-one matching must be explicit \
                             (group_left/group_right)",
                        ));
                    }
                    matched_at[gi] = i;
                } else if produced.insert((gi, slot), i) == Some(i) {
                    return Err(Error::exec(
                        "multiple matches for labels: grouping labels must ensure unique matches",
                    ));
                }
                if b.return_bool {
                    out.set(slot, i, f64::from(u8::from(keep)))?;
                } else if keep {
                    out.set(slot, i, value)?;
                }
            }
        }
        self.release(&lhs);
        self.release(&rhs);
        let res = out.finish();
        self.take_series(&res)?;
        Ok(Val::Vector(res))
    }

    /// `and`, `or`, `unless`.
    pub(crate) fn set_binary(&mut self, b: &BinaryExpr, g: Grid) -> Result<Val> {
        let m = b.matching.clone().unwrap_or_default();
        let lhs = self.eval_vector(&b.lhs, g)?;
        let rhs = self.eval_vector(&b.rhs, g)?;
        let mut sig_index: HashMap<Labels, usize> = HashMap::new();
        let mut sig_of = |s: &Series| {
            let sig = signature(&s.labels, &m);
            let n = sig_index.len();
            *sig_index.entry(sig).or_insert(n)
        };
        let lsig: Vec<usize> = lhs.iter().map(&mut sig_of).collect();
        let rsig: Vec<usize> = rhs.iter().map(&mut sig_of).collect();
        let nsig = sig_index.len();
        let mut out = OutBuilder::new(g.n);
        let lslots: Vec<usize> = lhs
            .iter()
            .map(|s| out.slot(&s.labels, s.drop_name))
            .collect();
        let rslots: Vec<usize> = if b.op == BinaryOp::Or {
            rhs.iter()
                .map(|s| out.slot(&s.labels, s.drop_name))
                .collect()
        } else {
            Vec::new()
        };
        let mut present = vec![usize::MAX; nsig];
        for i in 0..g.n {
            if i % 64 == 0 {
                self.limits.check()?;
            }
            match b.op {
                BinaryOp::And | BinaryOp::Unless => {
                    for (j, s) in rhs.iter().enumerate() {
                        if !is_absent(s.vals[i]) {
                            present[rsig[j]] = i;
                        }
                    }
                    let want = b.op == BinaryOp::And;
                    for (j, s) in lhs.iter().enumerate() {
                        let v = s.vals[i];
                        if !is_absent(v) && (present[lsig[j]] == i) == want {
                            out.set(lslots[j], i, v)?;
                        }
                    }
                }
                _ => {
                    for (j, s) in lhs.iter().enumerate() {
                        let v = s.vals[i];
                        if !is_absent(v) {
                            present[lsig[j]] = i;
                            out.set(lslots[j], i, v)?;
                        }
                    }
                    for (j, s) in rhs.iter().enumerate() {
                        let v = s.vals[i];
                        if !is_absent(v) && present[rsig[j]] != i {
                            out.set(rslots[j], i, v)?;
                        }
                    }
                }
            }
        }
        self.release(&lhs);
        self.release(&rhs);
        let res = out.finish();
        self.take_series(&res)?;
        Ok(Val::Vector(res))
    }

    pub(crate) fn release(&mut self, series: &[Series]) {
        self.limits.give(series.iter().map(Series::points).sum());
    }

    pub(crate) fn take_series(&mut self, series: &[Series]) -> Result<()> {
        self.limits.take(series.iter().map(Series::points).sum())
    }
}

/// The labels of a vector/vector result element.
fn result_labels(many: &Labels, one: &Labels, op: BinaryOp, m: &VectorMatching) -> Labels {
    let mut labels = if changes_schema(op) {
        many.without(&SCHEMA_LABELS)
    } else {
        many.clone()
    };
    if m.card == VectorMatchCardinality::OneToOne {
        let names: Vec<&str> = m.matching_labels.iter().map(String::as_str).collect();
        labels = if m.on {
            labels.keep_only(&names)
        } else {
            labels.without(&names)
        };
    }
    for name in &m.include {
        labels = labels.with(name.as_str(), one.get(name).unwrap_or(""));
    }
    labels
}

/// Prometheus' `Labels.String()`: `{__name__="x", a="b"}`, the name not pulled out.
fn raw_labels(l: &Labels) -> String {
    let pairs: Vec<String> = l
        .iter()
        .map(|p| format!("{}={:?}", p.name, &*p.value))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}
