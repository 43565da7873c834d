//! The evaluator: walks the syntax tree and evaluates every node over a whole step grid at once.
//!
//! An instant vector over a grid is a list of [`Series`], each holding one dense value per step
//! where a marker NaN ([`ABSENT`]) means "no sample at this step". Producers that can hand out
//! one series at a time (selectors, range functions, element-wise functions) do so through
//! [`Evaluator::stream`], which lets aggregations consume thousands of series without holding
//! them all.

use std::collections::HashMap;

use model::{Labels, Querier, SampleBuf};

use super::annotations::Annotations;
use super::error::{DUPLICATE_LABELSET, Error, Result};
use super::limits::Limits;
use crate::parser::{
    AtModifier, Duration, DurationContext, Expr, UnaryOp, ValueType, VectorSelector,
};

/// Bit pattern marking "no value at this step" in dense step arrays: a signalling NaN no
/// arithmetic produces (results of operations on NaN are quiet) and storage never holds.
const ABSENT_BITS: u64 = 0x7ff4_0000_00ab_5e17;

/// The "no value" marker.
pub(crate) const ABSENT: f64 = f64::from_bits(ABSENT_BITS);

/// Whether `v` is the "no value" marker.
#[inline]
pub(crate) fn is_absent(v: f64) -> bool {
    v.to_bits() == ABSENT_BITS
}

/// Evaluation times `start, start + step, ...` (`n` of them; `step` is 0 for instant queries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grid {
    pub(crate) start: i64,
    pub(crate) step: i64,
    pub(crate) n: usize,
}

impl Grid {
    #[inline]
    pub(crate) fn t(&self, i: usize) -> i64 {
        self.start + i as i64 * self.step
    }
}

/// One series of an instant vector over a grid.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub(crate) labels: Labels,
    /// Delayed `__name__` removal: drop the name (and `__type__`, `__unit__`) at the end.
    pub(crate) drop_name: bool,
    pub(crate) vals: Vec<f64>,
}

impl Series {
    pub(crate) fn points(&self) -> usize {
        self.vals.iter().filter(|v| !is_absent(**v)).count()
    }
}

/// One series of a range vector: raw points.
#[derive(Debug, Clone)]
pub(crate) struct RangeSeries {
    pub(crate) labels: Labels,
    pub(crate) drop_name: bool,
    pub(crate) t: Vec<i64>,
    pub(crate) v: Vec<f64>,
}

/// A value over a grid.
#[derive(Debug)]
pub(crate) enum Val {
    Scalar(Vec<f64>),
    Vector(Vec<Series>),
    Matrix(Vec<RangeSeries>),
    Str(String),
}

/// Receives streamed series.
pub(crate) type Sink<'s> = dyn FnMut(Series) -> Result<()> + 's;

/// Query-wide settings the nodes need.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    /// Query start and end (`@ start()`, `@ end()`).
    pub(crate) start: i64,
    pub(crate) end: i64,
    /// Whether this is a range query (for the sort warning).
    pub(crate) range_query: bool,
    pub(crate) lookback: i64,
    /// Subquery step when none is written.
    pub(crate) default_step: i64,
    pub(crate) dctx: DurationContext,
}

/// Evaluates one query.
pub(crate) struct Evaluator<'q, Q: Querier> {
    pub(crate) q: &'q Q,
    pub(crate) ctx: Ctx,
    pub(crate) limits: Limits,
    pub(crate) annos: Annotations,
    /// Reused sample buffer for storage reads.
    pub(crate) buf: SampleBuf,
}

impl<Q: Querier> std::fmt::Debug for Evaluator<'_, Q> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("ctx", &self.ctx)
            .finish_non_exhaustive()
    }
}

impl<'q, Q: Querier> Evaluator<'q, Q> {
    pub(crate) fn new(q: &'q Q, ctx: Ctx, limits: Limits) -> Self {
        Evaluator {
            q,
            ctx,
            limits,
            annos: Annotations::default(),
            buf: SampleBuf::new(),
        }
    }

    /// Evaluates `e` over grid `g`.
    pub(crate) fn eval(&mut self, e: &Expr, g: Grid) -> Result<Val> {
        self.limits.check()?;
        match e {
            Expr::NumberLiteral(n) => self.scalar(vec![n.value; g.n]),
            Expr::StringLiteral(s) => Ok(Val::Str(s.value.clone())),
            Expr::Paren(p) => self.eval(&p.expr, g),
            Expr::MatrixSelector(m) => self.matrix_selector_value(m, g),
            Expr::Subquery(s) => self.subquery_value(s, g),
            Expr::Unary(u) if u.expr.value_type() == ValueType::Scalar => {
                let v = self.eval_scalar(&u.expr, g)?;
                let neg = u.op == UnaryOp::Neg;
                Ok(Val::Scalar(
                    v.into_iter().map(|x| if neg { -x } else { x }).collect(),
                ))
            }
            Expr::Binary(b) if e.value_type() == ValueType::Scalar => self.scalar_binary(b, g),
            Expr::Binary(b) if !b.op.is_set_operator() && is_vv(b) => self.vector_binary(b, g),
            Expr::Binary(b) if is_vv(b) => self.set_binary(b, g),
            Expr::Call(c) if c.func.return_type == ValueType::Scalar => self.scalar_call(c, g),
            Expr::Call(c) if !super::functions::streams(c) => self.vector_call(c, g),
            Expr::Aggregate(a) => self.aggregate(a, g),
            _ => {
                let mut out = Vec::new();
                let mut points = 0;
                self.stream(e, g, &mut |s| {
                    points += s.points();
                    out.push(s);
                    Ok(())
                })?;
                self.limits.take(points)?;
                Ok(Val::Vector(out))
            }
        }
    }

