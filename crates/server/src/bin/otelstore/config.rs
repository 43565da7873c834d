//! Settings: command-line flags, each with an `OTELSTORE_*` environment fallback, over an
//! optional TOML file (`--config`), over built-in defaults. Unknown keys and invalid values
//! stop startup with a message naming the setting.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde::Deserialize;

/// otelstore: one process for OTLP metrics and traces, answering PromQL (Prometheus HTTP API)
/// and trace queries (Jaeger and Tempo APIs). Every flag can also be set with the environment
/// variable named in brackets or in the TOML file given with --config (same names); flags win
/// over the environment, which wins over the file.
#[derive(Debug, Parser)]
#[command(name = "otelstore", version, about, long_about = None)]
pub(crate) struct Cli {
    /// TOML configuration file (keys as the flag names, e.g. `retention-time = "30d"`).
    #[arg(long, env = "OTELSTORE_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Data directory [default: ./data].
    #[arg(long, env = "OTELSTORE_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// HTTP address of the Prometheus API, UI, /metrics and OTLP/HTTP on /api/v1/otlp
    /// [default: 0.0.0.0:9090].
    #[arg(long, env = "OTELSTORE_HTTP_LISTEN", value_name = "ADDR")]
    pub(crate) http_listen: Option<String>,
    /// OTLP/gRPC address; "off" disables it [default: 0.0.0.0:4317].
    #[arg(long, env = "OTELSTORE_OTLP_GRPC_LISTEN", value_name = "ADDR")]
    pub(crate) otlp_grpc_listen: Option<String>,
    /// OTLP/HTTP address (/v1/metrics, /v1/traces; /v1/logs is accepted and counted, but logs
    /// are not stored yet); "off" disables it [default: 0.0.0.0:4318].
    #[arg(long, env = "OTELSTORE_OTLP_HTTP_LISTEN", value_name = "ADDR")]
    pub(crate) otlp_http_listen: Option<String>,
    /// How long to keep metrics and spans; "0" or "off" keeps everything [default: 15d].
    #[arg(long, env = "OTELSTORE_RETENTION_TIME", value_name = "DURATION")]
    pub(crate) retention_time: Option<String>,
    /// Largest size of stored data before the oldest blocks are deleted, e.g. "50GB", for
    /// metrics and for spans each; "0" or "off" means no limit [default: off].
    #[arg(long, env = "OTELSTORE_RETENTION_SIZE", value_name = "SIZE")]
    pub(crate) retention_size: Option<String>,
    /// How late a sample may arrive and still be stored [default: 10m].
    #[arg(long, env = "OTELSTORE_OUT_OF_ORDER_WINDOW", value_name = "DURATION")]
    pub(crate) out_of_order_window: Option<String>,
    /// WAL fsync policy: "batch" (fsync before each write is acknowledged; survives power
    /// loss) or a duration such as "200ms" (fsync in the background; survives a crash of the
    /// process, a power loss may lose up to that long) [default: 200ms].
    #[arg(long, env = "OTELSTORE_WAL_FSYNC", value_name = "POLICY")]
    pub(crate) wal_fsync: Option<String>,
    /// Prefix for OTLP metric names, not doubled when a name already has it (e.g.
    /// "llama_stack") [default: none].
    #[arg(long, env = "OTELSTORE_OTLP_NAMESPACE", value_name = "NAME")]
    pub(crate) otlp_namespace: Option<String>,
    /// OTLP metric name translation: UnderscoreEscapingWithSuffixes,
    /// UnderscoreEscapingWithoutSuffixes, NoUTF8EscapingWithSuffixes or NoTranslation
    /// [default: UnderscoreEscapingWithSuffixes].
    #[arg(long, env = "OTELSTORE_OTLP_TRANSLATION", value_name = "STRATEGY")]
    pub(crate) otlp_translation: Option<String>,
    /// Resource attributes copied onto every OTLP series as labels, comma separated (e.g.
    /// "service.version,deployment.environment.name") [default: none].
    #[arg(
        long,
        env = "OTELSTORE_OTLP_PROMOTE_RESOURCE_ATTRIBUTES",
        value_name = "ATTRS",
        value_delimiter = ','
    )]
    pub(crate) otlp_promote_resource_attributes: Option<Vec<String>>,
    /// Serve /api/v1/admin/* (snapshot, delete_series) [default: false].
    #[arg(long, env = "OTELSTORE_ENABLE_ADMIN_API", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub(crate) enable_admin_api: Option<bool>,
    /// Also serve the Jaeger query API at the root of this address (it is always under
    /// /jaeger on the HTTP port) [default: off].
    #[arg(long, env = "OTELSTORE_JAEGER_LISTEN", value_name = "ADDR")]
    pub(crate) jaeger_listen: Option<String>,
    /// Also serve the Tempo API at the root of this address (it is always under /tempo on the
    /// HTTP port) [default: off].
    #[arg(long, env = "OTELSTORE_TEMPO_LISTEN", value_name = "ADDR")]
    pub(crate) tempo_listen: Option<String>,
    /// Write the bound addresses as JSON to this file once listening (for tests and
    /// supervisors that start otelstore on port 0) [default: none].
    #[arg(long, env = "OTELSTORE_ADDR_FILE", value_name = "FILE")]
    pub(crate) addr_file: Option<PathBuf>,
}

