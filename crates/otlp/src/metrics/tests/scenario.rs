//! The workload of `shared/tools/otel_load.py`, built by hand (same instruments, names,
//! units, scopes and attributes), must produce the names that the scenario's PromQL
//! queries use with namespace `llama_stack`, and the names of the script's docstring
//! without a namespace.

use opentelemetry_proto::tonic::common::v1::any_value::Value;

use super::super::{MetricsOptions, TranslationStrategy};
use super::*;

const P: &str = "llama_stack";
const SECONDS: [f64; 16] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 30.0, 60.0,
];
const TOKENS: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];
const TPS: [f64; 13] = [
    1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 80.0, 100.0, 150.0, 200.0, 400.0,
];
/// The Python SDK's default explicit buckets (http.* instruments give no advice).
const DEFAULT: [f64; 15] = [
    0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0,
    10000.0,
];

fn int(v: i64) -> AnyValue {
    AnyValue {
        value: Some(Value::IntValue(v)),
    }
}

fn boolean(v: bool) -> AnyValue {
    AnyValue {
        value: Some(Value::BoolValue(v)),
    }
}

/// A histogram point holding one observation `v`, with an exemplar when `sampled`.
fn observe(attributes: Vec<KeyValue>, bounds: &[f64], v: f64, start: u64) -> HistogramDataPoint {
    let mut counts = vec![0; bounds.len() + 1];
    counts[bounds.iter().position(|b| v <= *b).unwrap_or(bounds.len())] = 1;
    HistogramDataPoint {
        start_time_unix_nano: start,
        exemplars: vec![ex(v, T0 - SEC, 0x5b, 0x6c, vec![])],
        ..hist_point(attributes, T0, bounds, &counts, Some(v))
    }
}

fn http_attrs() -> Vec<KeyValue> {
    let mut a = attrs(&[
        ("http.method", "POST"),
        ("http.scheme", "http"),
        ("http.flavor", "1.1"),
        ("http.target", "/v1/chat/completions"),
    ]);
    a.push(kv("http.status_code", int(200)));
    a.push(kv("net.host.port", int(8321)));
    a
}

fn token_attrs(kind: &str) -> Vec<KeyValue> {
    attrs(&[
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "vllm"),
        ("gen_ai.request.model", "llama-3.1-8b-instruct"),
        ("server.address", "vllm.internal"),
        ("gen_ai.response.model", "llama-3.1-8b-instruct"),
        ("gen_ai.token.type", kind),
    ])
}

fn app_attrs() -> Vec<KeyValue> {
    let mut a = attrs(&[
        ("model", "llama-3.1-8b-instruct"),
        ("provider", "vllm"),
        ("status", "ok"),
    ]);
    a.push(kv("stream", boolean(true)));
    a
}

fn tool_attrs(status: &str) -> Vec<KeyValue> {
    attrs(&[
        ("tool_name", "web_search"),
        ("tool_group", "builtin::websearch"),
        ("provider", "tavily-search"),
        ("status", status),
    ])
}

