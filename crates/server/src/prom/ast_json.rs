//! A query's syntax tree as JSON, in the shape Prometheus's `parse_query` returns (the
//! Prometheus UI's tree view reads it).

use model::{MatchOp, Matcher};
use promql::{AtModifier, Duration, Expr, VectorMatchCardinality, VectorSelector};
use serde_json::{Value, json};

/// The JSON tree of `e`.
pub(super) fn to_json(e: &Expr) -> Value {
    match e {
        Expr::NumberLiteral(n) => {
            json!({"type": "numberLiteral", "val": crate::format::value(n.value)})
        }
        Expr::StringLiteral(s) => json!({"type": "stringLiteral", "val": s.value}),
        Expr::Paren(p) => json!({"type": "parenExpr", "expr": to_json(&p.expr)}),
        Expr::Unary(u) => {
            json!({"type": "unaryExpr", "op": u.op.as_str(), "expr": to_json(&u.expr)})
        }
        Expr::VectorSelector(v) => {
            let mut obj = selector(v);
            obj["type"] = json!("vectorSelector");
            obj
        }
        Expr::MatrixSelector(m) => {
            let mut obj = selector(&m.selector);
            obj["type"] = json!("matrixSelector");
            obj["range"] = millis(&m.range);
            obj
        }
        Expr::Subquery(s) => {
            let (timestamp, start_or_end) = at(s.at);
            json!({
                "type": "subquery",
                "expr": to_json(&s.expr),
                "range": millis(&s.range),
                "offset": s.offset.as_ref().map_or(json!(0), millis),
                "step": s.step.as_ref().map_or(json!(0), millis),
                "timestamp": timestamp,
                "startOrEnd": start_or_end,
            })
        }
        Expr::Binary(b) => {
            let matching = b.matching.as_ref().map(|m| {
                let card = match m.card {
                    VectorMatchCardinality::OneToOne => "one-to-one",
                    VectorMatchCardinality::ManyToOne => "many-to-one",
                    VectorMatchCardinality::OneToMany => "one-to-many",
                    VectorMatchCardinality::ManyToMany => "many-to-many",
                };
                json!({"card": card, "labels": m.matching_labels, "on": m.on, "include": m.include})
            });
            json!({
                "type": "binaryExpr",
                "op": b.op.as_str(),
                "lhs": to_json(&b.lhs),
                "rhs": to_json(&b.rhs),
                "matching": matching,
                "bool": b.return_bool,
            })
        }
        Expr::Aggregate(a) => json!({
            "type": "aggregation",
            "op": a.op.as_str(),
            "expr": to_json(&a.expr),
            "param": a.param.as_deref().map(to_json),
            "grouping": a.grouping,
            "without": a.without,
        }),
        Expr::Call(c) => json!({
            "type": "call",
            "func": {
                "name": c.func.name,
                "argTypes": c.func.arg_types.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                "variadic": c.func.variadic,
                "returnType": c.func.return_type.as_str(),
            },
            "args": c.args.iter().map(to_json).collect::<Vec<_>>(),
        }),
    }
}

fn selector(v: &VectorSelector) -> Value {
    let (timestamp, start_or_end) = at(v.at);
    json!({
        "name": v.metric_name().unwrap_or_default(),
        "matchers": v.matchers.iter().map(matcher).collect::<Vec<_>>(),
        "offset": v.offset.as_ref().map_or(json!(0), millis),
        "timestamp": timestamp,
        "startOrEnd": start_or_end,
    })
}

fn matcher(m: &Matcher) -> Value {
    let op = match m.op {
        MatchOp::Equal => "=",
        MatchOp::NotEqual => "!=",
        MatchOp::Regex => "=~",
        MatchOp::NotRegex => "!~",
    };
    json!({"type": op, "name": m.name, "value": m.value})
}

/// A duration in ms; expressions that depend on the query (`step()`) show as their text.
fn millis(d: &Duration) -> Value {
    d.fixed_millis()
        .map_or_else(|| json!(d.to_string()), |ms| json!(ms))
}

fn at(a: Option<AtModifier>) -> (Value, Value) {
    match a {
        None => (Value::Null, Value::Null),
        Some(AtModifier::Timestamp(ms)) => (json!(ms), Value::Null),
        Some(AtModifier::Start) => (Value::Null, json!("start")),
        Some(AtModifier::End) => (Value::Null, json!("end")),
    }
}
