//! Cardinality statistics for `/api/v1/status/tsdb`.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use model::METRIC_NAME;

use super::Db;

/// Counts over the head.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadStats {
    /// Series in the head.
    pub num_series: u64,
    /// Distinct label pairs in the head.
    pub num_label_pairs: u64,
    /// Chunks (open and spilled).
    pub chunk_count: u64,
    /// Samples held.
    pub num_samples: u64,
    /// Oldest sample time (`i64::MAX` when empty).
    pub min_time: i64,
    /// Newest sample time (`i64::MIN` when empty).
    pub max_time: i64,
}

/// The statistics Prometheus reports, computed over the head.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TsdbStats {
    /// Head totals.
    pub head: HeadStats,
    /// Metric names with the most series.
    pub series_count_by_metric_name: Vec<(String, u64)>,
    /// Label names with the most distinct values.
    pub label_value_count_by_label_name: Vec<(String, u64)>,
    /// Label names whose values take the most bytes.
    pub memory_in_bytes_by_label_name: Vec<(String, u64)>,
    /// `name=value` pairs with the most series.
    pub series_count_by_label_value_pair: Vec<(String, u64)>,
}

impl Db {
    /// Head statistics with the `limit` largest entries of each list.
    pub fn stats(&self, limit: usize) -> TsdbStats {
        let head = &self.inner.head;
        let mut chunk_count = 0u64;
        for stripe in head.stripes.iter() {
            chunk_count += stripe
                .read()
                .iter()
                .map(|s| s.num_chunks() as u64)
                .sum::<u64>();
        }
        let index = head.index.read();
        let mut by_name = Vec::new();
        let mut by_pair = Vec::new();
        let mut pairs = 0u64;
        for (name, value, n) in index.pairs() {
            pairs += 1;
            if name == METRIC_NAME {
                by_name.push((value.to_string(), n));
            }
            by_pair.push((format!("{name}={value}"), n));
        }
        let mut values = Vec::new();
        let mut bytes: HashMap<String, u64> = HashMap::new();
        for (name, distinct, total_bytes) in index.name_cardinalities() {
            values.push((name.to_string(), distinct as u64));
            bytes.insert(name.to_string(), total_bytes as u64);
        }
        let (min_time, max_time) = head.time_range().unwrap_or((i64::MAX, i64::MIN));
        TsdbStats {
            head: HeadStats {
                num_series: index.num_series(),
                num_label_pairs: pairs,
                chunk_count,
                num_samples: head.num_samples.load(Ordering::Relaxed),
                min_time,
                max_time,
            },
            series_count_by_metric_name: top(by_name, limit),
            label_value_count_by_label_name: top(values, limit),
            memory_in_bytes_by_label_name: top(bytes.into_iter().collect(), limit),
            series_count_by_label_value_pair: top(by_pair, limit),
        }
    }
}

/// The `limit` largest entries, largest first, ties by name.
fn top(mut v: Vec<(String, u64)>, limit: usize) -> Vec<(String, u64)> {
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(limit);
    v
}