/// One export of every instrument of otel_load.py, with the given temporality for sums
/// and histograms.
fn load_request(temporality: AggregationTemporality) -> ExportMetricsServiceRequest {
    let start = if temporality == AggregationTemporality::Delta {
        T0 - 60 * SEC
    } else {
        T0 - 3600 * SEC
    };
    let hist = |name: &str, unit: &str, points: Vec<HistogramDataPoint>| {
        histogram(name, unit, temporality, points)
    };
    let point = |attributes: Vec<KeyValue>, v: f64| NumberDataPoint {
        start_time_unix_nano: start,
        ..num(attributes, T0, v)
    };
    let http = vec![
        hist(
            "http.server.duration",
            "ms",
            vec![observe(http_attrs(), &DEFAULT, 812.5, start)],
        ),
        hist(
            "http.server.request.size",
            "By",
            vec![observe(http_attrs(), &DEFAULT, 420.0, start)],
        ),
        hist(
            "http.server.response.size",
            "By",
            vec![observe(http_attrs(), &DEFAULT, 2048.0, start)],
        ),
        sum(
            "http.server.active_requests",
            "{request}",
            false,
            temporality,
            vec![point(
                attrs(&[("http.method", "POST"), ("http.scheme", "http")]),
                0.0,
            )],
        ),
    ];
    let genai = vec![
        hist(
            "gen_ai.client.token.usage",
            "{token}",
            vec![
                observe(token_attrs("input"), &TOKENS, 120.0, start),
                observe(token_attrs("output"), &TOKENS, 350.0, start),
            ],
        ),
        hist(
            "gen_ai.client.operation.duration",
            "s",
            vec![observe(
                token_attrs("output")[..5].to_vec(),
                &SECONDS,
                0.8,
                start,
            )],
        ),
    ];
    let mut kv_gauge = num(
        attrs(&[("model", "llama-3.1-8b-instruct"), ("provider", "vllm")]),
        T0,
        0.26,
    );
    kv_gauge.start_time_unix_nano = 0;
    let inference = vec![
        hist(
            &format!("{P}.inference.duration_seconds"),
            "s",
            vec![observe(app_attrs(), &SECONDS, 0.8, start)],
        ),
        hist(
            &format!("{P}.inference.time_to_first_token_seconds"),
            "s",
            vec![observe(app_attrs(), &SECONDS, 0.06, start)],
        ),
        hist(
            &format!("{P}.inference.tokens_per_second"),
            "",
            vec![observe(app_attrs(), &TPS, 95.0, start)],
        ),
        sum(
            &format!("{P}.inference.concurrent_requests"),
            "{request}",
            false,
            temporality,
            vec![point(
                attrs(&[("model", "llama-3.1-8b-instruct"), ("provider", "vllm")]),
                1.0,
            )],
        ),
        gauge(
            &format!("{P}.inference.kv_cache_utilization"),
            "1",
            vec![kv_gauge],
        ),
    ];
    let mut invocations = vec![
        point(tool_attrs("ok"), 3.0),
        point(tool_attrs("error"), 1.0),
    ];
    invocations[1].exemplars = vec![ex(1.0, T0 - SEC, 0x5b, 0x6c, vec![])];
    let tools = vec![
        sum(
            &format!("{P}.tool_runtime.invocations_total"),
            "1",
            true,
            temporality,
            invocations,
        ),
        hist(
            &format!("{P}.tool_runtime.duration_seconds"),
            "s",
            vec![observe(tool_attrs("error"), &SECONDS, 0.45, start)],
        ),
    ];
    let mut res = attrs(&[
        ("service.name", "llm-gateway"),
        ("service.namespace", "llm"),
        ("service.instance.id", "llm-gateway-0-1a2b3c4d"),
        ("service.version", "0.9.3"),
        ("deployment.environment.name", "dev"),
        ("host.name", "box-0"),
        ("telemetry.sdk.language", "python"),
        ("telemetry.sdk.name", "opentelemetry"),
        ("telemetry.sdk.version", "1.45.1"),
    ]);
    res.sort_by(|a, b| a.key.cmp(&b.key));
    request(vec![resource(
        res,
        vec![
            scope("opentelemetry.instrumentation.asgi", http),
            scope("opentelemetry.instrumentation.openai_v2", genai),
            scope(&format!("{P}.inference"), inference),
            scope(&format!("{P}.tool_runtime"), tools),
        ],
    )])
}

fn families(t: &Translated) -> Vec<&str> {
    let mut f: Vec<&str> = t.metadata.iter().map(|m| m.family.as_str()).collect();
    f.sort_unstable();
    f
}

/// The families of otel_load.py's docstring, each with `prefix`.
fn expected_families(prefix: &str) -> Vec<String> {
    let mut f: Vec<String> = [
        "http_server_duration_milliseconds",
        "http_server_request_size_bytes",
        "http_server_response_size_bytes",
        "http_server_active_requests",
        "gen_ai_client_token_usage",
        "gen_ai_client_operation_duration_seconds",
        "llama_stack_inference_duration_seconds",
        "llama_stack_inference_time_to_first_token_seconds",
        "llama_stack_inference_tokens_per_second",
        "llama_stack_inference_concurrent_requests",
        "llama_stack_inference_kv_cache_utilization_ratio",
        "llama_stack_tool_runtime_invocations_total",
        "llama_stack_tool_runtime_duration_seconds",
        "target_info",
    ]
    .iter()
    .map(|f| {
        if f.starts_with("llama_stack") {
            f.to_string()
        } else {
            format!("{prefix}{f}")
        }
    })
    .collect();
    f.sort_unstable();
    f
}

