//! Metric names and units for every strategy: the rules, worked examples and
//! counter-examples of `docs/otel-to-prometheus.md` §2, §3 and §8.

use super::super::naming::{MetricKind, metric_name};
use super::super::{MetricsOptions, TranslationStrategy};

use MetricKind::{Gauge, Histogram, MonotonicSum, NonMonotonicSum, Summary};
use TranslationStrategy::{
    NoTranslation, NoUTF8EscapingWithSuffixes, UnderscoreEscapingWithSuffixes,
    UnderscoreEscapingWithoutSuffixes,
};

fn opts(strategy: TranslationStrategy, namespace: Option<&str>) -> MetricsOptions {
    MetricsOptions {
        strategy,
        namespace: namespace.map(str::to_string),
        ..Default::default()
    }
}

/// Checks rows of (name, unit, kind, expected) under one strategy and namespace.
fn check(
    strategy: TranslationStrategy,
    namespace: Option<&str>,
    rows: &[(&str, &str, MetricKind, &str)],
) {
    let o = opts(strategy, namespace);
    for &(name, unit, kind, want) in rows {
        let got = metric_name(name, unit, kind, &o);
        assert_eq!(
            got.as_deref(),
            Ok(want),
            "{strategy:?} ns={namespace:?}: {name:?} unit {unit:?} {kind:?}"
        );
    }
}

#[test]
fn worked_examples_of_section_8() {
    check(
        UnderscoreEscapingWithSuffixes,
        Some("llama_stack"),
        &[
            (
                "http.server.duration",
                "ms",
                Histogram,
                "llama_stack_http_server_duration_milliseconds",
            ),
            (
                "gen_ai.client.token.usage",
                "{token}",
                Histogram,
                "llama_stack_gen_ai_client_token_usage",
            ),
        ],
    );
    check(
        UnderscoreEscapingWithSuffixes,
        None,
        &[
            (
                "llama_stack.inference.time_to_first_token_seconds",
                "s",
                Histogram,
                "llama_stack_inference_time_to_first_token_seconds",
            ),
            (
                "llama_stack.tool_runtime.invocations_total",
                "1",
                MonotonicSum,
                "llama_stack_tool_runtime_invocations_total",
            ),
            (
                "llama_stack.inference.tokens_per_second",
                "",
                Histogram,
                "llama_stack_inference_tokens_per_second",
            ),
        ],
    );
}

#[test]
fn counter_examples_of_section_8() {
    check(
        UnderscoreEscapingWithSuffixes,
        None,
        &[
            // The per suffix is one token and never matches a single name token.
            (
                "llama_stack.inference.tokens_per_second",
                "{token}/s",
                Histogram,
                "llama_stack_inference_tokens_per_second_per_second",
            ),
            // Unit 1 on a non-monotonic sum: no _ratio.
            (
                "llama_stack.inference.concurrent_requests",
                "1",
                NonMonotonicSum,
                "llama_stack_inference_concurrent_requests",
            ),
            (
                "llama_stack.inference.kv_cache_utilization",
                "1",
                Gauge,
                "llama_stack_inference_kv_cache_utilization_ratio",
            ),
            (
                "http.server.request.size",
                "By",
                Histogram,
                "http_server_request_size_bytes",
            ),
            (
                "system.network.io",
                "By",
                MonotonicSum,
                "system_network_io_bytes_total",
            ),
            (
                "process.cpu.time",
                "s",
                MonotonicSum,
                "process_cpu_time_seconds_total",
            ),
            ("foo.total.bar", "", MonotonicSum, "foo_bar_total"),
            ("2xx.count", "", Gauge, "_2xx_count"),
        ],
    );
    check(
        NoUTF8EscapingWithSuffixes,
        None,
        &[(
            "http.server.duration",
            "ms",
            Histogram,
            "http.server.duration_milliseconds",
        )],
    );
}

