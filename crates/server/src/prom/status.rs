//! Status endpoints, and the rules, alerts and targets lists (empty: otelstore has no rules
//! yet and scrapes nothing).

use axum::extract::State;
use serde_json::json;

use super::ApiParams;
use super::response::Success;
use crate::error::ApiError;
use crate::state::AppState;

/// The Prometheus API version we answer as. Grafana reads `version` as semver to pick
/// features; anything from 2.24 on with no `features` key means "modern vanilla Prometheus".
pub(crate) const PROMETHEUS_COMPAT_VERSION: &str = "3.5.0";

fn success(v: serde_json::Value) -> Success {
    Success::new(v.to_string())
}

/// `GET /api/v1/status/buildinfo`.
pub(super) async fn buildinfo() -> Success {
    success(json!({
        "version": PROMETHEUS_COMPAT_VERSION,
        "revision": concat!("otelstore-", env!("CARGO_PKG_VERSION")),
        "branch": "main",
        "buildUser": "otelstore",
        "buildDate": "",
        "goVersion": "rust",
    }))
}

/// `GET /api/v1/status/config`: the effective configuration (TOML, under Prometheus's `yaml`
/// key).
pub(super) async fn config(State(st): State<AppState>) -> Success {
    success(json!({ "yaml": st.config.config_text }))
}

/// `GET /api/v1/status/flags`.
pub(super) async fn flags(State(st): State<AppState>) -> Success {
    success(json!(st.config.flags))
}

/// `GET /api/v1/status/runtimeinfo`.
pub(super) async fn runtimeinfo(State(st): State<AppState>) -> Success {
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    success(json!({
        "startTime": rfc3339(st.started),
        "CWD": cwd,
        "hostname": hostname,
        "serverTime": rfc3339(std::time::SystemTime::now()),
        "reloadConfigSuccess": true,
        "lastConfigTime": rfc3339(st.started),
        "corruptionCount": 0,
        "goroutineCount": 0,
        "GOMAXPROCS": threads,
        "GOMEMLIMIT": 0,
        "GOGC": "",
        "GODEBUG": "",
        "storageRetention": st.config.retention,
    }))
}

/// `GET /api/v1/status/tsdb`.
pub(super) async fn tsdb(
    State(st): State<AppState>,
    ApiParams(p): ApiParams,
) -> Result<Success, ApiError> {
    let limit = match p.get("limit") {
        None => 10,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=10_000).contains(&n) => n,
            _ => return Err(ApiError::bad_data("limit must be a positive number")),
        },
    };
    let stats = st.blocking(move |s| Ok(s.tsdb_stats(limit))).await?;
    let list = |v: &[(String, u64)]| -> serde_json::Value {
        v.iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect()
    };
    let (min, max) = if stats.head.num_samples == 0 {
        (i64::MAX, i64::MIN)
    } else {
        (stats.head.min_time, stats.head.max_time)
    };
    Ok(success(json!({
        "headStats": {
            "numSeries": stats.head.num_series,
            "numLabelPairs": stats.head.num_label_pairs,
            "chunkCount": stats.head.chunk_count,
            "minTime": min,
            "maxTime": max,
        },
        "seriesCountByMetricName": list(&stats.series_count_by_metric_name),
        "labelValueCountByLabelName": list(&stats.label_value_count_by_label_name),
        "memoryInBytesByLabelName": list(&stats.memory_in_bytes_by_label_name),
        "seriesCountByLabelValuePair": list(&stats.series_count_by_label_value_pair),
    })))
}

/// `GET /api/v1/status/tsdb/blocks`.
pub(super) async fn blocks(State(st): State<AppState>) -> Success {
    let blocks: Vec<serde_json::Value> = st
        .store
        .metrics()
        .blocks()
        .iter()
        .map(|b| {
            json!({
                "ulid": b.id,
                "minTime": b.min_time,
                "maxTime": b.max_time,
                "stats": {"numSamples": b.num_samples, "numSeries": b.num_series, "numChunks": b.num_chunks},
                "compaction": {"level": b.level, "sources": b.sources},
                "version": 1,
            })
        })
        .collect();
    success(json!({ "blocks": blocks }))
}

/// `GET /api/v1/status/walreplay`: replay happens before the server listens, so it is done.
pub(super) async fn walreplay() -> Success {
    success(json!({"min": 0, "max": 0, "current": 0, "state": "done"}))
}

/// `GET /api/v1/rules`.
pub(super) async fn rules() -> Success {
    success(json!({"groups": []}))
}

/// `GET /api/v1/alerts`.
pub(super) async fn alerts() -> Success {
    success(json!({"alerts": []}))
}

/// `GET /api/v1/targets`.
pub(super) async fn targets() -> Success {
    success(json!({"activeTargets": [], "droppedTargets": [], "droppedTargetCounts": {}}))
}

/// RFC 3339 UTC with milliseconds.
pub(crate) fn rfc3339(t: std::time::SystemTime) -> String {
    let ms = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_utc() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_435_781_451_781);
        assert_eq!(rfc3339(t), "2015-07-01T20:10:51.781Z");
        assert_eq!(rfc3339(std::time::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }
}
