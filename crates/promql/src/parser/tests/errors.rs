//! Lexical and syntax errors: messages and positions, taken from Prometheus' parser tests
//! where they exist.

use super::super::parse;

/// (query, the error exactly as displayed).
const CASES: &[(&str, &str)] = &[
    (
        "",
        "unknown position: parse error: no expression found in input",
    ),
    (
        "# just a comment\n\n",
        "1:1: parse error: no expression found in input",
    ),
    ("1+", "1:3: parse error: unexpected end of input"),
    (".", "1:1: parse error: unexpected character: '.'"),
    (
        "2.5.",
        r#"1:1: parse error: bad number or duration syntax: "2.5.""#,
    ),
    (
        "100..4",
        r#"1:1: parse error: bad number or duration syntax: "100..""#,
    ),
    (
        "0deadbeef",
        r#"1:1: parse error: bad number or duration syntax: "0de""#,
    ),
    ("1 /", "1:4: parse error: unexpected end of input"),
    ("*1", "1:1: parse error: unexpected <op:*>"),
    ("(1))", "1:5: parse error: unexpected right parenthesis ')'"),
    ("((1)", "1:5: parse error: unclosed left parenthesis"),
    ("(", "1:2: parse error: unclosed left parenthesis"),
    (
        "1 !~ 1",
        "1:3: parse error: unexpected character after '!': '~'",
    ),
    (
        "1 =~ 1",
        "1:3: parse error: unexpected character after '=': '~'",
    ),
    ("@@", "1:1: parse error: unexpected <op:@>"),
    (
        "a - on(b) ignoring(c) d",
        "1:11: parse error: unexpected <ignoring>",
    ),
    (
        "foo + group_left(baz) bar",
        "1:7: parse error: unexpected <group_left>",
    ),
    (
        "{",
        "1:2: parse error: unexpected end of input inside braces",
    ),
    ("}", "1:1: parse error: unexpected character: '}'"),
    ("some}", "1:5: parse error: unexpected character: '}'"),
    (
        "some_metric{a=b}",
        r#"1:15: parse error: unexpected identifier "b" in label matching, expected string"#,
    ),
    (
        r#"some_metric{a:b="b"}"#,
        "1:14: parse error: unexpected character inside braces: ':'",
    ),
    (
        r#"foo{a*"b"}"#,
        "1:6: parse error: unexpected character inside braces: '*'",
    ),
    (
        r#"foo{a>="b"}"#,
        "1:6: parse error: unexpected character inside braces: '>'",
    ),
    (
        "foo{gibberish}",
        r#"1:14: parse error: unexpected "}" in label matching, expected label matching operator"#,
    ),
    (
        "foo{1}",
        "1:5: parse error: unexpected character inside braces: '1'",
    ),
    (
        "foo{__name__= =}",
        r#"1:15: parse error: unexpected "=" in label matching, expected string"#,
    ),
    (
        "foo{,}",
        r#"1:5: parse error: unexpected "," in label matching, expected identifier or "}""#,
    ),
    (
        r#"foo{__name__ == "bar"}"#,
        r#"1:15: parse error: unexpected "=" in label matching, expected string"#,
    ),
    (
        r#"foo{__name__="bar" lol}"#,
        r#"1:20: parse error: unexpected identifier "lol" in label matching, expected "," or "}""#,
    ),
    (
        r#"foo{"a"=}"#,
        r#"1:9: parse error: unexpected "}" in label matching, expected string"#,
    ),
    (
        "foo[5mm]",
        r#"1:5: parse error: bad number or duration syntax: "5mm""#,
    ),
    (
        "foo[5m1]",
        r#"1:5: parse error: bad number or duration syntax: "5m1""#,
    ),
    (
        "foo[5m:1m1]",
        r#"1:8: parse error: bad number or duration syntax: "1m1""#,
    ),
    (
        "foo[5y1hs]",
        r#"1:5: parse error: unknown unit "hs" in duration "5y1hs""#,
    ),
    (
        "foo[5m1h]",
        r#"1:5: parse error: not a valid duration string: "5m1h""#,
    ),
    (
        r#"foo["5m"]"#,
        r#"1:5: parse error: unexpected character in duration expression: '"'"#,
    ),
    (
        "foo[]",
        r#"1:5: parse error: unexpected "]" in subquery or range selector, expected number, duration, step(), or range()"#,
    ),
    (
        "foo[step]",
        r#"1:9: parse error: unexpected "]" in subquery or range selector, expected number, duration, step(), or range()"#,
    ),
    (
        "some_metric[5m] OFFSET 1mm",
        r#"1:24: parse error: bad number or duration syntax: "1mm""#,
    ),
    (
        "some_metric[5m] OFFSET",
        "1:23: parse error: unexpected end of input in offset, expected number, duration, step(), or range()",
    ),
    (
        "some_metric[5m] @",
        "1:18: parse error: unexpected end of input in @, expected timestamp",
    ),
    (
        "foo[5s x 5s]",
        "1:8: parse error: unexpected character: 'x', expected ':'",
    ),
    (
        "foo{bar=\"baz\"}[",
        "1:16: parse error: unexpected end of input in duration expression",
    ),
    (
        "sum without(==)(some_metric)",
        "1:13: parse error: unexpected <op:==> in grouping opts, expected label",
    ),
    (
        "sum without(,)(some_metric)",
        r#"1:13: parse error: unexpected "," in grouping opts, expected label"#,
    ),
    (
        "sum without(foo,,)(some_metric)",
        r#"1:17: parse error: unexpected "," in grouping opts, expected label"#,
    ),
    (
        "sum some_metric by (test)",
        r#"1:5: parse error: unexpected identifier "some_metric""#,
    ),
    (
        "sum (some_metric) by test",
        r#"1:22: parse error: unexpected identifier "test" in grouping opts, expected "(""#,
    ),
    (
        "MIN keep_common (some_metric)",
        r#"1:5: parse error: unexpected identifier "keep_common""#,
    ),
    (
        "sum (some_metric) without (test) by (test)",
        "1:34: parse error: unexpected <by>",
    ),
    (
        r#"sum by ("foo)(some_metric{})"#,
        "1:9: parse error: unterminated quoted string",
    ),
    (
        "topk(some_metric,)",
        "1:17: parse error: trailing commas not allowed in function call args",
    ),
    ("-=", r#"1:2: parse error: unexpected "=""#),
    ("++-++-+-+-<", "1:11: parse error: unexpected <op:<>"),
    ("e-+=/(0)", r#"1:4: parse error: unexpected "=""#),
    ("`\\``", "1:4: parse error: unterminated raw string"),
    (r#""\"#, "1:1: parse error: escape sequence not terminated"),
    (
        r#""\c""#,
        "1:1: parse error: unknown escape sequence U+0063 'c'",
    ),
    (
        r#""\x.""#,
        "1:1: parse error: illegal character U+002E '.' in escape sequence",
    ),
    (
        "foo\n  + bar +",
        "2:10: parse error: unexpected end of input",
    ),
];

#[test]
fn errors_are_reported_like_prometheus() {
    let mut failures = Vec::new();
    for (q, want) in CASES {
        match parse(q) {
            Ok(e) => failures.push(format!("{q:?}: parsed as {e}")),
            Err(e) if e.to_string() != *want => {
                failures.push(format!("{q:?}:\n   got {e}\n  want {want}"));
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let q = "(".repeat(300);
    let e = parse(&q).expect_err("too deep");
    assert_eq!(
        e.to_string(),
        "1:101: parse error: expression nested deeper than 100 levels"
    );
    let q = format!("{}1", "-".repeat(10_000));
    assert!(parse(&q).is_err());
}

#[test]
fn bad_regexes_are_parse_errors() {
    let e = parse(r#"foo{x=~"("}"#).expect_err("bad regex");
    assert!(
        e.to_string()
            .starts_with(r#"1:5: parse error: invalid regular expression "(""#),
        "{e}"
    );
}

#[test]
fn errors_expose_position_and_message() {
    let e = parse("foo +").expect_err("incomplete");
    assert_eq!(e.position(), 5);
    assert_eq!(e.message(), "unexpected end of input");
    assert_eq!(e.line_col(), Some((1, 6)));
}
