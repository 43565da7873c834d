//! Tree shapes: precedence, associativity, literals, selectors and modifiers.

use model::MatchOp;

use super::super::{AtModifier, Duration, Expr, ValueType, VectorMatchCardinality, parse};
use super::{fixed, sexpr};

fn shape(q: &str) -> String {
    sexpr(&parse(q).unwrap_or_else(|e| panic!("{q}: {e}")))
}

#[test]
fn operator_precedence_and_associativity() {
    let cases = [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 * 2 + 3", "(+ (* 1 2) 3)"),
        ("2 ^ 3 ^ 2", "(^ 2 (^ 3 2))"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
        ("-1 ^ 2", "(- (^ 1 2))"),
        ("-1 * 2", "(* -1 2)"),
        ("-a ^ b", "(- (^ a b))"),
        ("-a * b", "(* (- a) b)"),
        ("a * -b ^ c", "(* a (- (^ b c)))"),
        ("1 - -1", "(- 1 -1)"),
        ("-1^-2", "(- (^ 1 -2))"),
        ("+1 + -2 * 1", "(+ 1 (* -2 1))"),
        ("2 * 3 % 4 atan2 5", "(atan2 (% (* 2 3) 4) 5)"),
        ("a + b > bool c - d", "(> bool (+ a b) (- c d))"),
        ("1 < bool 2 - 1 * 2", "(< bool 1 (- 2 (* 1 2)))"),
        (
            "foo + bar or bla and blub",
            "(or (+ foo bar) (and bla blub))",
        ),
        (
            "foo and bar unless baz or qux",
            "(or (unless (and foo bar) baz) qux)",
        ),
        ("a == b != c", "(!= (== a b) c)"),
        ("a </ 2 + 1", "(</ a (+ 2 1))"),
        ("-(1 + 2)", "(- [(+ 1 2)])"),
        ("--1", "1"),
        ("foo offset 5m - 8", "(- foo offset 5m 8)"),
        ("foo offset -1^1", "(^ foo offset -1s 1)"),
        ("-foo offset 5m", "(- foo offset 5m)"),
        ("a + b offset 1m", "(+ a b offset 1m)"),
        (
            "max_over_time(b[5m:]) + a",
            "(+ (max_over_time (subquery b [5m:])) a)",
        ),
    ];
    for (q, want) in cases {
        assert_eq!(shape(q), want, "{q}");
    }
}

#[test]
fn number_literals() {
    let cases = [
        ("1", 1.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("123.4567", 123.4567),
        ("5e-3", 0.005),
        ("+5.5e-3", 0.0055),
        ("0xc", 12.0),
        ("0x8f", 143.0),
        ("0755", 493.0),
        ("-0755", -493.0),
        ("1_000_000", 1e6),
        ("1m", 60.0),
        ("1h30m", 5400.0),
        ("54s321ms", 54.321),
        ("Inf", f64::INFINITY),
        ("+Inf", f64::INFINITY),
        ("-inf", f64::NEG_INFINITY),
    ];
    for (q, want) in cases {
        match parse(q) {
            Ok(Expr::NumberLiteral(n)) => assert_eq!(n.value, want, "{q}"),
            other => panic!("{q}: {other:?}"),
        }
    }
    assert!(matches!(parse("NaN"), Ok(Expr::NumberLiteral(n)) if n.value.is_nan()));
    assert!(matches!(parse("nan"), Ok(Expr::NumberLiteral(n)) if n.value.is_nan()));
    let Ok(Expr::NumberLiteral(neg)) = parse(" -1") else {
        panic!("number")
    };
    assert_eq!((neg.span.start, neg.span.end), (1, 3));
}

#[test]
fn string_literals() {
    let cases = [
        (r#""double \" quoted""#, "double \" quoted"),
        (r"'single \' quoted'", "single ' quoted"),
        ("`raw \\n`", "raw \\n"),
        (
            r#""\a\b\f\n\r\t\v\\ - \u1234\U00010111☺""#,
            "\x07\x08\x0c\n\r\t\x0b\\ - \u{1234}\u{10111}☺",
        ),
    ];
    for (q, want) in cases {
        match parse(q) {
            Ok(Expr::StringLiteral(s)) => assert_eq!(s.value, want, "{q}"),
            other => panic!("{q}: {other:?}"),
        }
    }
    let Ok(Expr::StringLiteral(s)) = parse(r#""a\xc5z""#) else {
        panic!("string")
    };
    assert_eq!(s.invalid_utf8.as_deref(), Some(&b"a\xc5z"[..]));
    assert_eq!(
        parse(r#""x""#).map(|e| e.value_type()),
        Ok(ValueType::String)
    );
}

#[test]
fn vector_selectors() {
    let Ok(Expr::VectorSelector(vs)) = parse(r#"foo{a="b", c!="d", e=~"f.*", g!~"h",}"#) else {
        panic!("selector")
    };
    assert_eq!(vs.name.as_deref(), Some("foo"));
    let ops: Vec<MatchOp> = vs.matchers.iter().map(|m| m.op).collect();
    use MatchOp::*;
    assert_eq!(ops, [Equal, NotEqual, Regex, NotRegex, Equal]);
    assert_eq!(vs.matchers[4].name, "__name__");
    assert_eq!((vs.span.start, vs.span.end), (0, 37));

    let Ok(Expr::VectorSelector(vs)) = parse(r#"{"my.metric", "a.b"="c"}"#) else {
        panic!("utf8")
    };
    assert_eq!(vs.name, None);
    assert_eq!(vs.metric_name(), Some("my.metric"));
    assert_eq!(vs.matchers[1].name, "a.b");

    for q in [
        "sum", "min", "offset", "by", "start", "end", "step", "anchored", "smoothed", "fill", "a:b",
    ] {
        let Ok(Expr::VectorSelector(vs)) = parse(q) else {
            panic!("{q} is a metric name")
        };
        assert_eq!(vs.name.as_deref(), Some(q));
    }
    assert!(parse(r#"{__name__=~"bar", __name__!~"baz"}"#).is_ok());
    assert!(parse(r#"{"bar", __name__="baz"}"#).is_ok());
    assert!(parse(r#"foo{NaN='bc', bar='}'}"#).is_ok());
    assert!(
        parse(r#"info(up, {job=~".*"})"#).is_ok(),
        "info's selector may match empty"
    );
}

#[test]
fn range_subquery_offset_and_at() {
    let Ok(Expr::MatrixSelector(ms)) = parse("test[5d] OFFSET 10s") else {
        panic!("matrix")
    };
    assert_eq!(fixed(&ms.range), 5 * 86_400_000);
    assert_eq!(ms.selector.offset.as_ref().map(fixed), Some(10_000));
    assert_eq!(ms.span.end, 19);

    let Ok(Expr::MatrixSelector(ms)) = parse("foo[4.018] @ 2.345") else {
        panic!("matrix")
    };
    assert_eq!(fixed(&ms.range), 4018);
    assert_eq!(ms.selector.at, Some(AtModifier::Timestamp(2345)));

    let cases = [
        ("foo @ 3.3335", 3334),
        ("foo @ -100", -100_000),
        ("foo @ 0xA", 10_000),
        ("foo @ 1m", 60_000),
    ];
    for (q, ms) in cases {
        let Ok(Expr::VectorSelector(vs)) = parse(q) else {
            panic!("{q}")
        };
        assert_eq!(vs.at, Some(AtModifier::Timestamp(ms)), "{q}");
    }
    let Ok(Expr::VectorSelector(vs)) = parse("foo offset -7m @ end()") else {
        panic!("vs")
    };
    assert_eq!(vs.offset.as_ref().map(fixed), Some(-420_000));
    assert_eq!(vs.at, Some(AtModifier::End));

    let Ok(Expr::Subquery(sq)) =
        parse("min_over_time(rate(foo[2s])[5m:] offset 4m)[4m:3s] @ start()")
    else {
        panic!("subquery")
    };
    assert_eq!(fixed(&sq.range), 240_000);
    assert_eq!(sq.step.as_ref().map(fixed), Some(3000));
    assert_eq!(sq.at, Some(AtModifier::Start));
    let Ok(Expr::Subquery(sq)) = parse("foo[10m:]") else {
        panic!("default step")
    };
    assert!(sq.step.is_none());

    let Ok(Expr::VectorSelector(vs)) = parse("foo offset 0") else {
        panic!("vs")
    };
    assert!(vs.offset.is_none(), "offset 0 is no offset");
}

#[test]
fn duration_expressions() {
    let Ok(Expr::MatrixSelector(ms)) = parse("foo[2m*(10+5)]") else {
        panic!("matrix")
    };
    assert_eq!(ms.range.fixed_millis(), Some(1_800_000));
    assert_eq!(ms.range.to_string(), "2m * (10 + 5)");

    let Ok(Expr::MatrixSelector(ms)) = parse("foo[30m1s-30m1s % 1m]") else {
        panic!("matrix")
    };
    assert_eq!(ms.range.fixed_millis(), Some(1_800_000));

    let Ok(Expr::MatrixSelector(ms)) = parse("x[1+(STep()-5)*2]") else {
        panic!("matrix")
    };
    assert_eq!(ms.range.fixed_millis(), None);
    let ctx = super::super::DurationContext {
        step_ms: 10_000,
        range_ms: 0,
    };
    assert_eq!(ms.range.evaluate(ctx), Ok(11_000));

    let Ok(Expr::VectorSelector(vs)) = parse("x offset -min_of(step(), 1s)") else {
        panic!("vs")
    };
    let ctx = super::super::DurationContext {
        step_ms: 5000,
        range_ms: 0,
    };
    assert_eq!(vs.offset.as_ref().map(|d| d.evaluate(ctx)), Some(Ok(-1000)));

    let Ok(Expr::VectorSelector(vs)) = parse("x offset (100 + 2)") else {
        panic!("vs")
    };
    assert_eq!(
        vs.offset.as_ref().and_then(Duration::fixed_millis),
        Some(102_000)
    );
    let Ok(Expr::Subquery(sq)) = parse("m[29s+1s:20*500ms] offset -(2*4s)") else {
        panic!("sq")
    };
    assert_eq!(
        sq.step.as_ref().and_then(Duration::fixed_millis),
        Some(10_000)
    );
    assert_eq!(
        sq.offset.as_ref().and_then(Duration::fixed_millis),
        Some(-8000)
    );
    assert_eq!(shape("m offset -2 * 2"), "(* m offset -2s 2)");
}

#[test]
fn aggregations_and_calls() {
    let cases = [
        ("sum by (foo) (x)", "(sum by (foo) x)"),
        ("sum (x) without (foo)", "(sum without (foo) x)"),
        ("SUM BY (job) (x)", "(sum by (job) x)"),
        ("sum by ()(x)", "(sum x)"),
        ("topk(5, x)", "(topk 5 x)"),
        (r#"count_values("v", x)"#, r#"(count_values "v" x)"#),
        (
            "sum without(and, by, avg, count, alert)(x)",
            "(sum without (and, by, avg, count, alert) x)",
        ),
        (
            r#"sum by ("foo bar", 'baz')({"some.metric"})"#,
            r#"(sum by ("foo bar", baz) {__name__="some.metric"})"#,
        ),
        ("sum(sum)", "(sum sum)"),
        ("round(x, 5)", "(round x 5)"),
        ("time()", "(time )"),
        ("hour()", "(hour )"),
        (
            "label_join(x, \"a\", \",\", \"b\", \"c\", \"d\")",
            "(label_join x \"a\" \",\" \"b\" \"c\" \"d\")",
        ),
        ("start()", "(start )"),
    ];
    for (q, want) in cases {
        assert_eq!(shape(q), want, "{q}");
    }
}

#[test]
fn vector_matching() {
    let Ok(Expr::Binary(b)) = parse("foo * on(test,blub) group_left(bar) bar") else {
        panic!("binary")
    };
    let m = b.matching.expect("matching");
    assert_eq!(m.card, VectorMatchCardinality::ManyToOne);
    assert!(m.on);
    assert_eq!(m.matching_labels, ["test", "blub"]);
    assert_eq!(m.include, ["bar"]);

    let Ok(Expr::Binary(b)) = parse("foo and ignoring() bar") else {
        panic!("binary")
    };
    assert_eq!(
        b.matching.map(|m| m.card),
        Some(VectorMatchCardinality::ManyToMany)
    );

    let Ok(Expr::Binary(b)) = parse("foo + 1") else {
        panic!("binary")
    };
    assert!(b.matching.is_none(), "scalar operands have no matching");

    let Ok(Expr::Binary(b)) = parse("a + fill_left(5) fill_right(-Inf) b") else {
        panic!("fill")
    };
    let m = b.matching.expect("matching");
    assert_eq!(
        (m.fill_lhs, m.fill_rhs),
        (Some(5.0), Some(f64::NEG_INFINITY))
    );
    assert_eq!(shape("fill + fill(0) other"), "(+ fill other)");
}

#[test]
fn extended_range_selectors() {
    let Ok(Expr::Call(c)) = parse("rate(foo[5m] anchored)") else {
        panic!("call")
    };
    let Expr::MatrixSelector(ms) = &c.args[0] else {
        panic!("matrix")
    };
    assert!(ms.selector.anchored);
    let Ok(Expr::VectorSelector(vs)) = parse("metric @ 100 smoothed") else {
        panic!("vs")
    };
    assert!(vs.smoothed);
}
