//! The `otelstore` binary: settings, logging, the runtime, listeners, signals.
//!
//! `otelstore` with no arguments serves with embedded defaults: data in `./data`, HTTP on
//! 0.0.0.0:9090 (with the Jaeger and Tempo APIs under /jaeger and /tempo), OTLP gRPC on
//! 0.0.0.0:4317, OTLP HTTP on 0.0.0.0:4318; --jaeger-listen and --tempo-listen add ports that
//! serve those APIs at the root. SIGTERM or SIGINT stop accepting, let in-flight requests
//! finish, then flush and close the store.

mod config;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{Cli, Settings, WalFsync};

/// mimalloc rather than the system allocator: OTLP decoding and translation allocate and
/// free many small strings and vectors per data point. In the ingest bench
/// (`benches/ingest.rs`), measured side by side with glibc's malloc, mimalloc cut server CPU
/// time per sample by up to 20% for OTLP and by 40-60% for remote write. The library leaves
/// the choice to the program that embeds it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("otelstore: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Opts this process out of transparent huge pages. With THP set to `always` (common on
/// Linux distributions) the kernel backs mimalloc's large aligned regions with 2 MiB pages
/// that are mostly empty: in the ingest bench resident memory per series was a quarter
/// higher with them.
/// Failure only costs memory, so it is ignored.
fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and touches no memory of ours.
    #[allow(unsafe_code)]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn run() -> Result<()> {
    let settings = Settings::load(Cli::parse())?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OTELSTORE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let store = otelstore::Store::open(&settings.data_dir, store_options(&settings)).with_context(
        || {
            format!(
                "opening the store in --data-dir {}",
                settings.data_dir.display()
            )
        },
    )?;
    let store = Arc::new(store);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(serve(&settings, Arc::clone(&store)))?;
    runtime.shutdown_timeout(std::time::Duration::from_secs(10));
    match Arc::try_unwrap(store) {
        Ok(store) => store.close().context("closing the store")?,
        Err(_) => tracing::warn!("store still in use at exit; the WAL is synced on drop"),
    }
    tracing::info!("stopped");
    Ok(())
}

fn store_options(s: &Settings) -> otelstore::Options {
    let mut opts = otelstore::Options::default();
    let sync = match s.wal_fsync {
        WalFsync::Batch => tsdb::SyncPolicy::EveryBatch,
        WalFsync::Every(d) => tsdb::SyncPolicy::Interval(d),
    };
    opts.tsdb = opts
        .tsdb
        .retention_time(s.retention_time)
        .retention_size(s.retention_size)
        .out_of_order_window(s.out_of_order_window)
        .wal(tsdb::WalOptions::default().sync(sync));
    // Spans are kept as long as metrics; the size limit applies to each store.
    opts.traces = opts
        .traces
        .retention_time(s.retention_time)
        .retention_size(s.retention_size);
    opts.otlp.namespace = s.otlp_namespace.clone();
    opts.otlp.strategy =
        otelstore::otlp::metrics::TranslationStrategy::from_name(&s.otlp_translation)
            .unwrap_or_default();
    opts.otlp.promote_resource_attributes = s.otlp_promote_resource_attributes.clone();
    opts
}

async fn bind(name: &str, addr: std::net::SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on --{name} {addr}"))
}

async fn serve(settings: &Settings, store: Arc<otelstore::Store>) -> Result<()> {
    let config = server::ServerConfig {
        enable_admin_api: settings.enable_admin_api,
        flags: settings.flags.clone(),
        config_text: settings.to_toml(),
        retention: settings
            .flags
            .get("retention-time")
            .cloned()
            .unwrap_or_default(),
        ..server::ServerConfig::default()
    };
    let state = server::AppState::new(store, config);
    let http = bind("http-listen", settings.http_listen).await?;
    let grpc = match settings.otlp_grpc_listen {
        Some(addr) => Some(bind("otlp-grpc-listen", addr).await?),
        None => None,
    };
    let otlp_http = match settings.otlp_http_listen {
        Some(addr) => Some(bind("otlp-http-listen", addr).await?),
        None => None,
    };
    let jaeger = match settings.jaeger_listen {
        Some(addr) => Some(bind("jaeger-listen", addr).await?),
        None => None,
    };
    let tempo = match settings.tempo_listen {
        Some(addr) => Some(bind("tempo-listen", addr).await?),
        None => None,
    };
    let mut addrs = serde_json::Map::new();
    addrs.insert("http".into(), http.local_addr()?.to_string().into());
    if let Some(l) = &grpc {
        addrs.insert("otlp_grpc".into(), l.local_addr()?.to_string().into());
    }
    if let Some(l) = &otlp_http {
        addrs.insert("otlp_http".into(), l.local_addr()?.to_string().into());
    }
    if let Some(l) = &jaeger {
        addrs.insert("jaeger".into(), l.local_addr()?.to_string().into());
    }
    if let Some(l) = &tempo {
        addrs.insert("tempo".into(), l.local_addr()?.to_string().into());
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|&s| s).await;
    };
    let mut tasks: Vec<(&str, tokio::task::JoinHandle<Result<()>>)> = Vec::new();
    let app = server::router(state.clone());
    let stop = stopped(stop_rx.clone());
    tasks.push((
        "HTTP",
        tokio::spawn(async move { Ok(server::serve(http, app, stop).await?) }),
    ));
    if let Some(l) = grpc {
        let (st, stop) = (state.clone(), stopped(stop_rx.clone()));
        tasks.push((
            "OTLP/gRPC",
            tokio::spawn(async move { Ok(server::otlp::grpc::serve(l, st, stop).await?) }),
        ));
    }
    if let Some(l) = otlp_http {
        let (app, stop) = (
            server::otlp::http::router(state.clone()),
            stopped(stop_rx.clone()),
        );
        tasks.push((
            "OTLP/HTTP",
            tokio::spawn(async move { Ok(server::serve(l, app, stop).await?) }),
        ));
    }
    if let Some(l) = jaeger {
        let (app, stop) = (
            server::jaeger_router(state.clone()),
            stopped(stop_rx.clone()),
        );
        tasks.push((
            "Jaeger",
            tokio::spawn(async move { Ok(server::serve(l, app, stop).await?) }),
        ));
    }
    if let Some(l) = tempo {
        let (app, stop) = (
            server::tempo_router(state.clone()),
            stopped(stop_rx.clone()),
        );
        tasks.push((
            "Tempo",
            tokio::spawn(async move { Ok(server::serve(l, app, stop).await?) }),
        ));
    }

    // Announce only once every listener is bound and being served.
    if let Some(path) = &settings.addr_file {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::Value::Object(addrs.clone()).to_string())
            .and_then(|()| std::fs::rename(&tmp, path))
            .with_context(|| format!("writing --addr-file {}", path.display()))?;
    }
    tracing::info!(addresses = %serde_json::Value::Object(addrs), "otelstore listening");

    shutdown_signal().await;
    tracing::info!("shutting down: no new requests, finishing in-flight ones");
    state.set_ready(false);
    let _ = stop_tx.send(true);
    for (name, task) in tasks {
        task.await
            .with_context(|| format!("{name} server task"))?
            .with_context(|| format!("{name} server"))?;
    }
    Ok(())
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
