//! `job`/`instance`, `target_info`, promoted resource attributes, scope labels and the
//! precedence between them (§4, §5).

use std::time::Duration;

use model::MetricType;

use super::super::MetricsOptions;
use super::*;

fn one_gauge_request(
    res: Vec<KeyValue>,
    point_attrs: &[(&str, &str)],
    times: &[u64],
) -> ExportMetricsServiceRequest {
    let points = times
        .iter()
        .map(|t| num(attrs(point_attrs), *t, 1.0))
        .collect();
    request(vec![resource(
        res,
        vec![scope("s", vec![gauge("g", "", points)])],
    )])
}

#[test]
fn job_and_instance_from_service_attributes() {
    type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>, Option<&'a str>);
    let cases: [Case<'_>; 4] = [
        (
            &[
                ("service.namespace", "shop"),
                ("service.name", "cart"),
                ("service.instance.id", "c-1"),
            ],
            Some("shop/cart"),
            Some("c-1"),
        ),
        (&[("service.name", "cart")], Some("cart"), None),
        (
            &[
                ("service.namespace", "shop"),
                ("service.instance.id", "c-1"),
            ],
            None,
            Some("c-1"),
        ),
        (&[], None, None),
    ];
    for (res, job, instance) in cases {
        let t = run(
            &one_gauge_request(attrs(res), &[], &[T0]),
            &MetricsOptions::default(),
        );
        let s = one(&t, "g", &[]);
        assert_eq!(
            (get(&s.labels, "job"), get(&s.labels, "instance")),
            (job, instance),
            "{res:?}"
        );
    }
}

fn llm_resource() -> Vec<KeyValue> {
    attrs(&[
        ("service.name", "llm-gateway"),
        ("service.namespace", "ai"),
        ("service.instance.id", "gw-0"),
        ("service.version", "0.9.3"),
        ("deployment.environment.name", "prod"),
        ("host.name", "h1"),
    ])
}

#[test]
fn target_info_carries_the_other_resource_attributes() {
    let t = run(
        &one_gauge_request(llm_resource(), &[], &[T0]),
        &MetricsOptions::default(),
    );
    let ti = one(&t, "target_info", &[]);
    assert_eq!(
        pairs(ti),
        owned(&[
            ("__name__", "target_info"),
            ("job", "ai/llm-gateway"),
            ("instance", "gw-0"),
            ("service_version", "0.9.3"),
            ("deployment_environment_name", "prod"),
            ("host_name", "h1"),
        ])
    );
    assert_eq!(ti.samples, vec![model::Sample::new(ms(T0), 1.0)]);
    let md = t
        .metadata
        .iter()
        .find(|m| m.family == "target_info")
        .expect("metadata");
    assert_eq!(
        (md.metric_type, md.help.as_str(), md.unit.as_str()),
        (MetricType::Gauge, "Target metadata", "")
    );
    // Resource attributes are not labels of the metric series by default.
    assert_eq!(get(&one(&t, "g", &[]).labels, "host_name"), None);
}

fn ms(ns: u64) -> i64 {
    super::super::ms(ns)
}

#[test]
fn target_info_keeps_identifying_attributes_on_request() {
    let opts = MetricsOptions {
        keep_identifying_resource_attributes: true,
        ..Default::default()
    };
    let t = run(&one_gauge_request(llm_resource(), &[], &[T0]), &opts);
    let ti = one(&t, "target_info", &[]);
    assert_eq!(get(&ti.labels, "service_name"), Some("llm-gateway"));
    assert_eq!(get(&ti.labels, "service_namespace"), Some("ai"));
    assert_eq!(get(&ti.labels, "service_instance_id"), Some("gw-0"));
}