/// The file form: the same settings, by flag name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileConfig {
    data_dir: Option<PathBuf>,
    http_listen: Option<String>,
    otlp_grpc_listen: Option<String>,
    otlp_http_listen: Option<String>,
    retention_time: Option<String>,
    retention_size: Option<String>,
    out_of_order_window: Option<String>,
    wal_fsync: Option<String>,
    otlp_namespace: Option<String>,
    otlp_translation: Option<String>,
    otlp_promote_resource_attributes: Option<Vec<String>>,
    enable_admin_api: Option<bool>,
    jaeger_listen: Option<String>,
    tempo_listen: Option<String>,
    addr_file: Option<PathBuf>,
}

/// Where the WAL syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WalFsync {
    Batch,
    Every(Duration),
}

/// Effective settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) data_dir: PathBuf,
    pub(crate) http_listen: SocketAddr,
    pub(crate) otlp_grpc_listen: Option<SocketAddr>,
    pub(crate) otlp_http_listen: Option<SocketAddr>,
    pub(crate) retention_time: Option<Duration>,
    pub(crate) retention_size: Option<u64>,
    pub(crate) out_of_order_window: Duration,
    pub(crate) wal_fsync: WalFsync,
    pub(crate) otlp_namespace: Option<String>,
    pub(crate) otlp_translation: String,
    pub(crate) otlp_promote_resource_attributes: Vec<String>,
    pub(crate) enable_admin_api: bool,
    pub(crate) jaeger_listen: Option<SocketAddr>,
    pub(crate) tempo_listen: Option<SocketAddr>,
    pub(crate) addr_file: Option<PathBuf>,
    /// Every setting by flag name, as given, for /api/v1/status/flags.
    pub(crate) flags: BTreeMap<String, String>,
}

const STRATEGIES: [&str; 4] = [
    "UnderscoreEscapingWithSuffixes",
    "UnderscoreEscapingWithoutSuffixes",
    "NoUTF8EscapingWithSuffixes",
    "NoTranslation",
];

impl Settings {
    /// Resolves flags, environment, file and defaults.
    pub(crate) fn load(cli: Cli) -> Result<Settings> {
        let file: FileConfig = match &cli.config {
            None => FileConfig::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading --config {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("invalid config file {}", path.display()))?
            }
        };
        let mut flags = BTreeMap::new();
        let mut pick =
            |name: &str, cli: Option<String>, file: Option<String>, default: &str| -> String {
                let v = cli.or(file).unwrap_or_else(|| default.to_string());
                flags.insert(name.to_string(), v.clone());
                v
            };
        let data_dir = pick(
            "data-dir",
            cli.data_dir.map(|p| p.display().to_string()),
            file.data_dir.map(|p| p.display().to_string()),
            "./data",
        );
        let http = pick(
            "http-listen",
            cli.http_listen,
            file.http_listen,
            "0.0.0.0:9090",
        );
        let grpc = pick(
            "otlp-grpc-listen",
            cli.otlp_grpc_listen,
            file.otlp_grpc_listen,
            "0.0.0.0:4317",
        );
        let otlp_http = pick(
            "otlp-http-listen",
            cli.otlp_http_listen,
            file.otlp_http_listen,
            "0.0.0.0:4318",
        );
        let retention_time = pick(
            "retention-time",
            cli.retention_time,
            file.retention_time,
            "15d",
        );
        let retention_size = pick(
            "retention-size",
            cli.retention_size,
            file.retention_size,
            "off",
        );
        let ooo = pick(
            "out-of-order-window",
            cli.out_of_order_window,
            file.out_of_order_window,
            "10m",
        );
        let fsync = pick("wal-fsync", cli.wal_fsync, file.wal_fsync, "200ms");
        let namespace = pick(
            "otlp-namespace",
            cli.otlp_namespace,
            file.otlp_namespace,
            "",
        );
        let translation = pick(
            "otlp-translation",
            cli.otlp_translation,
            file.otlp_translation,
            STRATEGIES[0],
        );
        let promote = pick(
            "otlp-promote-resource-attributes",
            cli.otlp_promote_resource_attributes.map(|v| v.join(",")),
            file.otlp_promote_resource_attributes.map(|v| v.join(",")),
            "",
        );
        let admin = pick(
            "enable-admin-api",
            cli.enable_admin_api.map(|b| b.to_string()),
            file.enable_admin_api.map(|b| b.to_string()),
            "false",
        );
        let jaeger = pick(
            "jaeger-listen",
            cli.jaeger_listen,
            file.jaeger_listen,
            "off",
        );
        let tempo = pick("tempo-listen", cli.tempo_listen, file.tempo_listen, "off");
        let addr_file = cli.addr_file.or(file.addr_file);

