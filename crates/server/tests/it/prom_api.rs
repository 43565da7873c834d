//! The Prometheus HTTP API over the real binary: golden responses for what Grafana and
//! promtool call, and one test per kind of bad input.
//!
//! Golden files live in `testdata/api/`; run with `UPDATE_GOLDEN=1` to rewrite them after an
//! intended change, then review the diff.

use server::remote_write::{Metadata, WriteRequest};

use crate::support::{TestServer, exemplar, json, series};

/// Base time of the test data: 2023-11-14T22:13:20Z.
pub(crate) const T: i64 = 1_700_000_000_000;
const SECS: i64 = T / 1000;

/// Loads a small, fixed data set through remote write.
pub(crate) fn load(s: &TestServer) {
    let points = |f: fn(i64) -> f64| -> Vec<(i64, f64)> {
        (0..=40).map(|k| (T + k * 15_000, f(k))).collect()
    };
    let mut bucket = series(
        &[
            ("__name__", "request_duration_seconds_bucket"),
            ("job", "api"),
            ("le", "0.1"),
        ],
        &points(|k| k as f64),
    );
    bucket.exemplars.push(exemplar(
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "00f067aa0ba902b7",
        0.05,
        T + 60_000,
    ));
    let req = WriteRequest {
        timeseries: vec![
            series(
                &[
                    ("__name__", "http_requests_total"),
                    ("job", "api"),
                    ("instance", "a:1"),
                    ("code", "200"),
                ],
                &points(|k| (k * 10) as f64),
            ),
            series(
                &[
                    ("__name__", "http_requests_total"),
                    ("job", "api"),
                    ("instance", "a:1"),
                    ("code", "500"),
                ],
                &points(|k| k as f64),
            ),
            series(
                &[
                    ("__name__", "http_requests_total"),
                    ("job", "web"),
                    ("instance", "b:1"),
                    ("code", "200"),
                ],
                &points(|k| (k * 2) as f64),
            ),
            bucket,
            series(
                &[
                    ("__name__", "request_duration_seconds_bucket"),
                    ("job", "api"),
                    ("le", "+Inf"),
                ],
                &points(|k| (2 * k) as f64),
            ),
            series(
                &[("__name__", "up"), ("job", "api"), ("instance", "a:1")],
                &points(|_| 1.0),
            ),
        ],
        metadata: vec![
            Metadata {
                r#type: 1,
                metric_family_name: "http_requests_total".into(),
                help: "Requests served.".into(),
                unit: String::new(),
            },
            Metadata {
                r#type: 3,
                metric_family_name: "request_duration_seconds".into(),
                help: "Request latency.".into(),
                unit: "seconds".into(),
            },
        ],
    };
    let (status, body) = s.remote_write(&req);
    assert_eq!(status, 204, "{body}");
}

fn golden(name: &str, body: &str) {
    crate::support::assert_golden("api", name, &json(body));
}

