//! Table-driven parser tests, in the spirit of Prometheus' `parse_test.go` and
//! promql-parser's `Case` tables: structure and precedence, error messages with positions,
//! and printing.

mod errors;
mod printing;
mod structure;
mod type_errors;

use super::ast::Expr;
use super::duration::Duration;

/// A fully parenthesised rendering that makes the tree shape visible:
/// `1 + 2 * 3` is `(+ 1 (* 2 3))`.
pub(super) fn sexpr(e: &Expr) -> String {
    match e {
        Expr::Binary(b) => {
            let mut op = b.op.as_str().to_string();
            if b.return_bool {
                op.push_str(" bool");
            }
            format!("({op} {} {})", sexpr(&b.lhs), sexpr(&b.rhs))
        }
        Expr::Unary(u) => format!("({} {})", u.op.as_str(), sexpr(&u.expr)),
        Expr::Paren(p) => format!("[{}]", sexpr(&p.expr)),
        Expr::Subquery(s) => format!("(subquery {} {})", sexpr(&s.expr), s.suffix()),
        Expr::Call(c) => {
            let args: Vec<String> = c.args.iter().map(sexpr).collect();
            format!("({} {})", c.func.name, args.join(" "))
        }
        Expr::Aggregate(a) => {
            let p = a
                .param
                .as_ref()
                .map(|p| format!("{} ", sexpr(p)))
                .unwrap_or_default();
            format!("({} {p}{})", a.op_string().trim_end(), sexpr(&a.expr))
        }
        other => other.to_string(),
    }
}

/// Milliseconds of a fixed duration, for assertions.
pub(super) fn fixed(d: &Duration) -> i64 {
    match d {
        Duration::Fixed(ms) => *ms,
        Duration::Expr(e) => panic!("expected a fixed duration, got {e}"),
    }
}
