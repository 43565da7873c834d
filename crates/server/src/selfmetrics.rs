//! otelstore's metrics about itself, served at `/metrics` in the Prometheus text format.
//!
//! A handful of fixed counters and histograms in atomics: no registry, no locks on the hot
//! paths that update them.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Ingest protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP over gRPC.
    OtlpGrpc,
    /// OTLP over HTTP (protobuf or JSON).
    OtlpHttp,
    /// Prometheus remote write.
    RemoteWrite,
}

const PROTOCOLS: [(Protocol, &str); 3] = [
    (Protocol::OtlpGrpc, "otlp_grpc"),
    (Protocol::OtlpHttp, "otlp_http"),
    (Protocol::RemoteWrite, "remote_write"),
];

/// Why a sample was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Same timestamp, different value.
    Duplicate,
    /// Out of order with no window.
    OutOfOrder,
    /// Older than the out-of-order window.
    TooOld,
    /// Invalid labels or names.
    Invalid,
    /// A point type not supported yet (exponential histograms), or one that could not be placed.
    Unsupported,
}

const REASONS: [(Reason, &str); 5] = [
    (Reason::Duplicate, "duplicate"),
    (Reason::OutOfOrder, "out_of_order"),
    (Reason::TooOld, "too_old"),
    (Reason::Invalid, "invalid"),
    (Reason::Unsupported, "unsupported"),
];

/// Upper bounds of the query duration histogram, seconds.
const QUERY_BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0];

/// A fixed-bucket histogram in atomics.
#[derive(Debug, Default)]
struct Histogram {
    counts: [AtomicU64; QUERY_BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, secs: f64) {
        let i = QUERY_BUCKETS
            .iter()
            .position(|&b| secs <= b)
            .unwrap_or(QUERY_BUCKETS.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (i, c) in self.counts.iter().enumerate() {
            cumulative += c.load(Ordering::Relaxed);
            let le = QUERY_BUCKETS
                .get(i)
                .map_or("+Inf".to_string(), |b| b.to_string());
            let _ = writeln!(out, "{name}_bucket{{{labels}le=\"{le}\"}} {cumulative}");
        }
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let bare = labels.trim_end_matches(',');
        let _ = writeln!(out, "{name}_sum{{{bare}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{bare}}} {cumulative}");
    }
}

/// Every self-metric.
#[derive(Debug, Default)]
pub struct SelfMetrics {
    points: [[AtomicU64; 2]; 3],
    spans: [[AtomicU64; 2]; 3],
    log_records: [AtomicU64; 3],
    rejected: [AtomicU64; 5],
    exemplars: AtomicU64,
    instant_queries: Histogram,
    range_queries: Histogram,
}

fn proto_index(p: Protocol) -> usize {
    PROTOCOLS
        .iter()
        .position(|(x, _)| *x == p)
        .unwrap_or_default()
}

impl SelfMetrics {
    /// Counts received data points.
    pub fn points(&self, p: Protocol, accepted: u64, rejected: u64) {
        let i = proto_index(p);
        self.points[i][0].fetch_add(accepted, Ordering::Relaxed);
        self.points[i][1].fetch_add(rejected, Ordering::Relaxed);
    }

    /// Counts received spans.
    pub fn spans(&self, p: Protocol, accepted: u64, rejected: u64) {
        let i = proto_index(p);
        self.spans[i][0].fetch_add(accepted, Ordering::Relaxed);
        self.spans[i][1].fetch_add(rejected, Ordering::Relaxed);
    }

    /// Counts received log records (accepted and dropped: logs are not stored yet).
    pub fn log_records(&self, p: Protocol, n: u64) {
        self.log_records[proto_index(p)].fetch_add(n, Ordering::Relaxed);
    }

    /// Counts rejected samples by reason.
    pub fn rejected(&self, r: Reason, n: u64) {
        let i = REASONS
            .iter()
            .position(|(x, _)| *x == r)
            .unwrap_or_default();
        self.rejected[i].fetch_add(n, Ordering::Relaxed);
    }

    /// Counts the samples storage rejected, by reason.
    pub fn outcome(&self, o: &tsdb::AppendOutcome) {
        self.rejected(Reason::Duplicate, o.duplicate);
        self.rejected(Reason::OutOfOrder, o.out_of_order);
        self.rejected(Reason::TooOld, o.too_old);
        self.rejected(Reason::Invalid, o.invalid);
    }

