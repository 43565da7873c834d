//! The Tempo API over the real binary, on the workload of `spans`: golden responses for every
//! JSON shape, trace by id in protobuf returning exactly the spans sent, TraceQL and tag
//! searches finding exactly the expected traces (the failed tool calls among them), and one
//! case per kind of bad input.

use std::collections::BTreeSet;

use opentelemetry_proto::tonic::trace::v1::TracesData;
use prost::Message;
use serde_json::{Value, json};
use server::tempo::TraceByIdResponse;

use crate::spans::{Sent, Workload, check_exact, golden, query, setup};
use crate::support::{TestServer, json};

fn get(s: &TestServer, path: &str) -> String {
    let (status, body) = s.get(&format!("/tempo{path}"));
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// A search's trace ids, in order.
fn found(body: &str) -> Vec<String> {
    json(body)["traces"]
        .as_array()
        .expect("traces")
        .iter()
        .map(|t| t["traceID"].as_str().expect("traceID").to_owned())
        .collect()
}

#[test]
fn tempo_responses_match_golden_files() {
    let (s, w) = setup();
    let base = w.base_ns;
    assert_eq!(s.get("/tempo/api/echo"), (200, "echo".to_string()));
    golden("tempo_buildinfo", &get(&s, "/api/status/buildinfo"), base);
    let t4 = Workload::trace_hex(4);
    golden(
        "tempo_trace_v1",
        &get(&s, &format!("/api/traces/{t4}")),
        base,
    );
    golden(
        "tempo_trace_v2",
        &get(&s, &format!("/api/v2/traces/{t4}")),
        base,
    );
    let q = query(&[
        (
            "q",
            r#"{ span.gen_ai.operation.name = "execute_tool" && status = error }"#,
        ),
        ("limit", "20"),
    ]);
    golden(
        "tempo_search_traceql",
        &get(&s, &format!("/api/search?{q}")),
        base,
    );
    let q = query(&[
        ("tags", "service.name=vllm gen_ai.request.model=LLAMA"),
        ("minDuration", "300ms"),
    ]);
    golden(
        "tempo_search_tags",
        &get(&s, &format!("/api/search?{q}")),
        base,
    );
    golden("tempo_tags", &get(&s, "/api/search/tags"), base);
    golden(
        "tempo_tags_scope_span",
        &get(&s, "/api/search/tags?scope=span"),
        base,
    );
    golden("tempo_tags_v2", &get(&s, "/api/v2/search/tags"), base);
    golden(
        "tempo_tag_values",
        &get(&s, "/api/search/tag/gen_ai.tool.name/values"),
        base,
    );
    golden(
        "tempo_tag_values_v2",
        &get(&s, "/api/v2/search/tag/resource.service.name/values"),
        base,
    );
    golden(
        "tempo_tag_values_v2_status",
        &get(&s, "/api/v2/search/tag/status/values"),
        base,
    );
    golden(
        "tempo_tag_values_v2_int",
        &get(
            &s,
            "/api/v2/search/tag/span.gen_ai.usage.input_tokens/values",
        ),
        base,
    );
}

#[test]
fn trace_by_id_in_protobuf_returns_exactly_the_spans_sent() {
    let (s, w) = setup();
    let proto = [("Accept", "application/protobuf")];
    for i in 0..crate::spans::workload::TRACES {
        let id = Workload::trace_hex(i);
        let (status, body, ct) = s.get_from(&s.http, &format!("/tempo/api/v2/traces/{id}"), &proto);
        assert_eq!(
            (status, ct.as_str()),
            (200, "application/protobuf"),
            "v2 {id}"
        );
        let resp = TraceByIdResponse::decode(&body[..]).expect("TraceByIDResponse");
        assert_eq!((resp.status, resp.message.as_str()), (0, ""));
        check_exact(&resp.trace.expect("trace"), &w, i);
        let start = w.start_of(i) / 1_000_000_000;
        let path = format!(
            "/tempo/api/traces/{id}?start={}&end={}",
            start - 1,
            start + 2
        );
        let (status, body, _) = s.get_from(&s.http, &path, &proto);
        assert_eq!(status, 200, "v1 {id}");
        check_exact(&TracesData::decode(&body[..]).expect("Trace"), &w, i);
        // JSON: the same spans, hex ids.
        let v = json(&get(&s, &format!("/api/v2/traces/{id}")));
        let n: usize = v["trace"]["resourceSpans"]
            .as_array()
            .expect("resourceSpans")
            .iter()
            .flat_map(|rs| rs["scopeSpans"].as_array().expect("scopeSpans"))
            .map(|ss| ss["spans"].as_array().expect("spans").len())
            .sum();
        assert_eq!(n, w.spans_of(i).count());
    }
    // A missing trace is a 404 on both versions (Grafana retries v1, then says not found).
    for path in ["/tempo/api/v2/traces/abc", "/tempo/api/traces/abc"] {
        let (status, body, _) = s.get_from(&s.http, path, &proto);
        assert_eq!(status, 404, "{path}");
        assert!(String::from_utf8_lossy(&body).contains("trace not found"));
    }
}

#[test]
fn traceql_finds_the_failed_tool_calls() {
    let (s, w) = setup();
    let q = query(&[(
        "q",
        r#"{ span.gen_ai.operation.name = "execute_tool" && status = error }"#,
    )]);
    let body = get(&s, &format!("/api/search?{q}"));
    let failed = |x: &Sent| {
        x.attr("gen_ai.operation.name").as_deref() == Some("execute_tool") && x.is_error()
    };
    let want = w.matching(failed);
    assert_eq!(want.len(), 3);
    assert_eq!(found(&body), want);
    for t in json(&body)["traces"].as_array().expect("traces") {
        let set = &t["spanSets"][0];
        assert_eq!(set["matched"], 1);
        let span = &set["spans"][0];
        let sent = w
            .spans
            .iter()
            .find(|x| hex(&x.span.span_id) == span["spanID"].as_str().expect("spanID"))
            .expect("a sent span");
        assert!(failed(sent), "{span}");
        assert_eq!(span["name"], sent.name());
        assert_eq!(
            span["attributes"],
            json!([
                {"key": "service.name", "value": {"stringValue": "llm-gateway"}},
                {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
                {"key": "status", "value": {"stringValue": "error"}},
            ])
        );
        assert_eq!(t["rootServiceName"], "chat-app");
        assert_eq!(t["rootTraceName"], "POST /v1/chat/completions");
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn searches_find_exactly_the_expected_traces() {
    let (s, w) = setup();
    let ms = 1_000_000;
    type Pred = Box<dyn Fn(&Sent) -> bool>;
    let trace_ns = |i: usize| {
        w.spans_of(i)
            .map(|x| x.span.end_time_unix_nano)
            .max()
            .unwrap_or(0)
            - w.start_of(i)
    };
    let long: BTreeSet<usize> = (0..crate::spans::workload::TRACES)
        .filter(|&i| trace_ns(i) >= 300 * ms)
        .collect();
    let cases: Vec<(Vec<(&str, &str)>, Pred)> = vec![
        (vec![("q", "{}")], Box::new(|_| true)),
        (
            vec![("q", r#"{ resource.service.name = "vllm" }"#)],
            Box::new(|x| x.service == "vllm"),
        ),
        (
            vec![("q", r#"{ .service.name = "ollama" }"#)],
            Box::new(|x| x.service == "ollama"),
        ),
        (
            vec![(
                "q",
                r#"{ name =~ "execute_tool (rag|calc).*" && kind = internal }"#,
            )],
            Box::new(|x| {
                x.name().starts_with("execute_tool rag")
                    || x.name().starts_with("execute_tool calc")
            }),
        ),
        (
            vec![("q", "{ duration > 300ms && kind = server }")],
            Box::new(move |x| x.span.kind == 2 && x.duration() > 300 * ms),
        ),
        (
            vec![(
                "q",
                r#"{ span.gen_ai.tool.name = "rag_search" || name = "GET /v1/models" }"#,
            )],
            Box::new(|x| {
                x.attr("gen_ai.tool.name").as_deref() == Some("rag_search")
                    || x.name() == "GET /v1/models"
            }),
        ),
        (
            vec![(
                "q",
                "{ span.gen_ai.usage.input_tokens >= 104 && span.stream = true }",
            )],
            Box::new(|x| {
                x.attr("gen_ai.usage.input_tokens")
                    .is_some_and(|v| v.parse::<i64>().is_ok_and(|n| n >= 104))
                    && x.attr("stream").as_deref() == Some("true")
            }),
        ),
        (
            vec![(
                "q",
                r#"{ rootServiceName = "chat-app" && status = error && event.exception.type = "ToolError" }"#,
            )],
            Box::new(|x| x.is_error()),
        ),
        (
            vec![
                ("q", r#"{ resource.service.name = "llm-gateway" }"#),
                ("minDuration", "300ms"),
            ],
            Box::new(move |x| x.service == "llm-gateway" && long.contains(&x.trace)),
        ),
        (
            vec![("tags", "name=CALCULATOR")],
            Box::new(|x| x.name().contains("calculator")),
        ),
        (
            vec![(
                "tags",
                "service.name=llm gen_ai.tool.name=search error=true",
            )],
            Box::new(|x| {
                x.service == "llm-gateway"
                    && x.is_error()
                    && x.attr("gen_ai.tool.name")
                        .is_some_and(|t| t.contains("search"))
            }),
        ),
        (
            vec![("tags", "gen_ai.usage.input_tokens=101")],
            Box::new(|x| x.attr("gen_ai.usage.input_tokens").as_deref() == Some("101")),
        ),
        (vec![("q", r#"{ span.nope = "x" }"#)], Box::new(|_| false)),
    ];
    for (params, pred) in cases {
        let q = query(&params);
        let body = get(&s, &format!("/api/search?{q}"));
        assert_eq!(found(&body), w.matching(pred), "{q}");
    }
    // limit, spss and the time window.
    let body = get(
        &s,
        &format!(
            "/api/search?{}",
            query(&[("q", "{}"), ("limit", "3"), ("spss", "2")])
        ),
    );
    assert_eq!(found(&body), w.matching(|_| true)[..3].to_vec());
    for t in json(&body)["traces"].as_array().expect("traces") {
        assert_eq!(
            t["spanSets"][0]["spans"].as_array().expect("spans").len(),
            2
        );
    }
    let start = (w.start_of(6) / 1_000_000_000).to_string();
    let end = (w.start_of(6) / 1_000_000_000 + 1).to_string();
    let q = query(&[
        ("q", r#"{ resource.service.name = "chat-app" }"#),
        ("start", &start),
        ("end", &end),
    ]);
    assert_eq!(
        found(&get(&s, &format!("/api/search?{q}"))),
        vec![Workload::trace_hex(6)]
    );
}

#[test]
fn bad_inputs_get_400_with_a_message() {
    let (s, _) = setup();
    let cases: Vec<(&str, u16, &str)> = vec![
        ("/api/traces/xyz", 400, "invalid trace id"),
        ("/api/v2/traces/xyz", 400, "invalid trace id"),
        ("/api/v2/traces/abc?start=yesterday", 400, "invalid start"),
        (
            "/api/v2/traces/abc?start=20&end=10",
            400,
            "start is after end",
        ),
        (
            "/api/search?q=%7B%20.a%20%3D%20%7D",
            400,
            "invalid TraceQL query: parse error at char 8: expected a value",
        ),
        (
            "/api/search?q=%7B%20foo%20%3D%201%20%7D",
            400,
            "parse error at char 3: unknown field \"foo\"",
        ),
        ("/api/search?q=%7B%7D%20%7C%20count()", 400, "pipelines"),
        (
            "/api/search?q=%7B%20status%20%3D%20500%20%7D",
            400,
            "status is compared with ok, error or unset",
        ),
        (
            "/api/search?q=%7B%20.a%20%3D~%20%22(%22%20%7D",
            400,
            "invalid regular expression",
        ),
        (
            "/api/search?q=%7B%7D&minDuration=5",
            400,
            "invalid minDuration",
        ),
        (
            "/api/search?q=%7B%7D&minDuration=2s&maxDuration=1s",
            400,
            "must be greater than minDuration",
        ),
        ("/api/search?q=%7B%7D&limit=ten", 400, "invalid limit"),
        ("/api/search?q=%7B%7D&spss=-1", 400, "invalid spss"),
        ("/api/search?q=%7B%7D&start=1.5", 400, "invalid start"),
        ("/api/search?tags=novalue", 400, "invalid tags"),
        ("/api/search/tags?scope=bogus", 400, "invalid scope"),
        ("/api/v2/search/tags?limit=x", 400, "invalid limit"),
        ("/api/v2/search/tag/foo/values", 400, "invalid tag \"foo\""),
        (
            "/api/v2/search/tag/link.x/values",
            400,
            "scope \"link\" is not supported",
        ),
        ("/api/search/tag/x/values?end=never", 400, "invalid end"),
        (
            "/api/traces/00000000000000000000000000000abc",
            404,
            "trace not found",
        ),
    ];
    for (path, status, msg) in cases {
        let (got, body) = s.get(&format!("/tempo{path}"));
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(msg), "{path}: {body}");
        assert!(
            serde_json::from_str::<Value>(&body).is_err(),
            "{path}: plain text, as Tempo"
        );
    }
}