    /// Streams the series of an instant-vector expression one at a time.
    pub(crate) fn stream(&mut self, e: &Expr, g: Grid, sink: &mut Sink<'_>) -> Result<()> {
        self.limits.check()?;
        match e {
            Expr::Paren(p) => self.stream(&p.expr, g, sink),
            Expr::VectorSelector(vs) => self.stream_selector(vs, g, false, sink),
            Expr::Unary(u) => {
                let neg = u.op == UnaryOp::Neg;
                self.stream(&u.expr, g, &mut |mut s| {
                    if neg {
                        for v in s.vals.iter_mut().filter(|v| !is_absent(**v)) {
                            *v = -*v;
                        }
                        s.drop_name = true;
                    }
                    sink(s)
                })
            }
            Expr::Binary(b) if !is_vv(b) => self.stream_vector_scalar(b, g, sink),
            Expr::Call(c) if super::functions::streams(c) => self.stream_call(c, g, sink),
            _ => match self.eval(e, g)? {
                Val::Vector(v) => v.into_iter().try_for_each(sink),
                other => Err(Error::exec(format!(
                    "unexpected value of type {} where an instant vector was expected",
                    val_type(&other)
                ))),
            },
        }
    }

    /// Evaluates an instant-vector expression into its series.
    pub(crate) fn eval_vector(&mut self, e: &Expr, g: Grid) -> Result<Vec<Series>> {
        match self.eval(e, g)? {
            Val::Vector(v) => Ok(v),
            other => Err(Error::exec(format!(
                "expected instant vector, got {}",
                val_type(&other)
            ))),
        }
    }

    /// Evaluates a scalar expression: one value per step.
    pub(crate) fn eval_scalar(&mut self, e: &Expr, g: Grid) -> Result<Vec<f64>> {
        match self.eval(e, g)? {
            Val::Scalar(v) => Ok(v),
            other => Err(Error::exec(format!(
                "expected scalar, got {}",
                val_type(&other)
            ))),
        }
    }

    pub(crate) fn scalar(&mut self, v: Vec<f64>) -> Result<Val> {
        self.limits.take(v.len())?;
        Ok(Val::Scalar(v))
    }

    /// Milliseconds of a duration (offset, range, step), evaluated against the query.
    pub(crate) fn duration(&self, d: &Duration) -> Result<i64> {
        d.evaluate(self.ctx.dctx)
            .map_err(|e| Error::exec(e.to_string()))
    }

    pub(crate) fn offset(&self, d: &Option<Duration>) -> Result<i64> {
        d.as_ref().map_or(Ok(0), |d| self.duration(d))
    }

    pub(crate) fn at(&self, at: &Option<AtModifier>) -> Option<i64> {
        at.map(|a| match a {
            AtModifier::Timestamp(t) => t,
            AtModifier::Start => self.ctx.start,
            AtModifier::End => self.ctx.end,
        })
    }

    /// Reference times of a selector per step: `(@ or t) - offset`, non-decreasing.
    pub(crate) fn refs(&self, g: Grid, at: Option<i64>, offset: i64) -> Vec<i64> {
        (0..g.n)
            .map(|i| at.unwrap_or_else(|| g.t(i)) - offset)
            .collect()
    }

    pub(crate) fn selector_refs(&self, vs: &VectorSelector, g: Grid) -> Result<Vec<i64>> {
        Ok(self.refs(g, self.at(&vs.at), self.offset(&vs.offset)?))
    }

    /// Selects series from storage.
    pub(crate) fn select(
        &mut self,
        vs: &VectorSelector,
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<model::Series<Q::Samples>>> {
        self.q
            .select(&vs.matchers, mint, maxt)
            .map_err(|e| Error::Storage(Box::new(e)))
    }
}

fn is_vv(b: &crate::parser::BinaryExpr) -> bool {
    b.lhs.value_type() == ValueType::Vector && b.rhs.value_type() == ValueType::Vector
}

fn val_type(v: &Val) -> &'static str {
    match v {
        Val::Scalar(_) => "scalar",
        Val::Vector(_) => "instant vector",
        Val::Matrix(_) => "range vector",
        Val::Str(_) => "string",
    }
}

/// The labels `drop_name` removes: the metric name and the type-and-unit metadata labels.
pub(crate) const SCHEMA_LABELS: [&str; 3] = ["__name__", "__type__", "__unit__"];

/// Collects output series keyed by label set; two values for one label set at the same step are
/// the "same labelset" error.
#[derive(Debug, Default)]
pub(crate) struct OutBuilder {
    n: usize,
    index: HashMap<Labels, usize>,
    pub(crate) series: Vec<Series>,
}

impl OutBuilder {
    pub(crate) fn new(n: usize) -> Self {
        OutBuilder {
            n,
            index: HashMap::new(),
            series: Vec::new(),
        }
    }

    /// The slot for `labels`, created on first use.
    pub(crate) fn slot(&mut self, labels: &Labels, drop_name: bool) -> usize {
        if let Some(&i) = self.index.get(labels) {
            return i;
        }
        let i = self.series.len();
        self.series.push(Series {
            labels: labels.clone(),
            drop_name,
            vals: vec![ABSENT; self.n],
        });
        self.index.insert(labels.clone(), i);
        i
    }

    pub(crate) fn set(&mut self, slot: usize, step: usize, v: f64) -> Result<()> {
        let cell = &mut self.series[slot].vals[step];
        if !is_absent(*cell) {
            return Err(Error::exec(DUPLICATE_LABELSET));
        }
        *cell = v;
        Ok(())
    }

    pub(crate) fn finish(self) -> Vec<Series> {
        self.series
            .into_iter()
            .filter(|s| s.vals.iter().any(|v| !is_absent(*v)))
            .collect()
    }
}
