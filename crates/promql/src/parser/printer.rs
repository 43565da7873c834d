//! The canonical single-line form of an expression, as Prometheus' `String()` methods write
//! it: `sum by (job) (rate(x{a="b"}[5m]))`. Parsing the output gives the same tree back.

use std::fmt::{self, Display, Formatter, Write};

use model::labels::is_legacy_label_name;
use model::{METRIC_NAME, Matcher};

use super::ast::{AggregateExpr, AtModifier, BinaryExpr, Expr, NumberLiteral, StringLiteral};
use super::ast::{SubqueryExpr, VectorMatchCardinality, VectorSelector};
use super::duration::{Duration, DurationExpr, DurationExprKind, format_duration};
use super::literal::{go_quote, go_quote_bytes};

/// A float as Go's `strconv.FormatFloat(v, 'f', -1, 64)`.
pub(crate) fn format_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        v.to_string()
    }
}

/// A float as Go's `%v`/`%g` (shortest, exponent for large and small magnitudes).
fn format_float_g(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return format_float(v);
    }
    let exp = v.abs().log10().floor();
    if !(-4.0..21.0).contains(&exp) {
        let s = format!("{v:e}");
        // Rust writes `1e21`, Go `1e+21`.
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e:0>2}"),
            Some((m, e)) => format!("{m}e-{:0>2}", &e[1..]),
            None => s,
        }
    } else {
        format_float(v)
    }
}

fn write_labels(f: &mut Formatter<'_>, labels: &[String]) -> fmt::Result {
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        if is_legacy_label_name(l) {
            f.write_str(l)?;
        } else {
            f.write_str(&go_quote(l))?;
        }
    }
    Ok(())
}

/// A matcher as Prometheus' `Matcher.String()`: the name quoted unless it is a plain label
/// name, the value always quoted.
fn matcher_string(m: &Matcher) -> String {
    let name = if is_legacy_label_name(&m.name) {
        m.name.clone()
    } else {
        go_quote(&m.name)
    };
    format!("{name}{}{}", m.op.as_str(), go_quote(&m.value))
}

impl Display for Duration {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Duration::Fixed(ms) => f.write_str(&format_duration(*ms)),
            Duration::Expr(e) => e.fmt(f),
        }
    }
}

impl Display for DurationExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DurationExprKind::Number {
                value,
                duration: true,
            } => f.write_str(&format_duration((value * 1000.0).round() as i64)),
            DurationExprKind::Number {
                value,
                duration: false,
            } => f.write_str(&format_float(*value)),
            DurationExprKind::Step => f.write_str("step()"),
            DurationExprKind::Range => f.write_str("range()"),
            DurationExprKind::MinOf(a, b) => write!(f, "min_of({a}, {b})"),
            DurationExprKind::MaxOf(a, b) => write!(f, "max_of({a}, {b})"),
            DurationExprKind::Unary(op, e) => write!(f, "{}{e}", op.as_str()),
            DurationExprKind::Binary(op, a, b) => write!(f, "{a} {} {b}", op.as_str()),
            DurationExprKind::Paren(e) => write!(f, "({e})"),
        }
    }
}

fn write_at(f: &mut Formatter<'_>, at: Option<AtModifier>) -> fmt::Result {
    match at {
        Some(AtModifier::Timestamp(ms)) => write!(f, " @ {:.3}", ms as f64 / 1000.0),
        Some(AtModifier::Start) => f.write_str(" @ start()"),
        Some(AtModifier::End) => f.write_str(" @ end()"),
        None => Ok(()),
    }
}

fn write_offset(f: &mut Formatter<'_>, offset: &Option<Duration>) -> fmt::Result {
    match offset {
        Some(d) => write!(f, " offset {d}"),
        None => Ok(()),
    }
}

/// `name{matchers}` without modifiers.
fn write_selector_body(f: &mut Formatter<'_>, vs: &VectorSelector) -> fmt::Result {
    let mut parts: Vec<String> = vs
        .matchers
        .iter()
        .filter(|m| {
            // The matcher standing for the name outside the braces is not repeated.
            !(m.name == METRIC_NAME
                && m.op == model::MatchOp::Equal
                && Some(m.value.as_str()) == vs.name.as_deref()
                && !m.value.is_empty())
        })
        .map(matcher_string)
        .collect();
    parts.sort();
    if let Some(name) = &vs.name {
        f.write_str(name)?;
    }
    if !parts.is_empty() {
        write!(f, "{{{}}}", parts.join(","))?;
    }
    Ok(())
}

