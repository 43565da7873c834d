//! The side channels of an OTLP export: metric metadata, exemplars and `target_info`.

use std::collections::BTreeSet;

use super::expect::Summary;
use super::{labels, number, query};
use crate::support::{TestServer, json};

/// `/api/v1/metadata` has the type, unit and help of every family.
pub(crate) fn check_metadata(s: &TestServer, summary: &Summary) {
    let (status, body) = s.get("/api/v1/metadata");
    assert_eq!(status, 200, "{body}");
    let data = &json(&body)["data"];
    for m in &summary.metrics {
        let entry = &data[&m.prom][0];
        assert_eq!(
            entry["type"],
            m.prom_type.as_str(),
            "type of {}: {entry}",
            m.prom
        );
        assert_eq!(
            entry["unit"],
            m.prom_unit.as_str(),
            "unit of {}: {entry}",
            m.prom
        );
        assert_eq!(
            entry["help"],
            m.help.as_str(),
            "help of {}: {entry}",
            m.prom
        );
    }
}

/// The SDK attaches exemplars to measurements made inside sampled spans: they must come
/// back with trace ids of this workload, failed tool calls on the error counter, and each
/// histogram exemplar on a bucket whose bound covers its value.
pub(crate) fn check_exemplars(s: &TestServer, summary: &Summary, t: i64) {
    let all = summary.trace_ids();
    let failed: BTreeSet<String> = summary
        .traces
        .failed_tool_call_trace_ids
        .iter()
        .cloned()
        .collect();
    let cases = [
        (
            "llama_stack_tool_runtime_invocations_total{status=\"error\"}",
            &failed,
        ),
        ("llama_stack_inference_duration_seconds_bucket", &all),
    ];
    for (q, allowed) in cases {
        let end = format!("{}", t / 1000 + 1);
        let (status, body) = s.post_form(
            "/api/v1/query_exemplars",
            &[("query", q), ("start", "0"), ("end", &end)],
        );
        assert_eq!(status, 200, "{body}");
        let data = json(&body)["data"].as_array().cloned().unwrap_or_default();
        let mut seen = 0;
        for series in &data {
            let le = series["seriesLabels"]["le"].as_str().map(|le| match le {
                "+Inf" => f64::INFINITY,
                le => le.parse::<f64>().expect("le"),
            });
            for e in series["exemplars"].as_array().expect("exemplars") {
                let trace = e["labels"]["trace_id"].as_str().expect("trace_id");
                assert!(
                    allowed.contains(trace),
                    "{q}: exemplar of unknown trace {e}"
                );
                assert_eq!(
                    e["labels"]["span_id"].as_str().map(str::len),
                    Some(16),
                    "{e}"
                );
                if let Some(le) = le {
                    assert!(
                        number(&e["value"]) <= le,
                        "{q}: exemplar above its bucket: {e}"
                    );
                }
                seen += 1;
            }
        }
        assert!(
            allowed.is_empty() || seen > 0,
            "no exemplars for {q}: {body}"
        );
    }
}

/// One `target_info` per service that sent metrics, with its resource attributes.
pub(crate) fn check_target_info(s: &TestServer, summary: &Summary, t: i64) {
    let services: BTreeSet<&str> = summary.metrics.iter().map(|m| m.service.as_str()).collect();
    let got = query(s, "llama_stack_target_info", t);
    let jobs: BTreeSet<String> = got.iter().map(|r| labels(r)["job"].clone()).collect();
    let want: BTreeSet<String> = services.iter().map(|s| s.to_string()).collect();
    assert_eq!(jobs, want, "target_info jobs");
    for r in &got {
        let l = labels(r);
        assert_eq!(
            l.get("deployment_environment_name").map(String::as_str),
            Some("test"),
            "{l:?}"
        );
        assert_eq!(
            l.get("service_version").map(String::as_str),
            Some("0.2.22"),
            "{l:?}"
        );
        assert_eq!(r["value"][1], "1", "{r}");
    }
}
