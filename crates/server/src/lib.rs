//! The network front of otelstore over one [`otelstore::Store`]: OTLP/gRPC and OTLP/HTTP
//! receivers, Prometheus remote write, the Prometheus HTTP API, the Jaeger and Tempo APIs,
//! health and self-metrics endpoints. Async lives here and in the binary only; store calls run on blocking
//! threads.

pub mod app;
pub mod error;
pub mod format;
pub mod otlp;
pub mod params;
pub mod paths;
pub mod prom;
pub mod remote_write;
pub mod selfmetrics;
pub mod state;

pub use app::{router, serve};
pub use state::{AppState, ServerConfig};
