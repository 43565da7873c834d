//! The multi-line form used by `/api/v1/format_query`, following Prometheus' `prettier.go`:
//! a node that prints longer than 100 characters is split, its children indented by two
//! spaces per level; shorter nodes print on one line.

use super::ast::Expr;

const MAX_LINE: usize = 100;
const INDENT: &str = "  ";

/// Formats `expr` over several lines when it is long, like Prometheus' `Prettify`.
pub fn prettify(expr: &Expr) -> String {
    pretty(expr, 0)
}

fn indent(level: usize) -> String {
    INDENT.repeat(level)
}

fn pretty(expr: &Expr, level: usize) -> String {
    let flat = expr.to_string();
    let pad = indent(level);
    if flat.len() <= MAX_LINE {
        return format!("{pad}{flat}");
    }
    match expr {
        Expr::Aggregate(a) => {
            let mut s = format!("{pad}{}(\n", a.op_string());
            if let Some(p) = &a.param {
                s.push_str(&pretty(p, level + 1));
                s.push_str(",\n");
            }
            s.push_str(&pretty(&a.expr, level + 1));
            s.push('\n');
            s.push_str(&pad);
            s.push(')');
            s
        }
        Expr::Binary(b) => format!(
            "{}\n{pad}{}\n{}",
            pretty(&b.lhs, level + 1),
            b.op_string(),
            pretty(&b.rhs, level + 1)
        ),
        Expr::Call(c) => {
            let args: Vec<String> = c.args.iter().map(|a| pretty(a, level + 1)).collect();
            format!("{pad}{}(\n{}\n{pad})", c.func.name, args.join(",\n"))
        }
        Expr::Paren(p) => format!("{pad}(\n{}\n{pad})", pretty(&p.expr, level + 1)),
        Expr::Subquery(sq) => format!("{}{}", pretty(&sq.expr, level), sq.suffix()),
        Expr::Unary(u) => format!("{pad}{}{}", u.op.as_str(), pretty(&u.expr, level).trim()),
        Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::VectorSelector(_)
        | Expr::MatrixSelector(_) => format!("{pad}{flat}"),
    }
}