#[test]
fn tokenising_and_suffix_rules() {
    check(
        UnderscoreEscapingWithSuffixes,
        None,
        &[
            (
                "gen_ai.client.token.usage",
                "",
                Histogram,
                "gen_ai_client_token_usage",
            ),
            ("a..b--c", "", Gauge, "a_b_c"),
            ("a__b", "", Gauge, "a_b"),
            ("..a.", "", Gauge, "a"),
            ("foo:bar.baz", "", Gauge, "foo:bar_baz"),
            ("café.latency", "ms", Histogram, "caf_latency_milliseconds"),
            ("total.requests", "", MonotonicSum, "requests_total"),
            ("requests.total.total", "", MonotonicSum, "requests_total"),
            ("requests", "", MonotonicSum, "requests_total"),
            ("cpu.ratio", "1", Gauge, "cpu_ratio"),
            ("ratio.cpu", "1", Gauge, "cpu_ratio"),
            ("cpu", "1", Histogram, "cpu"),
            ("cpu", "1", MonotonicSum, "cpu_total"),
            ("cpu", "1", Summary, "cpu"),
            ("duration.seconds", "s", Histogram, "duration_seconds"),
            ("seconds.duration", "s", Histogram, "seconds_duration"),
            (
                "requests_per_second",
                "1/s",
                Gauge,
                "requests_per_second_per_second",
            ),
            ("x", "By/s", Gauge, "x_bytes_per_second"),
            ("x", "m/s", Gauge, "x_meters_per_second"),
            ("x", "By/w", Gauge, "x_bytes_per_week"),
            ("x", "1/mo", Gauge, "x_per_month"),
            ("x", "{req}/y", Gauge, "x_per_year"),
            ("x", "ms/", Gauge, "x_milliseconds"),
            ("x", "ms/{x}", Gauge, "x_milliseconds"),
            ("x", " ms ", Gauge, "x_milliseconds"),
            ("x", "tokens", Gauge, "x_tokens"),
            ("x", "{packet}", Gauge, "x"),
            ("x", "%", Gauge, "x_percent"),
            ("x", "req.x", Gauge, "x_req_x"),
            ("x", "KiBy", Gauge, "x_kibibytes"),
            ("x", "Cel", Gauge, "x_celsius"),
            ("x", "us", Gauge, "x_microseconds"),
            ("x", "d", Gauge, "x_days"),
        ],
    );
}

#[test]
fn namespace_is_prefixed_once() {
    check(
        UnderscoreEscapingWithSuffixes,
        Some("llama_stack"),
        &[
            (
                "llama_stack.inference.time_to_first_token_seconds",
                "s",
                Histogram,
                "llama_stack_inference_time_to_first_token_seconds",
            ),
            (
                "inference.time_to_first_token",
                "s",
                Histogram,
                "llama_stack_inference_time_to_first_token_seconds",
            ),
            (
                "llama_stack.tool_runtime.invocations_total",
                "1",
                MonotonicSum,
                "llama_stack_tool_runtime_invocations_total",
            ),
            ("llama_stack", "", Gauge, "llama_stack"),
            // Only whole words count as the prefix.
            (
                "llama_stackx.foo",
                "",
                Gauge,
                "llama_stack_llama_stackx_foo",
            ),
            // With a namespace the name no longer starts with a digit.
            ("2xx.count", "", Gauge, "llama_stack_2xx_count"),
        ],
    );
    check(
        UnderscoreEscapingWithSuffixes,
        Some("llama.stack"),
        &[
            ("llama_stack.x", "", Gauge, "llama_stack_x"),
            ("x", "", Gauge, "llama_stack_x"),
        ],
    );
    // A blank namespace is no namespace.
    check(
        UnderscoreEscapingWithSuffixes,
        Some(""),
        &[("x", "", Gauge, "x")],
    );
}

