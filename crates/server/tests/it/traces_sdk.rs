//! The real OpenTelemetry Python SDK exporting spans: `tests/python/workload.py` runs once
//! over OTLP/gRPC and once over OTLP/HTTP protobuf (different seeds, so different traces)
//! into one server, and what the Jaeger and Tempo APIs answer is checked against the summary
//! the script prints of what it recorded: every trace by id (span count, services, root,
//! start, duration, error), the service list, operations with kinds, dependencies and the
//! traces with failed tool calls found by TraceQL.
//!
//! The test fails, never skips, when `OTELSTORE_PYTHON` is unset (`scripts/test` sets it).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::spans::query;
use crate::support::{TestServer, json, run_workload};

fn get(s: &TestServer, path: &str) -> Value {
    let (status, body) = s.get(path);
    assert_eq!(status, 200, "{path}: {body}");
    json(&body)
}

fn str_set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_str().expect("string").to_owned())
        .collect()
}

/// Checks one trace of the summary against Jaeger's trace by id.
fn check_trace(s: &TestServer, row: &Value) {
    let id = row["trace_id"].as_str().expect("trace_id");
    let v = get(s, &format!("/jaeger/api/traces/{id}"));
    let t = &v["data"][0];
    let spans = t["spans"].as_array().expect("spans");
    assert_eq!(
        spans.len() as u64,
        row["spans"].as_u64().expect("spans"),
        "{id}: span count"
    );
    let service = |sp: &Value| {
        let pid = sp["processID"].as_str().expect("processID");
        t["processes"][pid]["serviceName"]
            .as_str()
            .expect("serviceName")
            .to_owned()
    };
    let services: BTreeSet<String> = spans.iter().map(service).collect();
    assert_eq!(services, str_set(&row["services"]), "{id}: services");
    let roots: Vec<&Value> = spans
        .iter()
        .filter(|sp| sp["references"].as_array().is_none_or(Vec::is_empty))
        .collect();
    assert_eq!(roots.len(), 1, "{id}: one root");
    assert_eq!(
        service(roots[0]),
        row["root_service"].as_str().expect("root_service")
    );
    assert_eq!(
        roots[0]["operationName"], row["root_operation"],
        "{id}: root operation"
    );
    let start = spans
        .iter()
        .map(|sp| sp["startTime"].as_u64().expect("startTime"))
        .min();
    let end = spans
        .iter()
        .map(|sp| sp["startTime"].as_u64().expect("start") + sp["duration"].as_u64().expect("d"))
        .max();
    let start = start.expect("a span");
    assert_eq!(
        start,
        row["start_unix_nano"].as_u64().expect("start") / 1000,
        "{id}: start"
    );
    assert_eq!(
        end.expect("a span") - start,
        row["duration_us"].as_u64().expect("d"),
        "{id}"
    );
    let error = spans.iter().any(|sp| {
        sp["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .any(|tg| tg["key"] == "error" && tg["value"] == true)
    });
    assert_eq!(error, row["error"].as_bool().expect("error"), "{id}: error");
}

#[test]
fn sdk_spans_over_grpc_and_http_are_served_as_sent() {
    let s = TestServer::start(&[]);
    let grpc_endpoint = format!("http://{}", s.otlp_grpc);
    let http_endpoint = format!("http://{}", s.otlp_http);
    let runs: [Value; 2] = [
        run_workload(&[
            "--endpoint",
            &grpc_endpoint,
            "--protocol",
            "grpc",
            "--seed",
            "42",
            "--instance-id",
            "grpc",
            "--requests",
            "60",
            "--warmup",
            "5",
        ]),
        run_workload(&[
            "--endpoint",
            &http_endpoint,
            "--protocol",
            "http/protobuf",
            "--seed",
            "43",
            "--instance-id",
            "http",
            "--requests",
            "60",
            "--warmup",
            "5",
        ]),
    ];
    let mut services = BTreeSet::new();
    let mut operations: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut deps: BTreeMap<String, u64> = BTreeMap::new();
    let mut failed_tools = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for summary in &runs {
        let calls = &summary["exports"]["traces"];
        assert!(
            calls["ok"].as_u64() > Some(0) && calls["failed"] == 0,
            "exports: {calls}"
        );
        let traces = &summary["traces"];
        for row in traces["list"].as_array().expect("list") {
            check_trace(&s, row);
            services.extend(str_set(&row["services"]));
            ids.insert(row["trace_id"].as_str().expect("id").to_owned());
        }
        for (svc, ops) in traces["operations"].as_object().expect("operations") {
            let set = operations.entry(svc.clone()).or_default();
            for op in ops.as_array().expect("ops") {
                let name = op["name"].as_str().expect("name").to_owned();
                set.insert((name, op["kind"].as_str().expect("kind").to_owned()));
            }
        }
        for (edge, n) in traces["dependencies"].as_object().expect("dependencies") {
            *deps.entry(edge.clone()).or_default() += n.as_u64().expect("count");
        }
        failed_tools.extend(str_set(&traces["failed_tool_call_trace_ids"]));
    }
    assert_eq!(ids.len(), 120, "two runs of 60 distinct traces");
    assert_eq!(str_set(&get(&s, "/jaeger/api/services")["data"]), services);
    for (svc, want) in &operations {
        let v = get(
            &s,
            &format!("/jaeger/api/operations?{}", query(&[("service", svc)])),
        );
        let got: BTreeSet<(String, String)> = v["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|o| {
                let name = o["name"].as_str().expect("name").to_owned();
                (name, o["spanKind"].as_str().expect("spanKind").to_owned())
            })
            .collect();
        assert_eq!(&got, want, "operations of {svc}");
    }
    let got: BTreeMap<String, u64> = get(&s, "/jaeger/api/dependencies")["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|d| {
            let edge = format!(
                "{}->{}",
                d["parent"].as_str().expect("p"),
                d["child"].as_str().expect("c")
            );
            (edge, d["callCount"].as_u64().expect("callCount"))
        })
        .collect();
    assert_eq!(got, deps, "dependencies");
    let q = query(&[
        (
            "q",
            r#"{ span.gen_ai.operation.name = "execute_tool" && status = error }"#,
        ),
        ("limit", "1000"),
    ]);
    let found: BTreeSet<String> = get(&s, &format!("/tempo/api/search?{q}"))["traces"]
        .as_array()
        .expect("traces")
        .iter()
        .map(|t| t["traceID"].as_str().expect("traceID").to_owned())
        .collect();
    assert!(
        !failed_tools.is_empty(),
        "the workload has failed tool calls"
    );
    assert_eq!(
        found, failed_tools,
        "TraceQL: traces with failed tool calls"
    );
}
