//! Evaluation of a [`SpanFilter`] on one span, through the [`SpanView`] trait that head spans
//! and segment rows both implement, and the comparison rules shared with the index planner.

use model::trace::{AnyValue, SpanKind, StatusCode};

use super::{Condition, Field, Intrinsic, Literal, Op, SpanFilter, TagScope};

/// A borrowed attribute value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ValueRef<'a> {
    Empty,
    Str(&'a str),
    Bool(bool),
    Int(i64),
    Double(f64),
    Bytes(&'a [u8]),
    /// Arrays and key-value lists.
    Complex(&'a AnyValue),
}

impl<'a> ValueRef<'a> {
    pub(crate) fn of(v: &'a AnyValue) -> ValueRef<'a> {
        match v {
            AnyValue::Empty => ValueRef::Empty,
            AnyValue::String(s) => ValueRef::Str(s),
            AnyValue::Bool(b) => ValueRef::Bool(*b),
            AnyValue::Int(i) => ValueRef::Int(*i),
            AnyValue::Double(d) => ValueRef::Double(*d),
            AnyValue::Bytes(b) => ValueRef::Bytes(b),
            v @ (AnyValue::Array(_) | AnyValue::KvList(_)) => ValueRef::Complex(v),
        }
    }

    /// Jaeger's text form (see `AnyValue::to_text`), without allocating for strings.
    fn text_eq(self, want: &str) -> bool {
        match self {
            ValueRef::Str(s) => s == want,
            ValueRef::Empty => want.is_empty(),
            ValueRef::Bool(b) => want == if b { "true" } else { "false" },
            ValueRef::Int(i) => want.parse::<i64>() == Ok(i),
            ValueRef::Double(d) => want == d.to_string(),
            ValueRef::Bytes(b) => AnyValue::Bytes(b.to_vec()).to_text() == want,
            ValueRef::Complex(v) => v.to_text() == want,
        }
    }
}

/// Read access to one span for evaluation.
pub(crate) trait SpanView {
    fn name(&self) -> &str;
    fn service(&self) -> &str;
    fn kind(&self) -> SpanKind;
    fn status(&self) -> StatusCode;
    fn status_message(&self) -> &str;
    fn duration(&self) -> u64;
    fn trace_duration(&self) -> u64;
    fn root_service(&self) -> &str;
    fn root_name(&self) -> &str;
    /// Calls `f` on each value stored under `key` in `scope` until it returns true; returns
    /// whether it did.
    fn any_attr(&self, scope: TagScope, key: &str, f: &mut dyn FnMut(ValueRef<'_>) -> bool)
    -> bool;
}

/// Whether the span satisfies the filter.
pub(crate) fn matches(filter: &SpanFilter, span: &dyn SpanView) -> bool {
    match filter {
        SpanFilter::All => true,
        SpanFilter::Cond(c) => cond_matches(c, span),
        SpanFilter::And(items) => items.iter().all(|f| matches(f, span)),
        SpanFilter::Or(items) => items.iter().any(|f| matches(f, span)),
    }
}

fn cond_matches(c: &Condition, span: &dyn SpanView) -> bool {
    match &c.field {
        Field::Intrinsic(i) => compare(c.op, &c.value, intrinsic(*i, span)),
        Field::Attr { scope, key } => {
            let bases = scope.bases();
            if matches!(c.value, Literal::Nil) {
                let present = bases.iter().any(|b| span.any_attr(*b, key, &mut |_| true));
                return match c.op {
                    Op::Eq => !present,
                    Op::Ne => present,
                    _ => false,
                };
            }
            bases
                .iter()
                .any(|b| span.any_attr(*b, key, &mut |v| compare(c.op, &c.value, v)))
        }
    }
}

/// The value of an intrinsic: strings as strings, durations in ns and codes as ints.
pub(crate) fn intrinsic(i: Intrinsic, span: &dyn SpanView) -> ValueRef<'_> {
    match i {
        Intrinsic::Name => ValueRef::Str(span.name()),
        Intrinsic::Service => ValueRef::Str(span.service()),
        Intrinsic::Status => ValueRef::Int(span.status() as i64),
        Intrinsic::StatusMessage => ValueRef::Str(span.status_message()),
        Intrinsic::Kind => ValueRef::Int(span.kind() as i64),
        Intrinsic::Duration => ValueRef::Int(clamp(span.duration())),
        Intrinsic::TraceDuration => ValueRef::Int(clamp(span.trace_duration())),
        Intrinsic::RootServiceName => ValueRef::Str(span.root_service()),
        Intrinsic::RootName => ValueRef::Str(span.root_name()),
    }
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// `value <op> literal`. Type mismatches are false for every operator (as in TraceQL).
pub(crate) fn compare(op: Op, lit: &Literal, value: ValueRef<'_>) -> bool {
    use std::cmp::Ordering;
    let ord = |o: Option<Ordering>| -> bool {
        let Some(o) = o else { return false };
        match op {
            Op::Eq => o == Ordering::Equal,
            Op::Ne => o != Ordering::Equal,
            Op::Lt => o == Ordering::Less,
            Op::Le => o != Ordering::Greater,
            Op::Gt => o == Ordering::Greater,
            Op::Ge => o != Ordering::Less,
            Op::Match | Op::NotMatch => false,
        }
    };
    match (lit, value) {
        (Literal::Regex(re), ValueRef::Str(s)) => match op {
            Op::Match => re.is_match(s),
            Op::NotMatch => !re.is_match(s),
            _ => false,
        },
        (Literal::Regex(_), _) | (Literal::Nil, _) => false,
        (Literal::Text(t), v) => match op {
            Op::Eq => v.text_eq(t),
            Op::Ne => !v.text_eq(t),
            _ => false,
        },
        (Literal::Str(l), ValueRef::Str(s)) => ord(Some(s.cmp(l.as_str()))),
        (Literal::Bool(l), ValueRef::Bool(b)) if matches!(op, Op::Eq | Op::Ne) => {
            ord(Some(b.cmp(l)))
        }
        (Literal::Int(l), ValueRef::Int(i)) => ord(Some(i.cmp(l))),
        (Literal::Int(l), ValueRef::Double(d)) => ord(d.partial_cmp(&(*l as f64))),
        (Literal::Float(l), ValueRef::Int(i)) => ord((i as f64).partial_cmp(l)),
        (Literal::Float(l), ValueRef::Double(d)) => ord(d.partial_cmp(l)),
        (Literal::Duration(l), ValueRef::Int(i)) => ord(Some(
            i.cmp(&clamp(u64::try_from(l.as_nanos()).unwrap_or(u64::MAX))),
        )),
        (Literal::Status(l), ValueRef::Int(i)) if matches!(op, Op::Eq | Op::Ne) => {
            ord(Some(i.cmp(&(*l as i64))))
        }
        (Literal::Kind(k), ValueRef::Int(i)) if matches!(op, Op::Eq | Op::Ne) => {
            ord(Some(i.cmp(&(*k as i64))))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::query::AttrScope;

    struct Fake {
        span: Vec<(&'static str, AnyValue)>,
        resource: Vec<(&'static str, AnyValue)>,
    }

    impl SpanView for Fake {
        fn name(&self) -> &str {
            "chat gpt"
        }
        fn service(&self) -> &str {
            "gw"
        }
        fn kind(&self) -> SpanKind {
            SpanKind::Client
        }
        fn status(&self) -> StatusCode {
            StatusCode::Error
        }
        fn status_message(&self) -> &str {
            "boom"
        }
        fn duration(&self) -> u64 {
            1_500_000
        }
        fn trace_duration(&self) -> u64 {
            9_000_000
        }
        fn root_service(&self) -> &str {
            "front"
        }
        fn root_name(&self) -> &str {
            "GET /"
        }
        fn any_attr(
            &self,
            scope: TagScope,
            key: &str,
            f: &mut dyn FnMut(ValueRef<'_>) -> bool,
        ) -> bool {
            let list = match scope {
                TagScope::Span => &self.span,
                TagScope::Resource => &self.resource,
                TagScope::Event => return false,
            };
            list.iter().any(|(k, v)| *k == key && f(ValueRef::of(v)))
        }
    }

    fn fake() -> Fake {
        Fake {
            span: vec![
                ("http.status_code", AnyValue::Int(500)),
                ("m", "gpt-4o".into()),
            ],
            resource: vec![("service.name", "gw".into())],
        }
    }

    fn c(field: Field, op: Op, value: Literal) -> SpanFilter {
        SpanFilter::cond(field, op, value)
    }

    #[test]
    fn attribute_comparisons_follow_traceql_types() {
        let s = fake();
        let code = || Field::attr(AttrScope::Span, "http.status_code");
        assert!(matches(&c(code(), Op::Eq, Literal::Int(500)), &s));
        assert!(matches(&c(code(), Op::Ge, Literal::Float(499.5)), &s));
        assert!(!matches(&c(code(), Op::Eq, Literal::Str("500".into())), &s));
        assert!(matches(&c(code(), Op::Eq, Literal::Text("500".into())), &s));
        let m = Field::attr(AttrScope::Unscoped, "m");
        assert!(matches(
            &c(m.clone(), Op::Match, Literal::regex("gpt-.*").unwrap()),
            &s
        ));
        assert!(!matches(
            &c(m.clone(), Op::Match, Literal::regex("gpt").unwrap()),
            &s
        ));
        assert!(matches(
            &c(m, Op::NotMatch, Literal::regex("llama.*").unwrap()),
            &s
        ));
        let missing = Field::attr(AttrScope::Span, "nope");
        assert!(!matches(
            &c(missing.clone(), Op::Ne, Literal::Str("x".into())),
            &s
        ));
        assert!(matches(&c(missing.clone(), Op::Eq, Literal::Nil), &s));
        assert!(!matches(&c(missing, Op::Ne, Literal::Nil), &s));
        let svc = Field::attr(AttrScope::Span, "service.name");
        assert!(!matches(&c(svc, Op::Eq, Literal::Str("gw".into())), &s));
        let svc = Field::attr(AttrScope::Any, "service.name");
        assert!(matches(&c(svc, Op::Eq, Literal::Text("gw".into())), &s));
    }

    #[test]
    fn intrinsics_and_boolean_structure() {
        let s = fake();
        let i = |x| Field::Intrinsic(x);
        let slow = c(
            i(Intrinsic::Duration),
            Op::Gt,
            Literal::Duration(Duration::from_millis(1)),
        );
        let err = c(
            i(Intrinsic::Status),
            Op::Eq,
            Literal::Status(StatusCode::Error),
        );
        let server = c(i(Intrinsic::Kind), Op::Eq, Literal::Kind(SpanKind::Server));
        let root = c(
            i(Intrinsic::RootServiceName),
            Op::Eq,
            Literal::Str("front".into()),
        );
        assert!(matches(
            &SpanFilter::And(vec![slow.clone(), err.clone(), root]),
            &s
        ));
        assert!(!matches(
            &SpanFilter::And(vec![slow.clone(), server.clone()]),
            &s
        ));
        assert!(matches(
            &SpanFilter::And(vec![SpanFilter::Or(vec![server, err]), slow]),
            &s
        ));
        let long = c(
            i(Intrinsic::TraceDuration),
            Op::Lt,
            Literal::Duration(Duration::from_millis(5)),
        );
        assert!(!matches(&long, &s));
    }
}