#[test]
fn grafana_and_promtool_calls_match_golden_responses() {
    let s = TestServer::start(&[]);
    load(&s);
    let (start, end) = (SECS.to_string(), (SECS + 600).to_string());
    let q = |pairs: &[(&str, &str)]| -> String {
        let enc: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        enc.join("&")
    };

    // Grafana's "Save & test".
    let (status, body) = s.post_form("/api/v1/query", &[("query", "1+1"), ("time", "4")]);
    assert_eq!(status, 200);
    golden("health_query", &body);
    assert_eq!(
        body,
        r#"{"status":"success","data":{"resultType":"scalar","result":[4,"2"]}}"#
    );

    let (_, body) = s.get("/api/v1/status/buildinfo");
    golden("buildinfo", &body);
    assert!(
        json(&body)["data"].get("features").is_none(),
        "no features key"
    );

    let (_, body) = s.get(&format!(
        "/api/v1/labels?{}",
        q(&[("start", &start), ("end", &end)])
    ));
    golden("labels", &body);
    let (_, body) = s.get(&format!(
        "/api/v1/labels?{}",
        q(&[("start", &start), ("end", &end), ("limit", "2")])
    ));
    golden("labels_limit", &body);
    let (_, body) = s.get("/api/v1/label/__name__/values?limit=40000");
    golden("label_values_name", &body);
    let (_, body) = s.get(&format!(
        "/api/v1/label/instance/values?{}",
        q(&[("match[]", r#"http_requests_total{job="api"}"#)])
    ));
    golden("label_values_match", &body);
    let (_, body) = s.get("/api/v1/label/code/values?limit=1");
    golden("label_values_limit", &body);
    let (_, body) = s.get("/api/v1/metadata?limit=40000");
    golden("metadata", &body);
    let (_, body) = s.post_form(
        "/api/v1/series",
        &[
            ("match[]", r#"http_requests_total{code="200"}"#),
            ("start", &start),
            ("end", &end),
        ],
    );
    golden("series", &body);
    let (_, body) = s.get(&format!(
        "/api/v1/query_exemplars?{}",
        q(&[
            ("query", "sum(rate(request_duration_seconds_bucket[5m]))"),
            ("start", &start),
            ("end", &end)
        ])
    ));
    golden("exemplars", &body);
    let (_, body) = s.post_form(
        "/api/v1/query_range",
        &[
            ("query", "sum by (job) (rate(http_requests_total[1m]))"),
            ("start", &start),
            ("end", &end),
            ("step", "120"),
        ],
    );
    golden("query_range", &body);
    let (_, body) = s.post_form(
        "/api/v1/query",
        &[
            ("query", r#"http_requests_total{job="api"}"#),
            ("time", &end),
        ],
    );
    golden("query_vector", &body);

    // Grafana's exemplar probe sends milliseconds where seconds belong.
    let (status, body) = s.get(&format!(
        "/api/v1/query_exemplars?query=test&start={}&end={}",
        T - 1_800_000,
        T
    ));
    assert_eq!(
        (status, json(&body)["status"].as_str()),
        (200, Some("success")),
        "{body}"
    );
    // A query without selectors has no exemplars to look for.
    assert_eq!(s.get("/api/v1/query_exemplars?query=1%2B1").0, 204);
    let (status, body) = s.post_form(
        "/api/v1/format_query",
        &[("query", "sum(rate(x[5m]))by(job)")],
    );
    assert_eq!(
        (status, json(&body)["data"].as_str()),
        (200, Some("sum by (job) (rate(x[5m]))"))
    );
    let (status, body) = s.get(&format!(
        "/api/v1/parse_query?{}",
        q(&[("query", "up == 1")])
    ));
    assert_eq!(
        (status, json(&body)["data"]["type"].as_str()),
        (200, Some("binaryExpr")),
        "{body}"
    );
    for path in [
        "/api/v1/rules",
        "/api/v1/alerts",
        "/api/v1/targets",
        "/api/v1/status/flags",
        "/api/v1/status/runtimeinfo",
        "/api/v1/status/config",
    ] {
        let (status, body) = s.get(path);
        assert_eq!(
            (status, json(&body)["status"].as_str()),
            (200, Some("success")),
            "{path}: {body}"
        );
    }
    let (status, body) = s.get("/api/v1/status/tsdb");
    assert_eq!(status, 200);
    assert_eq!(json(&body)["data"]["headStats"]["numSeries"], 6, "{body}");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Asserts an error answer: status, `errorType` and a message fragment.
fn assert_error((status, body): (u16, String), want_status: u16, want_type: &str, fragment: &str) {
    assert_eq!(status, want_status, "{body}");
    let v = json(&body);
    assert_eq!(v["status"], "error", "{body}");
    assert_eq!(v["errorType"], want_type, "{body}");
    let msg = v["error"].as_str().unwrap_or_default();
    assert!(
        msg.contains(fragment),
        "{msg:?} should contain {fragment:?}"
    );
}

#[test]
fn bad_requests_get_prometheus_errors_and_lose_nothing() {
    let s = TestServer::start(&[]);
    load(&s);
    let before = s.post_form(
        "/api/v1/query",
        &[
            ("query", "http_requests_total"),
            ("time", &(SECS + 600).to_string()),
        ],
    );
    let end = (SECS + 600).to_string();
    let start = SECS.to_string();

    assert_error(
        s.post_form("/api/v1/query", &[("query", "sum(")]),
        400,
        "bad_data",
        "invalid parameter \"query\": 1:5: parse error",
    );
    assert_error(
        s.post_form("/api/v1/query", &[]),
        400,
        "bad_data",
        "invalid parameter \"query\"",
    );
    assert_error(
        s.post_form("/api/v1/query", &[("query", "up"), ("time", "abc")]),
        400,
        "bad_data",
        "invalid parameter \"time\"",
    );
    assert_error(
        s.post_form("/api/v1/query", &[("query", "up"), ("timeout", "soon")]),
        400,
        "bad_data",
        "invalid parameter \"timeout\"",
    );
    let range = |q: &str, st: &str, en: &str, step: &str| {
        s.post_form(
            "/api/v1/query_range",
            &[("query", q), ("start", st), ("end", en), ("step", step)],
        )
    };
    assert_error(
        range("up", &start, &end, "0"),
        400,
        "bad_data",
        "zero or negative query resolution step",
    );
    assert_error(
        range("up", &start, &end, "-5"),
        400,
        "bad_data",
        "zero or negative",
    );
    assert_error(
        range("up", &end, &start, "15"),
        400,
        "bad_data",
        "end timestamp must not be before start time",
    );
    assert_error(
        range("up", &start, &(SECS + 11_001).to_string(), "1"),
        400,
        "bad_data",
        "exceeded maximum resolution of 11,000 points",
    );
    assert_eq!(
        range("up", &start, &(SECS + 11_000).to_string(), "1").0,
        200,
        "11,000 steps are allowed"
    );
    assert_error(
        range("up[5m]", &start, &end, "15"),
        400,
        "bad_data",
        "invalid expression type \"range vector\"",
    );
    assert_error(
        range("up", "x", &end, "15"),
        400,
        "bad_data",
        "invalid parameter \"start\"",
    );
    assert_error(
        s.post_form(
            "/api/v1/query",
            &[
                (
                    "query",
                    r#"label_replace(http_requests_total, "code", "x", "", "")"#,
                ),
                ("time", &end),
            ],
        ),
        422,
        "execution",
        "vector cannot contain metrics with the same labelset",
    );
    assert_error(
        s.post_form("/api/v1/series", &[]),
        400,
        "bad_data",
        "no match[] parameter provided",
    );
    assert_error(
        s.post_form("/api/v1/series", &[("match[]", r#"{job=~".*"}"#)]),
        400,
        "bad_data",
        "at least one non-empty matcher",
    );
    assert_error(
        s.post_form("/api/v1/series", &[("match[]", "sum(")]),
        400,
        "bad_data",
        "invalid parameter \"match[]\"",
    );
    assert_error(
        s.get("/api/v1/labels?limit=-1"),
        400,
        "bad_data",
        "invalid parameter \"limit\"",
    );
    assert_error(
        s.get("/api/v1/metadata?limit=x"),
        400,
        "bad_data",
        "limit must be a number",
    );
    assert_error(
        s.get("/api/v1/query_exemplars?query=up&start=10&end=5"),
        400,
        "bad_data",
        "end timestamp must not be before start time",
    );
    assert_error(
        s.post_form("/api/v1/admin/tsdb/snapshot", &[]),
        500,
        "unavailable",
        "admin APIs disabled",
    );

    // Remote write: undecodable, wrong encoding, oversized, invalid labels.
    let (status, _, _) = s.post(
        "/api/v1/write",
        &[("Content-Encoding", "snappy")],
        b"not snappy at all",
    );
    assert_eq!(status, 400);
    let (status, _, _) = s.post("/api/v1/write", &[("Content-Encoding", "gzip")], b"x");
    assert_eq!(status, 415);
    let (status, _, _) = s.post("/api/v1/write", &[("Content-Type", "text/plain")], b"x");
    assert_eq!(status, 415);
    let garbage_proto = snap::raw::Encoder::new()
        .compress_vec(&[0xff; 32])
        .expect("snappy");
    assert_eq!(
        s.post(
            "/api/v1/write",
            &[("Content-Encoding", "snappy")],
            &garbage_proto
        )
        .0,
        400
    );
    assert_eq!(
        s.status_of_announced_body("/api/v1/write", 65 << 20),
        413,
        "oversized body"
    );
    let mixed = WriteRequest {
        timeseries: vec![
            series(&[("__name__", "fine"), ("a", "b")], &[(T + 700_000, 1.0)]),
            series(&[("a", "no metric name")], &[(T + 700_000, 1.0)]),
            series(
                &[("__name__", "dup"), ("a", "1"), ("a", "2")],
                &[(T + 700_000, 1.0)],
            ),
            series(
                &[("__name__", "future")],
                &[(crate::support_now() + 3_600_000, 1.0)],
            ),
        ],
        metadata: vec![],
    };
    let (status, body) = s.remote_write(&mixed);
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("1 samples stored") && body.contains("3 invalid"),
        "{body}"
    );
    let (_, body) = s.post_form(
        "/api/v1/query",
        &[("query", "fine"), ("time", &(SECS + 700).to_string())],
    );
    assert_eq!(
        json(&body)["data"]["result"][0]["value"][1],
        "1",
        "the valid sample was stored: {body}"
    );

    // Nothing acknowledged before the bad requests is lost.
    let after = s.post_form(
        "/api/v1/query",
        &[
            ("query", "http_requests_total"),
            ("time", &(SECS + 600).to_string()),
        ],
    );
    assert_eq!(before, after);
    assert_eq!(
        json(&after.1)["data"]["result"].as_array().map(Vec::len),
        Some(3)
    );
}

#[test]
fn admin_snapshot_and_delete_series_when_enabled() {
    let s = TestServer::start(&["--enable-admin-api"]);
    load(&s);
    let (status, body) = s.post_form("/api/v1/admin/tsdb/snapshot", &[]);
    assert_eq!(status, 200, "{body}");
    let name = json(&body)["data"]["name"]
        .as_str()
        .expect("snapshot name")
        .to_string();
    assert!(
        s.data
            .join("snapshots")
            .join(&name)
            .join("metrics")
            .is_dir()
    );
    let (status, _) = s.post_form(
        "/api/v1/admin/tsdb/delete_series",
        &[("match[]", r#"http_requests_total{job="web"}"#)],
    );
    assert_eq!(status, 204);
    let (_, body) = s.post_form(
        "/api/v1/query",
        &[
            ("query", "http_requests_total"),
            ("time", &(SECS + 600).to_string()),
        ],
    );
    assert_eq!(
        json(&body)["data"]["result"].as_array().map(Vec::len),
        Some(2),
        "{body}"
    );
}
