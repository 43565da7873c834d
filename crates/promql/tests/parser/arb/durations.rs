//! Random duration expressions for ranges, steps and offsets, shaped as the parser builds
//! them: literals are positive (no division by zero), signs on literals are folded, and an
//! offset expression is a primary unless parenthesised.

use otelstore_promql::{Duration, DurationExpr, DurationExprKind, UnaryOp};

use super::{Rng, sp};

fn dur(kind: DurationExprKind) -> DurationExpr {
    DurationExpr { kind, span: sp() }
}

fn dur_literal(rng: &mut Rng) -> DurationExpr {
    if rng.chance(50) {
        let ms = (1 + rng.below(90_000_000)) as f64;
        dur(DurationExprKind::Number {
            value: ms / 1000.0,
            duration: true,
        })
    } else {
        dur(DurationExprKind::Number {
            value: 1.0 + rng.below(100) as f64,
            duration: false,
        })
    }
}

/// A duration expression; literals are positive, so no division by zero can appear.
fn dur_expr(rng: &mut Rng, depth: usize) -> DurationExpr {
    use DurationExprKind::*;
    if depth == 0 {
        return match rng.below(4) {
            0 => dur(Step),
            1 => dur(Range),
            _ => dur_literal(rng),
        };
    }
    let a = dur_expr(rng, depth - 1);
    let b = dur_expr(rng, depth - 1);
    match rng.below(5) {
        0 => dur(Paren(Box::new(a))),
        1 => dur(MinOf(Box::new(a), Box::new(b))),
        2 => dur(MaxOf(Box::new(a), Box::new(b))),
        3 => dur(Unary(UnaryOp::Neg, Box::new(wrap_dur_operand(a, 6, false)))),
        _ => {
            use otelstore_promql::parser::DurationOp::*;
            let op = *rng.pick(&[Add, Sub, Mul, Div, Mod, Pow]);
            let prec = match op {
                Add | Sub => 4,
                Mul | Div | Mod => 5,
                Pow => 6,
            };
            let a = wrap_dur_operand(a, prec, op == Pow);
            let b = wrap_dur_operand(b, prec + u8::from(op != Pow), false);
            dur(Binary(op, Box::new(a), Box::new(b)))
        }
    }
}

/// How tightly a duration node binds: 4 (`+ -`), 5 (`* / %`, signs and negative literals),
/// 6 (`^`), 7 (atoms).
fn dur_prec(e: &DurationExpr) -> u8 {
    use otelstore_promql::parser::DurationOp::*;
    match &e.kind {
        DurationExprKind::Binary(Add | Sub, ..) => 4,
        DurationExprKind::Binary(Pow, ..) => 6,
        DurationExprKind::Binary(..) | DurationExprKind::Unary(..) => 5,
        DurationExprKind::Number { value, .. } if value.is_sign_negative() => 5,
        _ => 7,
    }
}

/// Parenthesises an operand that would otherwise parse differently; `needs` gets its
/// precedence.
fn wrap_dur(e: DurationExpr, needs: impl Fn(u8) -> bool) -> DurationExpr {
    if needs(dur_prec(&e)) {
        dur(DurationExprKind::Paren(Box::new(e)))
    } else {
        e
    }
}

fn wrap_dur_operand(e: DurationExpr, min_prec: u8, pow_lhs: bool) -> DurationExpr {
    let is_number = matches!(e.kind, DurationExprKind::Number { .. });
    if pow_lhs {
        wrap_dur(e, |p| p <= 6)
    } else if min_prec == 6 && is_number {
        // A sign directly on a literal would be folded into it.
        dur(DurationExprKind::Paren(Box::new(e)))
    } else {
        wrap_dur(e, |p| p < min_prec)
    }
}

/// A duration for a range or step (positive when constant) or an offset.
pub(super) fn duration(rng: &mut Rng, positive: bool) -> Duration {
    if rng.chance(60) {
        let ms = 1 + rng.below(1_000_000_000) as i64;
        return Duration::Fixed(if !positive && rng.chance(30) { -ms } else { ms });
    }
    let depth = 1 + rng.below(2);
    let mut e = dur_expr(rng, depth);
    if !positive {
        // After `offset` only a primary may follow, so anything else is parenthesised.
        if !matches!(
            e.kind,
            DurationExprKind::Paren(_)
                | DurationExprKind::Step
                | DurationExprKind::Range
                | DurationExprKind::MinOf(..)
                | DurationExprKind::MaxOf(..)
        ) {
            e = dur(DurationExprKind::Paren(Box::new(e)));
        }
        if rng.chance(30) {
            e = dur(DurationExprKind::Unary(UnaryOp::Neg, Box::new(e)));
        }
    } else if matches!(e.kind, DurationExprKind::Number { .. }) {
        e = dur(DurationExprKind::Paren(Box::new(e)));
    }
    match e.constant_seconds() {
        Some(v) if !v.is_finite() || v.abs() > 9e9 || (positive && v <= 0.0) => {
            Duration::Fixed(60_000)
        }
        _ => Duration::Expr(Box::new(e)),
    }
}