        if !STRATEGIES.contains(&translation.as_str()) {
            bail!(
                "invalid --otlp-translation {translation:?}: must be one of {}",
                STRATEGIES.join(", ")
            );
        }
        Ok(Settings {
            data_dir: PathBuf::from(data_dir),
            http_listen: addr("http-listen", &http)?.context("--http-listen cannot be off")?,
            otlp_grpc_listen: addr("otlp-grpc-listen", &grpc)?,
            otlp_http_listen: addr("otlp-http-listen", &otlp_http)?,
            retention_time: optional_duration("retention-time", &retention_time)?,
            retention_size: size("retention-size", &retention_size)?,
            out_of_order_window: duration("out-of-order-window", &ooo)?,
            wal_fsync: if fsync == "batch" {
                WalFsync::Batch
            } else {
                WalFsync::Every(duration("wal-fsync", &fsync)?)
            },
            otlp_namespace: (!namespace.is_empty()).then_some(namespace),
            otlp_translation: translation,
            otlp_promote_resource_attributes: promote
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            enable_admin_api: admin.parse().with_context(|| {
                format!("invalid --enable-admin-api {admin:?}: must be true or false")
            })?,
            jaeger_listen: addr("jaeger-listen", &jaeger)?,
            tempo_listen: addr("tempo-listen", &tempo)?,
            addr_file,
            flags,
        })
    }

    /// The effective settings as TOML, for /api/v1/status/config.
    pub(crate) fn to_toml(&self) -> String {
        self.flags
            .iter()
            .map(|(k, v)| format!("{k} = {v:?}\n"))
            .collect()
    }
}

fn addr(name: &str, v: &str) -> Result<Option<SocketAddr>> {
    if v == "off" || v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .with_context(|| format!("invalid --{name} {v:?}: expected host:port, e.g. 0.0.0.0:9090"))
}

fn duration(name: &str, v: &str) -> Result<Duration> {
    humantime::parse_duration(v).with_context(|| {
        format!("invalid --{name} {v:?}: expected a duration such as 10m, 15d or 200ms")
    })
}

fn optional_duration(name: &str, v: &str) -> Result<Option<Duration>> {
    if v == "0" || v == "off" {
        return Ok(None);
    }
    duration(name, v).map(Some)
}

fn size(name: &str, v: &str) -> Result<Option<u64>> {
    if v == "0" || v == "off" {
        return Ok(None);
    }
    let digits = v.bytes().take_while(|b| b.is_ascii_digit()).count();
    let (num, unit) = v.split_at(digits);
    let n: u64 = num.parse().with_context(|| {
        format!("invalid --{name} {v:?}: expected a size such as 500MB or 50GB")
    })?;
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" => 1 << 10,
        "MB" => 1 << 20,
        "GB" => 1 << 30,
        "TB" => 1 << 40,
        _ => bail!("invalid --{name} {v:?}: unit must be B, KB, MB, GB or TB"),
    };
    Ok(Some(n.saturating_mul(mult)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(args: &[&str]) -> Result<Settings> {
        let mut full = vec!["otelstore"];
        full.extend_from_slice(args);
        Settings::load(Cli::try_parse_from(full)?)
    }

    #[test]
    fn defaults_apply_without_arguments() {
        let s = load(&[]).expect("defaults");
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert_eq!(s.http_listen.port(), 9090);
        assert_eq!(s.otlp_grpc_listen.map(|a| a.port()), Some(4317));
        assert_eq!(s.retention_time, Some(Duration::from_secs(15 * 86_400)));
        assert_eq!(s.wal_fsync, WalFsync::Every(Duration::from_millis(200)));
        assert!(!s.enable_admin_api);
    }

    #[test]
    fn invalid_values_name_the_setting() {
        let err = load(&["--retention-time", "forever"])
            .expect_err("bad duration")
            .to_string();
        assert!(err.contains("--retention-time"), "{err}");
        let err = load(&["--http-listen", "nope"])
            .expect_err("bad addr")
            .to_string();
        assert!(err.contains("--http-listen"), "{err}");
        let err = load(&["--otlp-translation", "x"])
            .expect_err("bad strategy")
            .to_string();
        assert!(err.contains("--otlp-translation"), "{err}");
        assert!(load(&["--no-such-flag"]).is_err());
    }

    #[test]
    fn file_settings_apply_and_unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "retention-time = \"30d\"\nenable-admin-api = true\n")
            .expect("write");
        let s = load(&["--config", path.to_str().expect("utf8")]).expect("file");
        assert_eq!(s.retention_time, Some(Duration::from_secs(30 * 86_400)));
        assert!(s.enable_admin_api);
        let s = load(&[
            "--config",
            path.to_str().expect("utf8"),
            "--retention-time",
            "1d",
        ])
        .expect("flag wins");
        assert_eq!(s.retention_time, Some(Duration::from_secs(86_400)));
        std::fs::write(&path, "retention_tme = \"30d\"\n").expect("write");
        let err = format!(
            "{:#}",
            load(&["--config", path.to_str().expect("utf8")]).expect_err("unknown key")
        );
        assert!(err.contains("retention_tme"), "{err}");
    }
}
