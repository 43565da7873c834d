//! What every handler shares: the store, the server's configuration, self-metrics.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use crate::selfmetrics::SelfMetrics;

/// Server settings (the binary fills them from flags, environment and config file).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Serve `/api/v1/admin/*` (default off, as in Prometheus).
    pub enable_admin_api: bool,
    /// Largest accepted request body after decompression (default 64 MiB).
    pub max_body_bytes: usize,
    /// Flag names and values, for `/api/v1/status/flags`.
    pub flags: BTreeMap<String, String>,
    /// The effective configuration as text, for `/api/v1/status/config`.
    pub config_text: String,
    /// Retention as text (`15d`), for `/api/v1/status/runtimeinfo`.
    pub retention: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            enable_admin_api: false,
            max_body_bytes: 64 << 20,
            flags: BTreeMap::new(),
            config_text: String::new(),
            retention: "15d".into(),
        }
    }
}

/// Shared handler state; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<otelstore::Store>,
    /// Server settings.
    pub config: Arc<ServerConfig>,
    /// Self-metrics.
    pub metrics: Arc<SelfMetrics>,
    /// When the server started.
    pub started: SystemTime,
    ready: Arc<AtomicBool>,
}

impl AppState {
    /// State over an open store.
    pub fn new(store: Arc<otelstore::Store>, config: ServerConfig) -> Self {
        AppState {
            store,
            config: Arc::new(config),
            metrics: Arc::new(SelfMetrics::default()),
            started: SystemTime::now(),
            ready: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Whether `/-/ready` says ready.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Marks the server as not ready (shutting down).
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    /// Runs blocking store work off the async threads.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, crate::error::ApiError>
    where
        F: FnOnce(&otelstore::Store) -> Result<T, crate::error::ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| crate::error::ApiError::internal(format!("worker failed: {e}")))?
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
