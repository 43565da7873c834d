//! The canonical printed form (Prometheus' `String()`) and the prettified form.

use super::super::{parse, prettify};

/// (input, printed form; empty means the input itself).
const CASES: &[(&str, &str)] = &[
    (
        r#"sum by() (task:errors:rate10s{job="s"})"#,
        r#"sum(task:errors:rate10s{job="s"})"#,
    ),
    (
        r#"sum by(code) (task:errors:rate10s{job="s"})"#,
        r#"sum by (code) (task:errors:rate10s{job="s"})"#,
    ),
    (
        r#"sum without() (x{job="s"})"#,
        r#"sum without () (x{job="s"})"#,
    ),
    (r#"SUM(x) BY (a, "b.c")"#, r#"sum by (a, "b.c") (x)"#),
    (r#"topk(5, x{job="s"})"#, ""),
    (r#"count_values("value", x)"#, ""),
    ("a - on() c", "a - on () c"),
    (
        "a - on(b) group_left(x, y) c",
        "a - on (b) group_left (x, y) c",
    ),
    ("a - on(b) group_left c", "a - on (b) group_left () c"),
    ("a - on(b) group_left() (c)", "a - on (b) group_left () (c)"),
    ("a - ignoring(b) c", "a - ignoring (b) c"),
    ("a - ignoring() c", "a - c"),
    ("up > bool 0", ""),
    ("a offset 1m", ""),
    ("a offset -7m", ""),
    ("a offset 100", "a offset 1m40s"),
    (r#"a{c="d"}[5m] offset 1m"#, ""),
    ("a[1800]", "a[30m]"),
    ("a[1h:5m] offset 1m", ""),
    ("a[1h:] @ start() offset 1m", ""),
    (r#"{__name__="a"}"#, ""),
    (
        r#"{"my.metric", "a.b"="c"}"#,
        r#"{"a.b"="c",__name__="my.metric"}"#,
    ),
    (r#"a{b!~"c", a=~"d"}[1m]"#, r#"a{a=~"d",b!~"c"}[1m]"#),
    ("a @ 10", "a @ 10.000"),
    ("a[1m] @ 10", "a[1m] @ 10.000"),
    ("a @ end()", ""),
    ("a offset 5m @ 1.5", "a @ 1.500 offset 5m"),
    ("rate(a[5m] anchored)", ""),
    ("a @ 1 smoothed offset 1s", "a @ 1.000 smoothed offset 1s"),
    ("1 + 2 * 3", ""),
    ("-(1 + 2)", ""),
    ("- 1", "-1"),
    ("+Inf", ""),
    ("-inf", "-Inf"),
    ("nan", "NaN"),
    ("0x10", "16"),
    ("1e21", "1000000000000000000000"),
    ("5m + 1h30m", "5m + 1h30m"),
    (r#""a\"b\u00e9\x01""#, r#""a\"bé\x01""#),
    ("'single'", r#""single""#),
    ("`raw\\`", r#""raw\\""#),
    ("x[5m+step()]", "x[5m + step()]"),
    (
        "x[(1h/2):min_of(step(),1s)] offset -(2^2)",
        "x[(1h / 2):min_of(step(), 1s)] offset -(2 ^ 2)",
    ),
    ("x offset STEP()", "x offset step()"),
    ("a + fill(NaN) b", "a + fill (NaN) b"),
    (
        "a + on(x) group_left fill_left(1) fill_right(-2) b",
        "a + on (x) group_left () fill_left (1) fill_right (-2) b",
    ),
    ("a </ 3", ""),
    ("rate(x[5m:])", ""),
    ("round(x, 0.5)", ""),
    ("label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")", ""),
];

#[test]
fn prints_the_canonical_form() {
    let mut failures = Vec::new();
    for (q, want) in CASES {
        let want = if want.is_empty() { q } else { want };
        match parse(q) {
            Ok(e) if e.to_string() == *want => {}
            Ok(e) => failures.push(format!("{q}:\n   got {e}\n  want {want}")),
            Err(e) => failures.push(format!("{q}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn prettify_splits_long_nodes() {
    let short = parse("sum by (job) (rate(x[5m]))").expect("parses");
    assert_eq!(prettify(&short), "sum by (job) (rate(x[5m]))");

    let q = r#"sum by (job) (rate(http_requests_total{job="api-server", handler="/api/v1/comments", code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))"#;
    let want = r#"  sum by (job) (
    rate(http_requests_total{code=~"5..",handler="/api/v1/comments",job="api-server"}[5m])
  )
/
  sum by (job) (rate(http_requests_total[5m]))"#;
    assert_eq!(prettify(&parse(q).expect("parses")), want);

    let q = r#"histogram_quantile(0.9, rate(http_request_duration_seconds_bucket{job="api-server", le=~".+", code="200"}[10m]))"#;
    let want = r#"histogram_quantile(
  0.9,
  rate(http_request_duration_seconds_bucket{code="200",job="api-server",le=~".+"}[10m])
)"#;
    assert_eq!(prettify(&parse(q).expect("parses")), want);

    let q = r#"-(sum(rate(a_very_long_metric_name_that_goes_on_and_on{job="x"}[5m])) + sum(rate(another_long_metric_name{job="y"}[5m])))"#;
    let want = r#"-(
    sum(rate(a_very_long_metric_name_that_goes_on_and_on{job="x"}[5m]))
  +
    sum(rate(another_long_metric_name{job="y"}[5m]))
)"#;
    assert_eq!(prettify(&parse(q).expect("parses")), want);
}
