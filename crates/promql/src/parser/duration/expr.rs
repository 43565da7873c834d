//! Duration expression trees (`5m * 2`, `min_of(step(), 1h)`) and their evaluation, in
//! seconds as Prometheus computes them.

use super::{DurationContext, DurationError};
use crate::parser::ast::{Span, UnaryOp};

/// Arithmetic operators of duration expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum DurationOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

impl DurationOp {
    /// As written.
    pub fn as_str(self) -> &'static str {
        match self {
            DurationOp::Add => "+",
            DurationOp::Sub => "-",
            DurationOp::Mul => "*",
            DurationOp::Div => "/",
            DurationOp::Mod => "%",
            DurationOp::Pow => "^",
        }
    }

    /// Binding strength, matching the binary operators of expressions.
    pub(crate) fn precedence(self) -> u8 {
        match self {
            DurationOp::Add | DurationOp::Sub => 4,
            DurationOp::Mul | DurationOp::Div | DurationOp::Mod => 5,
            DurationOp::Pow => 6,
        }
    }
}

/// A node of a duration expression. Values are in seconds, as in Prometheus.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationExpr {
    /// What the node is.
    pub kind: DurationExprKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of duration expression node.
#[derive(Debug, Clone)]
pub enum DurationExprKind {
    /// A number (seconds) or a duration literal (`duration` is then true).
    Number {
        /// Seconds.
        value: f64,
        /// Written as a duration (`5m`) rather than a number.
        duration: bool,
    },
    /// `step()`: the query step.
    Step,
    /// `range()`: the query range.
    Range,
    /// `min_of(a, b)`.
    MinOf(Box<DurationExpr>, Box<DurationExpr>),
    /// `max_of(a, b)`.
    MaxOf(Box<DurationExpr>, Box<DurationExpr>),
    /// `-d`, `+d`.
    Unary(UnaryOp, Box<DurationExpr>),
    /// `a op b`.
    Binary(DurationOp, Box<DurationExpr>, Box<DurationExpr>),
    /// `(d)`.
    Paren(Box<DurationExpr>),
}

impl PartialEq for DurationExprKind {
    fn eq(&self, other: &Self) -> bool {
        use DurationExprKind::*;
        match (self, other) {
            (
                Number {
                    value: a,
                    duration: x,
                },
                Number {
                    value: b,
                    duration: y,
                },
            ) => x == y && (a == b || (a.is_nan() && b.is_nan())),
            (Step, Step) | (Range, Range) => true,
            (MinOf(a, b), MinOf(c, d)) | (MaxOf(a, b), MaxOf(c, d)) => a == c && b == d,
            (Unary(o1, a), Unary(o2, b)) => o1 == o2 && a == b,
            (Binary(o1, a, b), Binary(o2, c, d)) => o1 == o2 && a == c && b == d,
            (Paren(a), Paren(b)) => a == b,
            _ => false,
        }
    }
}

impl DurationExpr {
    /// Evaluates in seconds, as Prometheus' engine does before converting to a duration.
    pub fn eval_seconds(&self, ctx: DurationContext) -> Result<f64, DurationError> {
        self.eval(Some(ctx)).map(|v| v.unwrap_or(f64::NAN))
    }

    /// The value in seconds if it does not involve `step()` or `range()`.
    pub fn constant_seconds(&self) -> Option<f64> {
        self.eval(None).ok().flatten()
    }

    /// `None` inside the result means "depends on the query".
    pub(crate) fn eval(&self, ctx: Option<DurationContext>) -> Result<Option<f64>, DurationError> {
        use DurationExprKind::*;
        let secs = |ms: i64| ms as f64 / 1000.0;
        Ok(match &self.kind {
            Number { value, .. } => Some(*value),
            Step => ctx.map(|c| secs(c.step_ms)),
            Range => ctx.map(|c| secs(c.range_ms)),
            Paren(e) => e.eval(ctx)?,
            Unary(op, e) => e
                .eval(ctx)?
                .map(|v| if *op == UnaryOp::Neg { -v } else { v }),
            MinOf(a, b) | MaxOf(a, b) => {
                let (a, b) = (a.eval(ctx)?, b.eval(ctx)?);
                let Some((a, b)) = a.zip(b) else {
                    return Ok(None);
                };
                Some(if matches!(self.kind, MinOf(..)) {
                    go_min(a, b)
                } else {
                    go_max(a, b)
                })
            }
            Binary(op, l, r) => {
                let (l, r) = (l.eval(ctx)?, r.eval(ctx)?);
                match op {
                    DurationOp::Div if r == Some(0.0) => return Err(DurationError::DivisionByZero),
                    DurationOp::Mod if r == Some(0.0) => return Err(DurationError::ModuloByZero),
                    _ => {}
                }
                let Some((l, r)) = l.zip(r) else {
                    return Ok(None);
                };
                Some(match op {
                    DurationOp::Add => l + r,
                    DurationOp::Sub => l - r,
                    DurationOp::Mul => l * r,
                    DurationOp::Div => l / r,
                    DurationOp::Mod => l % r,
                    DurationOp::Pow => l.powf(r),
                })
            }
        })
    }

    pub(crate) fn clear_spans(&mut self) {
        use DurationExprKind::*;
        self.span = Span::default();
        match &mut self.kind {
            Number { .. } | Step | Range => {}
            Paren(e) | Unary(_, e) => e.clear_spans(),
            MinOf(a, b) | MaxOf(a, b) | Binary(_, a, b) => {
                a.clear_spans();
                b.clear_spans();
            }
        }
    }
}

/// Go's `math.Min`: NaN wins, and -0 is smaller than +0.
pub fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_negative() { a } else { b }
    } else {
        a.min(b)
    }
}

/// Go's `math.Max`: NaN wins, and +0 is larger than -0.
pub fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_positive() { a } else { b }
    } else {
        a.max(b)
    }
}
