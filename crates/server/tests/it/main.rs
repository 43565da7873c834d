//! End-to-end tests: the real `otelstore` binary on ephemeral ports, driven over HTTP.

mod jaeger;
mod otlp_bad;
mod otlp_sdk;
mod prom_api;
mod promtool;
mod restart;
mod spans;
mod support;
mod tempo;
mod traces_restart;
mod traces_sdk;

/// Milliseconds since the epoch, now.
fn support_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
