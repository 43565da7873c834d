//! The HTTP application: every route of the main port, health endpoints and self-metrics,
//! and serving with graceful shutdown.

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::{get, post};
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;

use crate::paths;
use crate::state::AppState;

/// The router of the main HTTP port (9090 by default).
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::prom::routes())
        .route(paths::HEALTHY, get(healthy).head(healthy))
        .route(paths::READY, get(ready).head(ready))
        .route(paths::METRICS, get(metrics))
        .route(paths::REMOTE_WRITE, post(crate::remote_write::write))
        .route(paths::PROM_OTLP_METRICS, post(crate::otlp::http::metrics))
        .nest(paths::JAEGER_PREFIX, crate::jaeger::routes())
        .nest(paths::TEMPO_PREFIX, crate::tempo::routes())
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refuse_oversized,
        ))
        .with_state(state)
}

/// The Jaeger API at the root, for the optional Jaeger listener (16686 by convention).
pub fn jaeger_router(state: AppState) -> Router {
    crate::jaeger::routes().with_state(state)
}

/// The Tempo API at the root, for the optional Tempo listener (3200 by convention).
pub fn tempo_router(state: AppState) -> Router {
    crate::tempo::routes().with_state(state)
}

/// Answers 413 at once when the announced body is larger than the limit, instead of reading
/// it first (the body limit alone only trips once that many bytes have arrived).
pub async fn refuse_oversized(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = announced.filter(|&n| n > st.config.max_body_bytes) {
        let msg = format!(
            "request body of {len} bytes exceeds the {} byte limit",
            st.config.max_body_bytes
        );
        return (StatusCode::PAYLOAD_TOO_LARGE, msg).into_response();
    }
    next.run(req).await
}

async fn healthy() -> impl IntoResponse {
    (StatusCode::OK, "otelstore is Healthy.\n")
}

async fn ready(State(st): State<AppState>) -> impl IntoResponse {
    if st.is_ready() {
        (StatusCode::OK, "otelstore is Ready.\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
    }
}

async fn metrics(State(st): State<AppState>) -> impl IntoResponse {
    let store = std::sync::Arc::clone(&st.store);
    let metrics = std::sync::Arc::clone(&st.metrics);
    let body = tokio::task::spawn_blocking(move || metrics.render(&store))
        .await
        .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Replies go out without waiting for Nagle's algorithm (axum leaves it on).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