#[test]
fn target_info_emission_rule() {
    let only_identifying = attrs(&[("service.name", "a"), ("service.instance.id", "1")]);
    let no_identity = attrs(&[("host.name", "h")]);
    let instance_only = attrs(&[("service.instance.id", "1"), ("host.name", "h")]);
    let opts = MetricsOptions::default();
    assert!(
        series(
            &run(&one_gauge_request(only_identifying, &[], &[T0]), &opts),
            "target_info",
            &[]
        )
        .is_empty()
    );
    assert!(
        series(
            &run(&one_gauge_request(no_identity, &[], &[T0]), &opts),
            "target_info",
            &[]
        )
        .is_empty()
    );
    let t = run(&one_gauge_request(instance_only, &[], &[T0]), &opts);
    assert_eq!(
        pairs(one(&t, "target_info", &[])),
        owned(&[
            ("__name__", "target_info"),
            ("instance", "1"),
            ("host_name", "h")
        ])
    );
    // No points, no target_info.
    let empty = request(vec![resource(
        llm_resource(),
        vec![scope("s", vec![gauge("g", "", vec![])])],
    )]);
    assert!(run(&empty, &opts).series.is_empty());
    // Switched off.
    let off = MetricsOptions {
        target_info: false,
        ..Default::default()
    };
    assert!(
        series(
            &run(&one_gauge_request(llm_resource(), &[], &[T0]), &off),
            "target_info",
            &[]
        )
        .is_empty()
    );
}

#[test]
fn target_info_is_namespaced_and_spans_the_batch() {
    let opts = MetricsOptions {
        namespace: Some("llama_stack".into()),
        ..Default::default()
    };
    let t = run(
        &one_gauge_request(llm_resource(), &[], &[T0 + 360 * SEC, T0]),
        &opts,
    );
    let ti = one(&t, "llama_stack_target_info", &[]);
    let times: Vec<i64> = ti.samples.iter().map(|s| s.t).collect();
    let want: Vec<i64> = [0, 150, 300, 360]
        .iter()
        .map(|s| ms(T0 + s * SEC))
        .collect();
    assert_eq!(times, want);

    let short = MetricsOptions {
        lookback_delta: Duration::from_secs(60),
        ..Default::default()
    };
    let t = run(
        &one_gauge_request(llm_resource(), &[], &[T0, T0 + 60 * SEC]),
        &short,
    );
    let times: Vec<i64> = one(&t, "target_info", &[])
        .samples
        .iter()
        .map(|s| s.t)
        .collect();
    assert_eq!(times, vec![ms(T0), ms(T0 + 30 * SEC), ms(T0 + 60 * SEC)]);
}

#[test]
fn target_info_counts_points_of_rejected_metrics() {
    let exp = metric(
        "e",
        "",
        opentelemetry_proto::tonic::metrics::v1::metric::Data::ExponentialHistogram(
            opentelemetry_proto::tonic::metrics::v1::ExponentialHistogram {
                data_points: vec![
                    opentelemetry_proto::tonic::metrics::v1::ExponentialHistogramDataPoint {
                        time_unix_nano: T0,
                        ..Default::default()
                    },
                ],
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
            },
        ),
    );
    let req = request(vec![resource(llm_resource(), vec![scope("s", vec![exp])])]);
    let t = run(&req, &MetricsOptions::default());
    assert_eq!(names(&t), vec!["target_info"]);
    assert_eq!(t.rejected_points, 1);
}

#[test]
fn promoted_resource_attributes() {
    let opts = MetricsOptions {
        promote_resource_attributes: vec![
            "service.version".into(),
            "deployment.environment.name".into(),
            "absent".into(),
        ],
        ..Default::default()
    };
    let t = run(
        &one_gauge_request(llm_resource(), &[("x", "1")], &[T0]),
        &opts,
    );
    let s = one(&t, "g", &[]);
    assert_eq!(
        pairs(s),
        owned(&[
            ("__name__", "g"),
            ("x", "1"),
            ("job", "ai/llm-gateway"),
            ("instance", "gw-0"),
            ("service_version", "0.9.3"),
            ("deployment_environment_name", "prod"),
        ])
    );
    // A point attribute of the same label name wins over a promoted one.
    let t = run(
        &one_gauge_request(llm_resource(), &[("service_version", "mine")], &[T0]),
        &opts,
    );
    assert_eq!(
        get(&one(&t, "g", &[]).labels, "service_version"),
        Some("mine")
    );
}

#[test]
fn promote_all_resource_attributes_except_ignored() {
    let opts = MetricsOptions {
        promote_all_resource_attributes: true,
        ignore_resource_attributes: vec!["host.name".into(), "service.instance.id".into()],
        promote_resource_attributes: vec!["host.name".into()],
        ..Default::default()
    };
    let t = run(&one_gauge_request(llm_resource(), &[], &[T0]), &opts);
    assert_eq!(
        pairs(one(&t, "g", &[])),
        owned(&[
            ("__name__", "g"),
            ("job", "ai/llm-gateway"),
            ("instance", "gw-0"),
            ("service_name", "llm-gateway"),
            ("service_namespace", "ai"),
            ("service_version", "0.9.3"),
            ("deployment_environment_name", "prod"),
        ])
    );
}