    /// Counts stored exemplars.
    pub fn exemplars(&self, n: u64) {
        self.exemplars.fetch_add(n, Ordering::Relaxed);
    }

    /// Records a query's duration.
    pub fn query(&self, range: bool, secs: f64) {
        if range {
            &self.range_queries
        } else {
            &self.instant_queries
        }
        .observe(secs);
    }

    /// The text format, with store gauges and the WAL fsync histogram appended.
    pub fn render(&self, store: &otelstore::Store) -> String {
        let mut out = String::new();
        out.push_str("# HELP otelstore_received_points_total Metric data points received, by protocol and outcome.\n");
        out.push_str("# TYPE otelstore_received_points_total counter\n");
        for (i, (_, p)) in PROTOCOLS.iter().enumerate() {
            for (j, o) in ["accepted", "rejected"].iter().enumerate() {
                let n = self.points[i][j].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "otelstore_received_points_total{{protocol=\"{p}\",outcome=\"{o}\"}} {n}"
                );
            }
        }
        out.push_str(
            "# HELP otelstore_received_spans_total Spans received, by protocol and outcome.\n",
        );
        out.push_str("# TYPE otelstore_received_spans_total counter\n");
        for (i, (_, p)) in PROTOCOLS.iter().enumerate().take(2) {
            for (j, o) in ["accepted", "rejected"].iter().enumerate() {
                let n = self.spans[i][j].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "otelstore_received_spans_total{{protocol=\"{p}\",outcome=\"{o}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP otelstore_received_log_records_total Log records received. Logs are accepted so SDKs do not fail, but not stored yet.\n");
        out.push_str("# TYPE otelstore_received_log_records_total counter\n");
        for (i, (_, p)) in PROTOCOLS.iter().enumerate().take(2) {
            let n = self.log_records[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "otelstore_received_log_records_total{{protocol=\"{p}\",stored=\"false\"}} {n}"
            );
        }
        out.push_str("# HELP otelstore_rejected_samples_total Samples not stored, by reason.\n");
        out.push_str("# TYPE otelstore_rejected_samples_total counter\n");
        for (i, (_, r)) in REASONS.iter().enumerate() {
            let n = self.rejected[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "otelstore_rejected_samples_total{{reason=\"{r}\"}} {n}"
            );
        }
        out.push_str("# HELP otelstore_exemplars_stored_total Exemplars stored.\n# TYPE otelstore_exemplars_stored_total counter\n");
        let _ = writeln!(
            out,
            "otelstore_exemplars_stored_total {}",
            self.exemplars.load(Ordering::Relaxed)
        );
        let stats = store.tsdb_stats(1);
        out.push_str("# HELP otelstore_head_series Series in the metrics head.\n# TYPE otelstore_head_series gauge\n");
        let _ = writeln!(out, "otelstore_head_series {}", stats.head.num_series);
        out.push_str("# HELP otelstore_head_samples Samples in the metrics head.\n# TYPE otelstore_head_samples gauge\n");
        let _ = writeln!(out, "otelstore_head_samples {}", stats.head.num_samples);
        out.push_str("# HELP otelstore_storage_bytes Bytes the metrics store takes on disk.\n# TYPE otelstore_storage_bytes gauge\n");
        let _ = writeln!(
            out,
            "otelstore_storage_bytes {}",
            store.metrics().disk_bytes()
        );
        out.push_str("# HELP otelstore_query_duration_seconds PromQL evaluation time.\n# TYPE otelstore_query_duration_seconds histogram\n");
        self.instant_queries.render(
            &mut out,
            "otelstore_query_duration_seconds",
            "type=\"instant\",",
        );
        self.range_queries.render(
            &mut out,
            "otelstore_query_duration_seconds",
            "type=\"range\",",
        );
        let wal = store.metrics().wal_sync_stats();
        out.push_str("# HELP otelstore_wal_fsync_duration_seconds Metrics WAL fsync latency.\n# TYPE otelstore_wal_fsync_duration_seconds histogram\n");
        for (le, n) in &wal.buckets {
            let le = if le.is_infinite() {
                "+Inf".to_string()
            } else {
                le.to_string()
            };
            let _ = writeln!(
                out,
                "otelstore_wal_fsync_duration_seconds_bucket{{le=\"{le}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "otelstore_wal_fsync_duration_seconds_sum {}",
            wal.sum_seconds
        );
        let _ = writeln!(
            out,
            "otelstore_wal_fsync_duration_seconds_count {}",
            wal.count
        );
        out
    }
}
