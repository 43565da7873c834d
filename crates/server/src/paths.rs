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