#[test]
fn promoted_attributes_with_bad_names_are_skipped_with_a_message() {
    let opts = MetricsOptions {
        promote_resource_attributes: vec!["...".into(), "host.name".into()],
        ..Default::default()
    };
    let mut res = llm_resource();
    res.push(kv("...", s("v")));
    let t = run(&one_gauge_request(res, &[], &[T0]), &opts);
    assert_eq!(get(&one(&t, "g", &[]).labels, "host_name"), Some("h1"));
    assert_eq!(t.rejected_points, 0);
    assert!(
        t.messages.iter().any(|m| m.contains("not promoted")),
        "{:?}",
        t.messages
    );
    // The same bad key keeps target_info from being written, said so in a message.
    assert!(series(&t, "target_info", &[]).is_empty());
    assert!(
        t.messages.iter().any(|m| m.starts_with("target_info")),
        "{:?}",
        t.messages
    );
}

fn scoped_request(schema_url: &str, point_attrs: &[(&str, &str)]) -> ExportMetricsServiceRequest {
    let mut sc = scope(
        "llama_stack.inference",
        vec![gauge("g", "", vec![num(attrs(point_attrs), T0, 1.0)])],
    );
    sc.schema_url = schema_url.into();
    if let Some(sc) = sc.scope.as_mut() {
        sc.attributes = attrs(&[("team.name", "infra")]);
    }
    request(vec![resource(llm_resource(), vec![sc])])
}

#[test]
fn scope_labels_only_on_request() {
    let t = run(&scoped_request("", &[]), &MetricsOptions::default());
    assert_eq!(get(&one(&t, "g", &[]).labels, "otel_scope_name"), None);

    let opts = MetricsOptions {
        promote_scope_metadata: true,
        ..Default::default()
    };
    let t = run(
        &scoped_request(
            "https://opentelemetry.io/schemas/1.26.0",
            &[("otel_scope_name", "mine")],
        ),
        &opts,
    );
    let s = one(&t, "g", &[]);
    assert_eq!(
        get(&s.labels, "otel_scope_name"),
        Some("llama_stack.inference"),
        "scope labels overwrite attributes"
    );
    assert_eq!(get(&s.labels, "otel_scope_version"), Some("1.0.0"));
    assert_eq!(
        get(&s.labels, "otel_scope_schema_url"),
        Some("https://opentelemetry.io/schemas/1.26.0")
    );
    assert_eq!(get(&s.labels, "otel_scope_team_name"), Some("infra"));
    assert_eq!(
        get(&one(&t, "target_info", &[]).labels, "otel_scope_name"),
        None,
        "not on target_info"
    );

    // Empty schema URL: no label. Nameless scope: no scope labels at all.
    let t = run(&scoped_request("", &[]), &opts);
    assert_eq!(
        get(&one(&t, "g", &[]).labels, "otel_scope_schema_url"),
        None
    );
    let mut req = scoped_request("", &[]);
    if let Some(sc) = req.resource_metrics[0].scope_metrics[0].scope.as_mut() {
        sc.name.clear();
    }
    let t = run(&req, &opts);
    assert!(
        one(&t, "g", &[])
            .labels
            .iter()
            .all(|l| !l.name.starts_with("otel_scope"))
    );
}

#[test]
fn job_and_instance_overwrite_point_attributes() {
    let t = run(
        &one_gauge_request(llm_resource(), &[("job", "x"), ("instance", "y")], &[T0]),
        &MetricsOptions::default(),
    );
    let s = one(&t, "g", &[]);
    assert_eq!(
        (get(&s.labels, "job"), get(&s.labels, "instance")),
        (Some("ai/llm-gateway"), Some("gw-0"))
    );
    // Without service attributes the point's own job survives.
    let t = run(
        &one_gauge_request(attrs(&[("host.name", "h")]), &[("job", "x")], &[T0]),
        &MetricsOptions::default(),
    );
    assert_eq!(get(&one(&t, "g", &[]).labels, "job"), Some("x"));
}