impl Display for VectorSelector {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_selector_body(f, self)?;
        write_at(f, self.at)?;
        if self.anchored {
            f.write_str(" anchored")?;
        } else if self.smoothed {
            f.write_str(" smoothed")?;
        }
        write_offset(f, &self.offset)
    }
}

impl Display for NumberLiteral {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.duration {
            return f.write_str(&format_duration((self.value * 1000.0).round() as i64));
        }
        f.write_str(&format_float(self.value))
    }
}

impl Display for StringLiteral {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.invalid_utf8 {
            Some(bytes) => f.write_str(&go_quote_bytes(bytes)),
            None => f.write_str(&go_quote(&self.value)),
        }
    }
}

impl AggregateExpr {
    /// `sum`, `sum by (a, b) `, `sum without (a) `: the part before the arguments.
    pub(crate) fn op_string(&self) -> String {
        let mut s = self.op.as_str().to_string();
        if self.without || !self.grouping.is_empty() {
            let _ = write!(s, " {} (", if self.without { "without" } else { "by" });
            let _ = write!(s, "{}", Labels(&self.grouping));
            s.push_str(") ");
        }
        s
    }
}

/// Displays a label list the way grouping clauses print it.
struct Labels<'a>(&'a [String]);

impl Display for Labels<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_labels(f, self.0)
    }
}

impl BinaryExpr {
    /// The operator with `bool`, matching and fill modifiers, e.g. `/ on (a) group_left (b)`.
    pub(crate) fn op_string(&self) -> String {
        let mut s = self.op.as_str().to_string();
        if self.return_bool {
            s.push_str(" bool");
        }
        let Some(vm) = &self.matching else { return s };
        let grouped = matches!(
            vm.card,
            VectorMatchCardinality::ManyToOne | VectorMatchCardinality::OneToMany
        );
        if !vm.matching_labels.is_empty() || vm.on || grouped {
            let _ = write!(
                s,
                " {} ({})",
                if vm.on { "on" } else { "ignoring" },
                Labels(&vm.matching_labels)
            );
        }
        if grouped {
            let side = if vm.card == VectorMatchCardinality::ManyToOne {
                "left"
            } else {
                "right"
            };
            let _ = write!(s, " group_{side} ({})", Labels(&vm.include));
        }
        match (vm.fill_lhs, vm.fill_rhs) {
            (Some(l), Some(r)) if l.to_bits() == r.to_bits() => {
                let _ = write!(s, " fill ({})", format_float_g(l));
            }
            (l, r) => {
                if let Some(l) = l {
                    let _ = write!(s, " fill_left ({})", format_float_g(l));
                }
                if let Some(r) = r {
                    let _ = write!(s, " fill_right ({})", format_float_g(r));
                }
            }
        }
        s
    }
}

impl SubqueryExpr {
    /// `[range:step] @ t offset d`.
    pub(crate) fn suffix(&self) -> String {
        let mut s = format!("[{}:", self.range);
        if let Some(step) = &self.step {
            let _ = write!(s, "{step}");
        }
        s.push(']');
        let _ = write!(s, "{}", Modifiers(self.at, &self.offset));
        s
    }
}

struct Modifiers<'a>(Option<AtModifier>, &'a Option<Duration>);

impl Display for Modifiers<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_at(f, self.0)?;
        write_offset(f, self.1)
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::NumberLiteral(n) => n.fmt(f),
            Expr::StringLiteral(s) => s.fmt(f),
            Expr::VectorSelector(vs) => vs.fmt(f),
            Expr::MatrixSelector(ms) => {
                let vs = &ms.selector;
                write_selector_body(f, vs)?;
                write!(f, "[{}]", ms.range)?;
                if vs.anchored {
                    f.write_str(" anchored")?;
                } else if vs.smoothed {
                    f.write_str(" smoothed")?;
                }
                write!(f, "{}", Modifiers(vs.at, &vs.offset))
            }
            Expr::Subquery(sq) => write!(f, "{}{}", sq.expr, sq.suffix()),
            Expr::Paren(p) => write!(f, "({})", p.expr),
            Expr::Unary(u) => write!(f, "{}{}", u.op.as_str(), u.expr),
            Expr::Binary(b) => write!(f, "{} {} {}", b.lhs, b.op_string(), b.rhs),
            Expr::Aggregate(a) => {
                f.write_str(&a.op_string())?;
                f.write_str("(")?;
                if let Some(p) = &a.param {
                    write!(f, "{p}, ")?;
                }
                write!(f, "{})", a.expr)
            }
            Expr::Call(c) => {
                write!(f, "{}(", c.func.name)?;
                for (i, a) in c.args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    a.fmt(f)?;
                }
                f.write_str(")")
            }
        }
    }
}
