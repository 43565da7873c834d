//! Semantic errors found while building or type checking the tree: messages and positions,
//! taken from Prometheus' parser tests where they exist.

use super::super::parse;

/// (query, the error exactly as displayed).
const CASES: &[(&str, &str)] = &[
    (
        "1 and 1",
        r#"1:1: parse error: set operator "and" not allowed in binary scalar expression"#,
    ),
    (
        "1 == 1",
        "1:3: parse error: comparisons between scalars must use BOOL modifier",
    ),
    (
        r#"-"string""#,
        r#"1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string""#,
    ),
    (
        "-test[5m]",
        r#"1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector""#,
    ),
    (
        "1 offset 1d",
        "1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
    ),
    (
        "foo offset 1s offset 2s",
        "1:1: parse error: offset may not be set multiple times",
    ),
    (
        "foo and 1",
        r#"1:1: parse error: set operator "and" not allowed in binary scalar expression"#,
    ),
    (
        "1 or on(bar) foo",
        "1:1: parse error: vector matching only allowed between instant vectors",
    ),
    (
        "foo == on(bar) 10",
        "1:1: parse error: vector matching only allowed between instant vectors",
    ),
    (
        "foo and on(bar) group_left(baz) bar",
        r#"1:1: parse error: no grouping allowed for "and" operation"#,
    ),
    (
        r#"http_requests{group="production"} + on(instance) group_left(job,instance) cpu_count{type="smp"}"#,
        r#"1:35: parse error: label "instance" must not occur in ON and GROUP clause at once"#,
    ),
    (
        "foo + bool bar",
        "1:5: parse error: bool modifier can only be used on comparison operators",
    ),
    (
        "foo and bool 10",
        "1:5: parse error: bool modifier can only be used on comparison operators",
    ),
    (
        "foo @ +Inf",
        "1:1: parse error: timestamp out of bounds for @ modifier: +Inf",
    ),
    (
        "foo @ NaN",
        "1:1: parse error: timestamp out of bounds for @ modifier: NaN",
    ),
    (
        "foo @ 9223372036854775808",
        "1:1: parse error: timestamp out of bounds for @ modifier: 9223372036854775808.000000",
    ),
    (
        "{}",
        "1:1: parse error: vector selector must contain at least one non-empty matcher",
    ),
    (
        r#"{x=""}"#,
        "1:1: parse error: vector selector must contain at least one non-empty matcher",
    ),
    (
        r#"{x=~".*"}"#,
        "1:1: parse error: vector selector must contain at least one non-empty matcher",
    ),
    (
        r#"{x!="a"}"#,
        "1:1: parse error: vector selector must contain at least one non-empty matcher",
    ),
    (
        r#"foo{__name__="bar"}"#,
        r#"1:1: parse error: metric name must not be set twice: "foo" or "bar""#,
    ),
    (
        "foo[0m]",
        "1:5: parse error: duration must be greater than 0",
    ),
    (
        "foo[-1]",
        "1:5: parse error: duration must be greater than 0",
    ),
    ("foo[step()/0d]", "1:11: parse error: division by zero"),
    ("foo[5s%0d]", "1:7: parse error: modulo by zero"),
    ("foo offset (4d/0)", "1:15: parse error: division by zero"),
    (
        "foo offset 9.5e10",
        "1:12: parse error: duration out of range",
    ),
    ("foo[9.5e10]", "1:5: parse error: duration out of range"),
    (
        "some_metric OFFSET 1m[5m]",
        "1:22: parse error: no offset modifiers allowed before range",
    ),
    (
        "some_metric @ 1234 [5m]",
        "1:20: parse error: no @ modifiers allowed before range",
    ),
    (
        "some_metric @ start() [5m]",
        "1:23: parse error: no @ modifiers allowed before range",
    ),
    (
        "some_metric offset step()[5m]",
        "1:26: parse error: no offset modifiers allowed before range",
    ),
    (
        "(foo + bar)[5m]",
        "1:12: parse error: ranges only allowed for vector selectors",
    ),
    (
        "1[5m] smoothed",
        "1:2: parse error: ranges only allowed for vector selectors",
    ),
    (
        "test[5d] OFFSET 10s [10m:5s]",
        "1:1: parse error: subquery is only allowed on instant vector, got matrix instead",
    ),
    (
        "rate(food[1m])[1h] offset 1h",
        "1:15: parse error: ranges only allowed for vector selectors",
    ),
    (
        "rate(some_metric[5m]) @ 1234",
        "1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
    ),
    (
        "sum () by (test)",
        "1:1: parse error: no arguments for aggregate expression provided",
    ),
    (
        "topk(some_metric)",
        "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1",
    ),
    (
        "topk(some_metric, other_metric)",
        "1:6: parse error: expected type scalar in aggregation parameter, got instant vector",
    ),
    (
        "count_values(5, other_metric)",
        "1:14: parse error: expected type string in aggregation parameter, got scalar",
    ),
    (
        "floor()",
        r#"1:1: parse error: expected 1 argument(s) in call to "floor", got 0"#,
    ),
    (
        "floor(some_metric, other_metric)",
        r#"1:1: parse error: expected 1 argument(s) in call to "floor", got 2"#,
    ),
    (
        "floor(1)",
        r#"1:7: parse error: expected type instant vector in call to function "floor", got scalar"#,
    ),
    (
        "hour(some_metric, some_metric, some_metric)",
        r#"1:1: parse error: expected at most 1 argument(s) in call to "hour", got 3"#,
    ),
    (
        "label_join(x)",
        r#"1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 1"#,
    ),
    (
        "time(some_metric)",
        r#"1:1: parse error: expected 0 argument(s) in call to "time", got 1"#,
    ),
    (
        "non_existent_function_far_bar()",
        r#"1:1: parse error: unknown function with name "non_existent_function_far_bar""#,
    ),
    (
        "rate(some_metric)",
        r#"1:6: parse error: expected type range vector in call to function "rate", got instant vector"#,
    ),
    (
        "a>b()",
        r#"1:3: parse error: unknown function with name "b""#,
    ),
    (
        "rate(avg)",
        r#"1:6: parse error: expected type range vector in call to function "rate", got instant vector"#,
    ),
    (
        r#"info(rate(x[5m]), target_info{foo="bar"})"#,
        "1:19: parse error: expected label selectors only, got vector selector instead",
    ),
    (
        r#"info(x, {foo="bar"} == 1)"#,
        "1:9: parse error: expected label selectors only",
    ),
    (
        "foo and\n\"s\"",
        "2:1: parse error: binary expression must contain only scalar and instant vector types",
    ),
    (
        "x[5m] smoothed anchored",
        "1:1: parse error: anchored and smoothed modifiers cannot be used together",
    ),
    (
        "x[5m:] anchored",
        "1:1: parse error: anchored modifier is not supported for subqueries",
    ),
    (
        "1 + fill(0) 2",
        "1:1: parse error: filling in missing series only allowed between instant vectors",
    ),
    (
        "a or fill(0) b",
        "1:1: parse error: filling in missing series not allowed for set operators",
    ),
];

#[test]
fn semantic_errors_are_reported_like_prometheus() {
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
