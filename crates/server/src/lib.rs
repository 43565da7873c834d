//! The network front of otelstore over one [`otelstore::Store`]: the Prometheus HTTP API,
//! health and self-metrics endpoints (and, being built, OTLP, remote write and the Jaeger
//! and Tempo APIs). Async lives here and in the binary only; store calls run on blocking
//! threads.

pub mod app;
pub mod error;
pub mod format;
pub mod params;
pub mod paths;
pub mod prom;
pub mod remote_write;
pub mod selfmetrics;
pub mod state;

pub use app::{router, serve};
pub use state::{AppState, ServerConfig};
