//! Type checking after a successful parse, in the order of Prometheus' `checkAST` so the
//! first error reported is the same. It also normalises vector matching as Prometheus does:
//! set operators become many-to-many, and scalar operands drop the matching.

use model::METRIC_NAME;

use super::ast::{AggregateExpr, AggregateOp, BinaryExpr, Call, Expr, Span, SubqueryExpr};
use super::ast::{UnaryExpr, ValueType, VectorMatchCardinality, VectorSelector};
use super::error::{Error, Result};
use super::literal::go_quote;

/// Checks `expr`, returning its type. Kept small: it recurses once per tree level, and the
/// per-kind work lives in separate functions so deep trees use little stack.
pub(crate) fn check(expr: &mut Expr, input: &str) -> Result<ValueType> {
    let ty = expr.value_type();
    match expr {
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => {}
        Expr::VectorSelector(vs) => check_selector(vs)?,
        Expr::MatrixSelector(ms) => check_selector(&ms.selector)?,
        Expr::Paren(p) => {
            check(&mut p.expr, input)?;
        }
        Expr::Subquery(sq) => check_subquery(sq, input)?,
        Expr::Unary(u) => check_unary(u, input)?,
        Expr::Aggregate(a) => check_aggregate(a, input)?,
        Expr::Call(c) => check_call(c, input)?,
        Expr::Binary(b) => check_binary(b, input)?,
    }
    Ok(ty)
}

fn check_subquery(sq: &mut SubqueryExpr, input: &str) -> Result<()> {
    let inner = check(&mut sq.expr, input)?;
    if inner != ValueType::Vector {
        let msg = format!(
            "subquery is only allowed on instant vector, got {} instead",
            inner.as_str()
        );
        return Err(Error::new(sq.span, msg));
    }
    Ok(())
}

fn check_unary(u: &mut UnaryExpr, input: &str) -> Result<()> {
    let t = check(&mut u.expr, input)?;
    if t != ValueType::Scalar && t != ValueType::Vector {
        let msg = format!(
            "unary expression only allowed on expressions of type scalar or instant vector, got {}",
            go_quote(t.documented())
        );
        return Err(Error::new(u.span, msg));
    }
    Ok(())
}

fn check_aggregate(a: &mut AggregateExpr, input: &str) -> Result<()> {
    expect_type(
        &mut a.expr,
        ValueType::Vector,
        "aggregation expression",
        input,
    )?;
    if let Some(param) = a.param.as_deref_mut() {
        let want = if a.op == AggregateOp::CountValues {
            ValueType::String
        } else {
            ValueType::Scalar
        };
        expect_type(param, want, "aggregation parameter", input)?;
    }
    Ok(())
}

fn check_call(c: &mut Call, input: &str) -> Result<()> {
    let func = c.func;
    let nargs = func.arg_types.len();
    let got = c.args.len();
    let name = go_quote(func.name);
    if func.variadic == 0 {
        if nargs != got {
            let msg = format!("expected {nargs} argument(s) in call to {name}, got {got}");
            return Err(Error::new(c.span, msg));
        }
    } else {
        let min = nargs - 1;
        if min > got {
            let msg = format!("expected at least {min} argument(s) in call to {name}, got {got}");
            return Err(Error::new(c.span, msg));
        }
        let max = min as i64 + i64::from(func.variadic);
        if func.variadic > 0 && max < got as i64 {
            let msg = format!("expected at most {max} argument(s) in call to {name}, got {got}");
            return Err(Error::new(c.span, msg));
        }
    }
    if func.name == "info" && c.args.len() > 1 {
        check_info_selector(&mut c.args[1], c.span)?;
    }
    for (i, arg) in c.args.iter_mut().enumerate() {
        let want = match func.arg_types.get(i) {
            Some(t) => *t,
            None if func.variadic == 0 => break,
            None => func.arg_types[nargs - 1],
        };
        let t = check(arg, input)?;
        if t != want {
            let msg = format!(
                "expected type {} in call to function {name}, got {}",
                want.documented(),
                t.documented()
            );
            return Err(Error::new(arg.span(), msg));
        }
    }
    Ok(())
}

fn expect_type(e: &mut Expr, want: ValueType, context: &str, input: &str) -> Result<()> {
    let t = check(e, input)?;
    if t != want {
        let msg = format!(
            "expected type {} in {context}, got {}",
            want.documented(),
            t.documented()
        );
        return Err(Error::new(e.span(), msg));
    }
    Ok(())
}