#[test]
fn scenario_queries_find_their_series_with_the_llama_stack_namespace() {
    for temporality in [
        AggregationTemporality::Cumulative,
        AggregationTemporality::Delta,
    ] {
        let opts = MetricsOptions {
            namespace: Some(P.into()),
            ..Default::default()
        };
        let t = run(&load_request(temporality), &opts);
        assert_eq!(
            (t.rejected_points, t.messages.len()),
            (0, 0),
            "{:?}",
            t.messages
        );
        assert_eq!(
            families(&t),
            expected_families("llama_stack_"),
            "{temporality:?}"
        );

        // sum by(gen_ai_request_model) (llama_stack_gen_ai_client_token_usage_sum{gen_ai_token_type="input"})
        for (kind, tokens) in [("input", 120.0), ("output", 350.0)] {
            let s = one(
                &t,
                "llama_stack_gen_ai_client_token_usage_sum",
                &[("gen_ai_token_type", kind)],
            );
            assert_eq!(
                get(&s.labels, "gen_ai_request_model"),
                Some("llama-3.1-8b-instruct")
            );
            assert_eq!(s.samples[0].v, tokens);
        }
        // histogram_quantile(…, rate(<name>_bucket[5m])) for each latency query.
        for bucket in [
            "llama_stack_http_server_duration_milliseconds_bucket",
            "llama_stack_inference_duration_seconds_bucket",
            "llama_stack_inference_time_to_first_token_seconds_bucket",
            "llama_stack_inference_tokens_per_second_bucket",
        ] {
            assert_eq!(series(&t, bucket, &[("le", "+Inf")]).len(), 1, "{bucket}");
        }
        // rate(llama_stack_tool_runtime_invocations_total{status="error"}[5m])
        let errors = one(
            &t,
            "llama_stack_tool_runtime_invocations_total",
            &[("status", "error")],
        );
        assert_eq!(errors.samples[0].v, 1.0);
        assert_eq!(
            (get(&errors.labels, "job"), get(&errors.labels, "instance")),
            (Some("llm/llm-gateway"), Some("llm-gateway-0-1a2b3c4d"))
        );

        // Attribute types and joins.
        let http = one(
            &t,
            "llama_stack_http_server_duration_milliseconds_count",
            &[],
        );
        assert_eq!(
            (
                get(&http.labels, "http_status_code"),
                get(&http.labels, "net_host_port")
            ),
            (Some("200"), Some("8321"))
        );
        assert_eq!(
            get(
                &one(&t, "llama_stack_inference_duration_seconds_count", &[]).labels,
                "stream"
            ),
            Some("true")
        );
        let ti = one(&t, "llama_stack_target_info", &[]);
        assert_eq!(get(&ti.labels, "deployment_environment_name"), Some("dev"));
        assert!(
            t.exemplars.iter().any(|e| get(&e.labels, "__name__")
                == Some("llama_stack_tool_runtime_invocations_total"))
        );
        assert!(
            t.exemplars
                .iter()
                .any(|e| get(&e.labels, "le") == Some("1000")
                    && get(&e.labels, "__name__")
                        == Some("llama_stack_http_server_duration_milliseconds_bucket"))
        );
    }
}

#[test]
fn docstring_names_without_a_namespace() {
    let t = run(
        &load_request(AggregationTemporality::Cumulative),
        &MetricsOptions::default(),
    );
    assert_eq!(families(&t), expected_families(""));
}

#[test]
fn every_strategy_translates_the_whole_load() {
    for strategy in TranslationStrategy::ALL {
        let opts = MetricsOptions {
            strategy,
            ..Default::default()
        };
        let t = run(&load_request(AggregationTemporality::Cumulative), &opts);
        assert_eq!(t.rejected_points, 0, "{strategy:?}");
        assert_eq!(t.metadata.len(), 14, "{strategy:?}");
        let expect = match strategy {
            TranslationStrategy::UnderscoreEscapingWithSuffixes => {
                "http_server_duration_milliseconds_bucket"
            }
            TranslationStrategy::UnderscoreEscapingWithoutSuffixes => "http_server_duration_bucket",
            TranslationStrategy::NoUTF8EscapingWithSuffixes => {
                "http.server.duration_milliseconds_bucket"
            }
            TranslationStrategy::NoTranslation => "http.server.duration_bucket",
        };
        assert!(
            !series(&t, expect, &[]).is_empty(),
            "{strategy:?}: {:?}",
            names(&t)
        );
    }
}
