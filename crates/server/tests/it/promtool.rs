//! promtool (from Debian's `prometheus` package) against otelstore: the `query instant`,
//! `query range`, `query series` and `query labels` subcommands must work. `.ci/run`
//! installs the package; without it this test fails rather than pass silently.

use std::process::Command;

use crate::prom_api::{T, load};
use crate::support::TestServer;

fn promtool(args: &[&str]) -> String {
    let out = Command::new("promtool").args(args).output().unwrap_or_else(|e| {
        panic!("cannot run promtool ({e}); install it with `apt-get install prometheus` (.ci/run does)")
    });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "promtool {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn promtool_queries_work() {
    let s = TestServer::start(&[]);
    load(&s);
    let url = format!("http://{}", s.http);
    let (start, end) = ((T / 1000).to_string(), (T / 1000 + 600).to_string());

    let out = promtool(&[
        "query",
        "instant",
        "--time",
        &end,
        &url,
        r#"sum by (job) (http_requests_total)"#,
    ]);
    assert!(
        out.contains(r#"{job="api"} => 440"#) && out.contains(r#"{job="web"} => 80"#),
        "{out}"
    );

    let out = promtool(&[
        "query", "range", "--start", &start, "--end", &end, "--step", "5m", &url, "up",
    ]);
    assert!(
        out.contains(r#"up{instance="a:1", job="api"} =>"#) && out.contains("1 @[1700000300]"),
        "{out}"
    );

    let out = promtool(&[
        "query",
        "series",
        "--match",
        "http_requests_total{code=\"500\"}",
        "--start",
        &start,
        "--end",
        &end,
        &url,
    ]);
    assert!(
        out.contains(r#"{__name__="http_requests_total", code="500", instance="a:1", job="api"}"#),
        "{out}"
    );

    let out = promtool(&[
        "query", "labels", "--start", &start, "--end", &end, &url, "job",
    ]);
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["api", "web"],
        "{out}"
    );
}
