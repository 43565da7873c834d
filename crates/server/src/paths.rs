//! Every HTTP route path, in one place.

/// Instant query.
pub const QUERY: &str = "/api/v1/query";
/// Range query.
pub const QUERY_RANGE: &str = "/api/v1/query_range";
/// Series lookup.
pub const SERIES: &str = "/api/v1/series";
/// Label names.
pub const LABELS: &str = "/api/v1/labels";
/// Values of one label.
pub const LABEL_VALUES: &str = "/api/v1/label/{name}/values";
/// Metric metadata.
pub const METADATA: &str = "/api/v1/metadata";
/// Exemplars.
pub const QUERY_EXEMPLARS: &str = "/api/v1/query_exemplars";
/// Pretty-printing.
pub const FORMAT_QUERY: &str = "/api/v1/format_query";
/// AST as JSON.
pub const PARSE_QUERY: &str = "/api/v1/parse_query";
/// Build information.
pub const BUILDINFO: &str = "/api/v1/status/buildinfo";
/// Configuration.
pub const CONFIG: &str = "/api/v1/status/config";
/// Flags.
pub const FLAGS: &str = "/api/v1/status/flags";
/// Runtime information.
pub const RUNTIMEINFO: &str = "/api/v1/status/runtimeinfo";
/// Head cardinality statistics.
pub const TSDB_STATUS: &str = "/api/v1/status/tsdb";
/// WAL replay progress.
pub const WALREPLAY: &str = "/api/v1/status/walreplay";
/// Blocks.
pub const TSDB_BLOCKS: &str = "/api/v1/status/tsdb/blocks";
/// Rules (none yet).
pub const RULES: &str = "/api/v1/rules";
/// Alerts (none yet).
pub const ALERTS: &str = "/api/v1/alerts";
/// Scrape targets (none: push only).
pub const TARGETS: &str = "/api/v1/targets";
/// Admin: snapshot.
pub const ADMIN_SNAPSHOT: &str = "/api/v1/admin/tsdb/snapshot";
/// Admin: delete series.
pub const ADMIN_DELETE_SERIES: &str = "/api/v1/admin/tsdb/delete_series";
/// Admin: clean tombstones (deletes are immediate here, so this only answers).
pub const ADMIN_CLEAN_TOMBSTONES: &str = "/api/v1/admin/tsdb/clean_tombstones";
/// Prometheus remote write.
pub const REMOTE_WRITE: &str = "/api/v1/write";
/// OTLP/HTTP metrics on the Prometheus port, as Prometheus serves it.
pub const PROM_OTLP_METRICS: &str = "/api/v1/otlp/v1/metrics";
/// OTLP/HTTP metrics.
pub const OTLP_METRICS: &str = "/v1/metrics";
/// OTLP/HTTP traces.
pub const OTLP_TRACES: &str = "/v1/traces";
/// OTLP/HTTP logs (accepted and counted, not stored yet).
pub const OTLP_LOGS: &str = "/v1/logs";
/// Liveness.
pub const HEALTHY: &str = "/-/healthy";
/// Readiness.
pub const READY: &str = "/-/ready";
/// Self-metrics in the Prometheus text format.
pub const METRICS: &str = "/metrics";

/// Where the Jaeger API is mounted on the main port.
pub const JAEGER_PREFIX: &str = "/jaeger";
/// Jaeger: services.
pub const JAEGER_SERVICES: &str = "/api/services";
/// Jaeger: operation names of a service (what Grafana calls).
pub const JAEGER_SERVICE_OPERATIONS: &str = "/api/services/{service}/operations";
/// Jaeger: operations with span kinds.
pub const JAEGER_OPERATIONS: &str = "/api/operations";
/// Jaeger: trace search (and multi-get with `traceID=`).
pub const JAEGER_TRACES: &str = "/api/traces";
/// Jaeger: one trace.
pub const JAEGER_TRACE: &str = "/api/traces/{id}";
/// Jaeger: service dependencies.
pub const JAEGER_DEPENDENCIES: &str = "/api/dependencies";

/// Where the Tempo API is mounted on the main port.
pub const TEMPO_PREFIX: &str = "/tempo";
/// Tempo: health check.
pub const TEMPO_ECHO: &str = "/api/echo";
/// Tempo: build information.
pub const TEMPO_BUILDINFO: &str = "/api/status/buildinfo";
/// Tempo: one trace (`Trace` / `{"batches":..}`).
pub const TEMPO_TRACE: &str = "/api/traces/{id}";
/// Tempo: one trace (`TraceByIDResponse` / `{"trace":..}`).
pub const TEMPO_TRACE_V2: &str = "/api/v2/traces/{id}";
/// Tempo: search (TraceQL or tags).
pub const TEMPO_SEARCH: &str = "/api/search";
/// Tempo: tag names.
pub const TEMPO_TAGS: &str = "/api/search/tags";
/// Tempo: tag names by scope.
pub const TEMPO_TAGS_V2: &str = "/api/v2/search/tags";
/// Tempo: values of a tag.
pub const TEMPO_TAG_VALUES: &str = "/api/search/tag/{tag}/values";
/// Tempo: typed values of a TraceQL field.
pub const TEMPO_TAG_VALUES_V2: &str = "/api/v2/search/tag/{tag}/values";