#[test]
fn without_suffixes() {
    check(
        UnderscoreEscapingWithoutSuffixes,
        None,
        &[
            (
                "http.server.duration",
                "ms",
                Histogram,
                "http_server_duration",
            ),
            ("a__b", "", Gauge, "a__b"),
            ("a..b", "", Gauge, "a_b"),
            ("foo.total.bar", "", MonotonicSum, "foo_total_bar"),
            ("requests", "", MonotonicSum, "requests"),
            ("kv_cache_utilization", "1", Gauge, "kv_cache_utilization"),
            ("2xx.count", "", Gauge, "_2xx_count"),
        ],
    );
    check(
        UnderscoreEscapingWithoutSuffixes,
        Some("llama_stack"),
        &[
            (
                "http.server.duration",
                "ms",
                Histogram,
                "llama_stack_http_server_duration",
            ),
            (
                "llama_stack.inference.duration_seconds",
                "s",
                Histogram,
                "llama_stack_inference_duration_seconds",
            ),
        ],
    );
}

#[test]
fn utf8_with_suffixes() {
    check(
        NoUTF8EscapingWithSuffixes,
        None,
        &[
            (
                "http.server.duration",
                "s",
                Histogram,
                "http.server.duration_seconds",
            ),
            ("duration_seconds", "s", Histogram, "duration_seconds"),
            ("requests.total", "", MonotonicSum, "requests_total"),
            ("requests", "", MonotonicSum, "requests_total"),
            ("util", "1", Gauge, "util_ratio"),
            ("util_ratio", "1", Gauge, "util_ratio"),
            ("util", "1", NonMonotonicSum, "util"),
            ("x", "By/s", Gauge, "x_bytes_per_second"),
            ("x_per_second", "By/s", Gauge, "x_bytes_per_second"),
            (
                "tokens.per.second",
                "{token}/s",
                Histogram,
                "tokens.per.second_per_second",
            ),
            ("2xx.count", "", Gauge, "2xx.count"),
            ("cafétotal", "", MonotonicSum, "caf_total"),
            ("total", "", MonotonicSum, "total_total"),
        ],
    );
    check(
        NoUTF8EscapingWithSuffixes,
        Some("llama_stack"),
        &[
            (
                "llama_stack.inference.ttft",
                "s",
                Histogram,
                "llama_stack.inference.ttft_seconds",
            ),
            (
                "http.server.duration",
                "ms",
                Histogram,
                "llama_stack_http.server.duration_milliseconds",
            ),
        ],
    );
}

#[test]
fn no_translation() {
    check(
        NoTranslation,
        None,
        &[
            (
                "http.server.duration",
                "ms",
                Histogram,
                "http.server.duration",
            ),
            ("requests", "", MonotonicSum, "requests"),
            ("util", "1", Gauge, "util"),
        ],
    );
    check(
        NoTranslation,
        Some("llama_stack"),
        &[
            (
                "http.server.duration",
                "ms",
                Histogram,
                "llama_stack_http.server.duration",
            ),
            ("llama_stack.x", "", Gauge, "llama_stack.x"),
        ],
    );
}

#[test]
fn empty_or_underscore_only_names_are_errors() {
    for strategy in TranslationStrategy::ALL {
        let o = opts(strategy, None);
        for name in ["", "_", "__"] {
            assert!(
                metric_name(name, "", Gauge, &o).is_err(),
                "{strategy:?} {name:?}"
            );
        }
    }
    let o = MetricsOptions::default();
    assert!(metric_name("...", "", Histogram, &o).is_err());
    assert!(
        metric_name("---", "ms", Gauge, &o).is_ok(),
        "the unit alone makes a name"
    );
}

#[test]
fn strategy_names_round_trip() {
    for s in TranslationStrategy::ALL {
        assert_eq!(TranslationStrategy::from_name(s.as_str()), Some(s));
    }
    assert_eq!(TranslationStrategy::from_name("nope"), None);
    assert_eq!(
        TranslationStrategy::default(),
        UnderscoreEscapingWithSuffixes
    );
    assert!(
        UnderscoreEscapingWithSuffixes.escapes() && UnderscoreEscapingWithSuffixes.adds_suffixes()
    );
    assert!(
        UnderscoreEscapingWithoutSuffixes.escapes()
            && !UnderscoreEscapingWithoutSuffixes.adds_suffixes()
    );
    assert!(!NoUTF8EscapingWithSuffixes.escapes() && NoUTF8EscapingWithSuffixes.adds_suffixes());
    assert!(!NoTranslation.escapes() && !NoTranslation.adds_suffixes());
}
