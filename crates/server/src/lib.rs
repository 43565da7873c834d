//! The network front of otelstore over one [`otelstore::Store`]: OTLP/gRPC and OTLP/HTTP
//! receivers, Prometheus remote write, the Prometheus HTTP API, the Jaeger and Tempo APIs,
//! health and self-metrics endpoints. Async lives here and in the binary only; store calls run on blocking
//! threads.

pub mod app;
pub mod error;
pub mod format;
pub mod jaeger;
pub mod otlp;
pub mod params;
pub mod paths;
pub mod prom;
pub mod remote_write;
pub mod selfmetrics;
pub mod state;
pub mod tempo;

pub use app::{jaeger_router, router, serve, tempo_router};
pub use state::{AppState, ServerConfig};
