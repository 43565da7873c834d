//! Parser tests as tables: queries and the tree they compile to, bad queries and the
//! message and position they fail with.

use super::*;
use crate::query::{AttrScope, Condition, Intrinsic, Literal, Op};

/// A compact, comparable rendering of a filter.
fn show(f: &SpanFilter) -> String {
    match f {
        SpanFilter::All => "all".into(),
        SpanFilter::Cond(c) => cond(c),
        SpanFilter::And(v) => format!("and({})", v.iter().map(show).collect::<Vec<_>>().join(", ")),
        SpanFilter::Or(v) => format!("or({})", v.iter().map(show).collect::<Vec<_>>().join(", ")),
    }
}

fn cond(c: &Condition) -> String {
    let field = match &c.field {
        Field::Intrinsic(i) => format!("{i:?}"),
        Field::Attr { scope, key } => {
            let s = match scope {
                AttrScope::Span => "span",
                AttrScope::Resource => "resource",
                AttrScope::Event => "event",
                AttrScope::Unscoped => "",
                AttrScope::Any => "any",
            };
            format!("{s}.{key}")
        }
    };
    let op = lexer::op_text(c.op);
    let value = match &c.value {
        Literal::Regex(r) => format!("/{}/", r.as_str()),
        Literal::Duration(d) => format!("{}ns", d.as_nanos()),
        v => format!("{v:?}"),
    };
    format!("{field} {op} {value}")
}

