//! Engine configuration: a plain value with documented defaults, validated once at open.

use std::time::Duration;

use crate::error::{Error, Result};

/// How the engine stores, keeps and compacts data.
#[derive(Debug, Clone)]
pub struct Options {
    /// Width of a block and of the aligned windows head chunks never cross (default 2h).
    pub block_duration: Duration,
    /// How far behind the newest sample a late sample is still accepted (default 10m: SDKs
    /// and agents deliver late). At most half of `block_duration`, the span the head keeps
    /// after a cut.
    pub out_of_order_window: Duration,
    /// Blocks ending more than this before the newest data are deleted (default 15d;
    /// `None` keeps everything).
    pub retention_time: Option<Duration>,
    /// Oldest blocks are deleted while blocks, WAL and head chunks together exceed this many
    /// bytes (default `None`: no size limit).
    pub retention_size: Option<u64>,
    /// Largest block compaction produces (default: 10% of `retention_time`, at most 31d).
    pub max_block_duration: Option<Duration>,
    /// Samples per head chunk before it is cut and spilled to disk (default 120).
    pub head_chunk_samples: usize,
    /// Write-ahead log settings. The default fsyncs every 200 ms: an acknowledged append
    /// survives a crash of the process at once, and a power loss or kernel crash may lose
    /// up to the last 200 ms. [`wal::SyncPolicy::EveryBatch`] closes that window at the cost of
    /// an fsync per append (shared by concurrent appenders).
    pub wal: wal::Options,
    /// How often the background thread cuts the head, compacts and applies retention
    /// (default 1 min; `None` runs no thread, and the owner calls [`crate::Db::maintain`]).
    pub maintenance_interval: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            block_duration: Duration::from_secs(2 * 3600),
            out_of_order_window: Duration::from_secs(10 * 60),
            retention_time: Some(Duration::from_secs(15 * 24 * 3600)),
            retention_size: None,
            max_block_duration: None,
            head_chunk_samples: 120,
            wal: wal::Options::default()
                .sync(wal::SyncPolicy::Interval(Duration::from_millis(200))),
            maintenance_interval: Some(Duration::from_secs(60)),
        }
    }
}

impl Options {
    /// Sets [`Options::block_duration`].
    #[must_use]
    pub fn block_duration(mut self, d: Duration) -> Self {
        self.block_duration = d;
        self
    }

    /// Sets [`Options::out_of_order_window`].
    #[must_use]
    pub fn out_of_order_window(mut self, d: Duration) -> Self {
        self.out_of_order_window = d;
        self
    }

    /// Sets [`Options::retention_time`].
    #[must_use]
    pub fn retention_time(mut self, d: Option<Duration>) -> Self {
        self.retention_time = d;
        self
    }

    /// Sets [`Options::retention_size`].
    #[must_use]
    pub fn retention_size(mut self, bytes: Option<u64>) -> Self {
        self.retention_size = bytes;
        self
    }

    /// Sets [`Options::max_block_duration`].
    #[must_use]
    pub fn max_block_duration(mut self, d: Option<Duration>) -> Self {
        self.max_block_duration = d;
        self
    }

    /// Sets [`Options::wal`].
    #[must_use]
    pub fn wal(mut self, wal: wal::Options) -> Self {
        self.wal = wal;
        self
    }

    /// Sets [`Options::maintenance_interval`].
    #[must_use]
    pub fn maintenance_interval(mut self, d: Option<Duration>) -> Self {
        self.maintenance_interval = d;
        self
    }

    /// Sets [`Options::head_chunk_samples`].
    #[must_use]
    pub fn head_chunk_samples(mut self, n: usize) -> Self {
        self.head_chunk_samples = n;
        self
    }

    /// Checks ranges; called by [`crate::Db::open`].
    pub fn validate(&self) -> Result<()> {
        let block = self.block_ms();
        if block < 60_000 || block % 1000 != 0 {
            return Err(invalid(
                "block_duration",
                "must be a whole number of seconds, at least 1m",
            ));
        }
        if self.ooo_window_ms() > block / 2 {
            return Err(invalid(
                "out_of_order_window",
                "must be at most half of block_duration",
            ));
        }
        if !(2..=u16::MAX as usize).contains(&self.head_chunk_samples) {
            return Err(invalid("head_chunk_samples", "must be between 2 and 65535"));
        }
        if let Some(max) = self.max_block_duration
            && (max.as_millis() as i64) < block
        {
            return Err(invalid(
                "max_block_duration",
                "must be at least block_duration",
            ));
        }
        if self.retention_time.is_some_and(|r| r.is_zero()) {
            return Err(invalid(
                "retention_time",
                "must be positive (use None to keep all)",
            ));
        }
        Ok(())
    }

    pub(crate) fn block_ms(&self) -> i64 {
        self.block_duration.as_millis() as i64
    }

    pub(crate) fn ooo_window_ms(&self) -> i64 {
        self.out_of_order_window.as_millis() as i64
    }

    pub(crate) fn retention_ms(&self) -> Option<i64> {
        self.retention_time
            .map(|r| r.as_millis().min(i64::MAX as u128) as i64)
    }

    /// Compaction ranges: block, 3x, 9x, ... up to the maximum block duration.
    pub(crate) fn compaction_ranges(&self) -> Vec<i64> {
        const MONTH_MS: i64 = 31 * 24 * 3600 * 1000;
        let max = match (self.max_block_duration, self.retention_ms()) {
            (Some(m), _) => m.as_millis() as i64,
            (None, Some(r)) => (r / 10).clamp(self.block_ms(), MONTH_MS),
            (None, None) => MONTH_MS,
        };
        let mut ranges = vec![self.block_ms()];
        while let Some(&last) = ranges.last() {
            let next = last.saturating_mul(3);
            if next > max {
                break;
            }
            ranges.push(next);
        }
        ranges
    }
}

fn invalid(option: &'static str, detail: &str) -> Error {
    Error::InvalidOptions {
        option,
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_ranges_grow_by_three() {
        let o = Options::default();
        o.validate().expect("defaults valid");
        let h = 3600 * 1000;
        // 15d retention -> 1.5d max block: 2h, 6h, 18h.
        assert_eq!(o.compaction_ranges(), vec![2 * h, 6 * h, 18 * h]);
    }

    #[test]
    fn out_of_order_window_is_capped() {
        let o = Options::default().out_of_order_window(Duration::from_secs(2 * 3600));
        assert!(matches!(
            o.validate(),
            Err(Error::InvalidOptions {
                option: "out_of_order_window",
                ..
            })
        ));
    }
}