/// The second argument of `info()` must be a selector of labels only.
fn check_info_selector(arg: &mut Expr, call: Span) -> Result<()> {
    let t = arg.value_type();
    if t != ValueType::Vector {
        let msg = format!(
            "expected type {} in call to function \"info\", got {}",
            ValueType::Vector.documented(),
            t.documented()
        );
        return Err(Error::new(call, msg));
    }
    match arg {
        Expr::VectorSelector(vs) if vs.name.is_some() => Err(Error::new(
            vs.span,
            "expected label selectors only, got vector selector instead",
        )),
        Expr::VectorSelector(vs) => {
            vs.bypass_empty_matcher_check = true;
            Ok(())
        }
        other => Err(Error::new(other.span(), "expected label selectors only")),
    }
}

fn check_selector(vs: &VectorSelector) -> Result<()> {
    if let Some(name) = &vs.name {
        // The last matcher is the one for the name outside the braces.
        let inner = &vs.matchers[..vs.matchers.len().saturating_sub(1)];
        if let Some(m) = inner.iter().find(|m| m.name == METRIC_NAME) {
            let msg = format!(
                "metric name must not be set twice: {} or {}",
                go_quote(name),
                go_quote(&m.value)
            );
            return Err(Error::new(vs.span, msg));
        }
        return Ok(());
    }
    if !vs.bypass_empty_matcher_check && vs.matchers.iter().all(|m| m.matches_empty()) {
        return Err(Error::new(
            vs.span,
            "vector selector must contain at least one non-empty matcher",
        ));
    }
    Ok(())
}

/// The operator and its modifiers: from the end of the left operand to the start of the
/// right one, without surrounding spaces.
fn op_range(b: &BinaryExpr, input: &str) -> Span {
    let bytes = input.as_bytes();
    let is_space = |i: usize| {
        bytes
            .get(i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    };
    let mut start = b.lhs.span().end;
    while is_space(start) {
        start += 1;
    }
    let mut end = b.rhs.span().start.saturating_sub(1);
    while end > start && is_space(end) {
        end -= 1;
    }
    Span::new(start, end)
}

fn check_binary(b: &mut BinaryExpr, input: &str) -> Result<()> {
    let lt = check(&mut b.lhs, input)?;
    let rt = check(&mut b.rhs, input)?;
    let op = b.op;
    if b.return_bool && !op.is_comparison() {
        return Err(Error::new(
            op_range(b, input),
            "bool modifier can only be used on comparison operators",
        ));
    }
    if op.is_comparison() && !b.return_bool && lt == ValueType::Scalar && rt == ValueType::Scalar {
        return Err(Error::new(
            op_range(b, input),
            "comparisons between scalars must use BOOL modifier",
        ));
    }
    if let Some(m) = b.matching.as_mut() {
        if op.is_set_operator() && m.card == VectorMatchCardinality::OneToOne {
            m.card = VectorMatchCardinality::ManyToMany;
        }
        let conflict = m
            .matching_labels
            .iter()
            .find(|l| m.on && m.include.contains(l));
        if let Some(l) = conflict {
            let msg = format!(
                "label {} must not occur in ON and GROUP clause at once",
                go_quote(l)
            );
            return Err(Error::new(op_range(b, input), msg));
        }
    }
    let operand_ok = |t: ValueType| t == ValueType::Scalar || t == ValueType::Vector;
    if !operand_ok(lt) {
        return Err(Error::new(
            b.lhs.span(),
            "binary expression must contain only scalar and instant vector types",
        ));
    }
    if !operand_ok(rt) {
        return Err(Error::new(
            b.rhs.span(),
            "binary expression must contain only scalar and instant vector types",
        ));
    }
    let both_vectors = lt == ValueType::Vector && rt == ValueType::Vector;
    if let Some(m) = b.matching.as_ref() {
        if !both_vectors {
            if !m.matching_labels.is_empty() {
                return Err(Error::new(
                    b.span,
                    "vector matching only allowed between instant vectors",
                ));
            }
            if m.fill_lhs.is_some() || m.fill_rhs.is_some() {
                return Err(Error::new(
                    b.span,
                    "filling in missing series only allowed between instant vectors",
                ));
            }
            b.matching = None;
        } else if op.is_set_operator() {
            if matches!(
                m.card,
                VectorMatchCardinality::OneToMany | VectorMatchCardinality::ManyToOne
            ) {
                let msg = format!(
                    "no grouping allowed for {} operation",
                    go_quote(op.as_str())
                );
                return Err(Error::new(b.span, msg));
            }
            if m.fill_lhs.is_some() || m.fill_rhs.is_some() {
                return Err(Error::new(
                    b.span,
                    "filling in missing series not allowed for set operators",
                ));
            }
        }
    }
    if (lt == ValueType::Scalar || rt == ValueType::Scalar) && op.is_set_operator() {
        let msg = format!(
            "set operator {} not allowed in binary scalar expression",
            go_quote(op.as_str())
        );
        return Err(Error::new(b.span, msg));
    }
    Ok(())
}