#[test]
fn queries_compile_to_filters() {
    let cases = [
        ("{}", "all"),
        ("  { }  ", "all"),
        ("{ true }", "all"),
        ("{ false }", "or()"),
        (
            r#"{ span.http.method = "GET" }"#,
            r#"span.http.method = Str("GET")"#,
        ),
        (
            r#"{resource.service.name="gw"&&name!="x"}"#,
            r#"and(resource.service.name = Str("gw"), Name != Str("x"))"#,
        ),
        (r#"{ .foo = "a" }"#, r#".foo = Str("a")"#),
        (r#"{ span."a b" = 1 }"#, "span.a b = Int(1)"),
        (
            "{ event.exception.type != nil }",
            "event.exception.type != Nil",
        ),
        (
            "{ span.gen_ai.operation.name = \"execute_tool\" && status = error }",
            r#"and(span.gen_ai.operation.name = Str("execute_tool"), Status = Status(Error))"#,
        ),
        ("{ kind = server }", "Kind = Kind(Server)"),
        ("{ span:kind != client }", "Kind != Kind(Client)"),
        ("{ duration > 1.5s }", "Duration > 1500000000ns"),
        ("{ traceDuration <= 100ms }", "TraceDuration <= 100000000ns"),
        (
            "{ trace:duration >= 1h30m }",
            "TraceDuration >= 5400000000000ns",
        ),
        ("{ span:duration < 10us }", "Duration < 10000ns"),
        (
            r#"{ rootServiceName = "gw" }"#,
            r#"RootServiceName = Str("gw")"#,
        ),
        (
            r#"{ trace:rootService = "gw" }"#,
            r#"RootServiceName = Str("gw")"#,
        ),
        (r#"{ rootName =~ "GET .*" }"#, "RootName =~ /^(?:GET .*)$/"),
        (r#"{ name !~ `chat\s.*` }"#, r"Name !~ /^(?:chat\s.*)$/"),
        (
            r#"{ statusMessage = "boom" }"#,
            r#"StatusMessage = Str("boom")"#,
        ),
        ("{ span.x >= -3 }", "span.x >= Int(-3)"),
        ("{ span.x < 2.5 }", "span.x < Float(2.5)"),
        ("{ span.x > 1e3 }", "span.x > Float(1000.0)"),
        ("{ span.ok = true }", "span.ok = Bool(true)"),
        ("{ span.x = nil }", "span.x = Nil"),
        (r#"{ .s = "a\"b\\c\n" }"#, r#".s = Str("a\"b\\c\n")"#),
        (
            r#"{ .a = 1 || .b = 2 && .c = 3 }"#,
            "or(.a = Int(1), and(.b = Int(2), .c = Int(3)))",
        ),
        (
            r#"{ (.a = 1 || .b = 2) && .c = 3 }"#,
            "and(or(.a = Int(1), .b = Int(2)), .c = Int(3))",
        ),
        (
            r#"{ .a = 1 || (.b = 2 || .c = 3) }"#,
            "or(.a = Int(1), .b = Int(2), .c = Int(3))",
        ),
        ("{ ((.a = 1)) }", ".a = Int(1)"),
        (r#"{ .a = 1 && true }"#, ".a = Int(1)"),
        (
            "{ span.http.user-agent = \"x\" }",
            r#"span.http.user-agent = Str("x")"#,
        ),
        ("{ span.µ = 1 }", "span.µ = Int(1)"),
    ];
    for (q, want) in cases {
        let got = parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(show(&got), want, "{q}");
    }
}

#[test]
fn bad_queries_say_where_and_what() {
    let cases = [
        ("", 1, "empty query"),
        ("   ", 4, "empty query"),
        ("span.a = 1", 1, "expected \"{\""),
        ("{", 2, "expected a condition"),
        (
            "{ .a = 1",
            9,
            "expected \"&&\", \"||\" or \"}\", found end of query",
        ),
        ("{ .a = }", 8, "expected a value"),
        ("{ .a }", 6, "expected a comparison operator"),
        ("{ .a = 1 } && { .b = 2 }", 12, "only one spanset filter"),
        ("{ .a = 1 } >> { .b = 2 }", 12, "structural operators"),
        ("{ .a = 1 } | count() > 2", 12, "pipelines"),
        ("{ .a = 1 } x", 12, "unexpected \"x\""),
        ("{ !(.a = 1) }", 3, "negation"),
        ("{ foo = 1 }", 3, "unknown field \"foo\""),
        ("{ span. = 1 }", 3, "attribute name missing"),
        ("{ link.x = 1 }", 3, "scope \"link\" is not supported"),
        (
            "{ span:id = 1 }",
            3,
            "intrinsic \"span:id\" is not supported",
        ),
        (
            "{ status = 2 }",
            12,
            "status is compared with ok, error or unset",
        ),
        ("{ status > error }", 12, "use = or !="),
        ("{ kind = \"server\" }", 10, "kind is compared with"),
        (
            "{ duration > 5 }",
            14,
            "durations are compared with a duration",
        ),
        ("{ duration =~ \"5s\" }", 15, "durations are compared"),
        ("{ name = 5 }", 10, "this field is a string"),
        ("{ .a =~ 5 }", 9, "=~ needs a quoted regular expression"),
        ("{ .a =~ \"(\" }", 9, "invalid regular expression"),
        ("{ .a < true }", 8, "< cannot compare true, false or nil"),
        ("{ .a = error }", 8, "\"error\" is a status keyword"),
        ("{ .a = server }", 8, "\"server\" is a kind keyword"),
        ("{ .a = bar }", 8, "found \"bar\" (quote strings: \"bar\")"),
        ("{ .a = \"x }", 8, "unterminated string"),
        ("{ .a = \"\\q\" }", 9, "unknown escape"),
        ("{ .a = 5xx }", 8, "invalid duration \"5xx\""),
        ("{ .a = -5ms }", 8, "negative durations"),
        ("{ .a = 1.2.3 }", 8, "invalid number"),
        ("{ .a = 1 & .b = 2 }", 10, "unexpected character '&'"),
        ("{ .a = 1 && }", 13, "expected a condition"),
        ("{ (.a = 1 }", 11, "expected \"&&\", \"||\" or \")\""),
        ("{ .a + 1 = 2 }", 6, "unexpected character '+'"),
        ("{ é = 1 }", 3, "unknown field \"é\""),
        ("{ .a = 1 } }", 12, "unexpected \"}\""),
    ];
    for (q, pos, msg) in cases {
        let e = parse(q).expect_err(q);
        assert!(e.message.contains(msg), "{q}: {e}");
        assert_eq!(e.pos, pos, "{q}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("parse error at char {pos}: "))
        );
    }
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("{{ {}.a = 1{} }}", "(".repeat(40), ")".repeat(40));
    let e = parse(&deep).expect_err("too deep");
    assert!(e.message.contains("nested deeper"), "{e}");
    let ok = format!("{{ {}.a = 1{} }}", "(".repeat(30), ")".repeat(30));
    assert!(parse(&ok).is_ok());
}

#[test]
fn fields_parse_for_tag_values() {
    use Intrinsic as I;
    let f = |s: &str| parse_field(s).expect(s);
    assert_eq!(
        f("resource.service.name"),
        Field::attr(AttrScope::Resource, "service.name")
    );
    assert_eq!(f("span.a b"), Field::attr(AttrScope::Span, "a b"));
    assert_eq!(f(".x"), Field::attr(AttrScope::Unscoped, "x"));
    assert_eq!(
        f("event.exception.type"),
        Field::attr(AttrScope::Event, "exception.type")
    );
    assert_eq!(f("status"), Field::Intrinsic(I::Status));
    assert_eq!(f("span:kind"), Field::Intrinsic(I::Kind));
    assert_eq!(f("trace:rootService"), Field::Intrinsic(I::RootServiceName));
    assert!(parse_field("service.name").is_err());
    assert!(parse_field("").is_err());
}

#[test]
fn parsed_filters_evaluate_as_written() {
    // The operator reaches the literal unchanged (the evaluator is tested in query::eval).
    let SpanFilter::Cond(c) = parse("{ span.n >= 3 }").expect("parses") else {
        panic!("one condition");
    };
    assert_eq!(c.op, Op::Ge);
    assert!(matches!(c.value, Literal::Int(3)));
}
