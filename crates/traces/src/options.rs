//! Store configuration: a plain value with documented defaults, validated once at open.

use std::time::Duration;

use crate::error::{Error, Result};

/// How the store buffers, writes, indexes and keeps spans.
#[derive(Debug, Clone)]
pub struct Options {
    /// Width of the time windows segments are cut by: a flush writes one segment per window
    /// its traces start in (default 1h).
    pub segment_window: Duration,
    /// A trace that received no span for this long is flushed at the next flush; younger
    /// traces stay in the head so late spans join them (default 30s).
    pub trace_idle: Duration,
    /// The head is flushed when it holds more than this many bytes (approximate; default
    /// 256 MiB). If flushing idle traces is not enough, the oldest traces go too. Appends
    /// are refused with [`crate::Error::Backpressure`] while it holds more than twice this.
    pub head_max_bytes: usize,
    /// The head is flushed when its oldest trace arrived this long ago (default 15 min), so
    /// segments are written regularly at low ingest rates. Each flush writes at least one
    /// segment, and segments are not merged yet: this bounds the segment count at low rates
    /// (672 a week).
    pub head_max_age: Duration,
    /// Spans per segment block, the unit of decompression (default 4096; whole traces stay
    /// in one block, so a block may exceed this).
    pub block_spans: usize,
    /// A field (span name, service, attribute key per scope) gets an inverted index in a
    /// segment only if it has at most this many distinct values there (default 1000);
    /// searches on other fields scan their column.
    pub index_max_values: usize,
    /// Values kept per attribute key for autocomplete (default 1000).
    pub tag_values_cap: usize,
    /// zstd level for segment columns (default 3).
    pub zstd_level: i32,
    /// Segments whose newest span ended more than this before the newest data are deleted
    /// (default 7d; `None` keeps everything).
    pub retention_time: Option<Duration>,
    /// Oldest segments are deleted while segments and WAL together exceed this many bytes
    /// (default `None`: no size limit).
    pub retention_size: Option<u64>,
    /// Write-ahead log settings. The default fsyncs every 200 ms: an acknowledged append
    /// survives a crash of the process at once; a power loss may lose up to the last 200 ms.
    /// [`wal::SyncPolicy::EveryBatch`] closes that window at the cost of an fsync per append
    /// (shared by concurrent appenders).
    pub wal: wal::Options,
    /// How often the background thread flushes and applies retention (default 1s, so that a
    /// head filling at full ingest speed is flushed before it reaches the backpressure limit;
    /// a pass that has nothing to flush costs a size check; `None` runs no thread, and the
    /// owner calls [`crate::Store::maintain`]).
    pub maintenance_interval: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            segment_window: Duration::from_secs(3600),
            trace_idle: Duration::from_secs(30),
            head_max_bytes: 256 << 20,
            head_max_age: Duration::from_secs(900),
            block_spans: 4096,
            index_max_values: 1000,
            tag_values_cap: 1000,
            zstd_level: 3,
            retention_time: Some(Duration::from_secs(7 * 24 * 3600)),
            retention_size: None,
            wal: wal::Options::default()
                .sync(wal::SyncPolicy::Interval(Duration::from_millis(200))),
            maintenance_interval: Some(Duration::from_secs(1)),
        }
    }
}

macro_rules! setter {
    ($(#[$doc:meta] $name:ident: $ty:ty),* $(,)?) => {
        $(
            #[$doc]
            #[must_use]
            pub fn $name(mut self, v: $ty) -> Self {
                self.$name = v;
                self
            }
        )*
    };
}

impl Options {
    setter! {
        /// Sets [`Options::segment_window`].
        segment_window: Duration,
        /// Sets [`Options::trace_idle`].
        trace_idle: Duration,
        /// Sets [`Options::head_max_bytes`].
        head_max_bytes: usize,
        /// Sets [`Options::head_max_age`].
        head_max_age: Duration,
        /// Sets [`Options::block_spans`].
        block_spans: usize,
        /// Sets [`Options::index_max_values`].
        index_max_values: usize,
        /// Sets [`Options::tag_values_cap`].
        tag_values_cap: usize,
        /// Sets [`Options::zstd_level`].
        zstd_level: i32,
        /// Sets [`Options::retention_time`].
        retention_time: Option<Duration>,
        /// Sets [`Options::retention_size`].
        retention_size: Option<u64>,
        /// Sets [`Options::wal`].
        wal: wal::Options,
        /// Sets [`Options::maintenance_interval`].
        maintenance_interval: Option<Duration>,
    }

    /// Checks ranges; called by [`crate::Store::open`].
    pub fn validate(&self) -> Result<()> {
        if self.segment_window < Duration::from_secs(1) {
            return Err(invalid("segment_window", "must be at least 1s"));
        }
        if !(1..=1 << 20).contains(&self.block_spans) {
            return Err(invalid("block_spans", "must be between 1 and 1048576"));
        }
        if !(1..=22).contains(&self.zstd_level) {
            return Err(invalid("zstd_level", "must be between 1 and 22"));
        }
        if self.retention_time.is_some_and(|r| r.is_zero()) {
            return Err(invalid(
                "retention_time",
                "must be positive (None keeps all)",
            ));
        }
        if self.maintenance_interval.is_some_and(|r| r.is_zero()) {
            return Err(invalid("maintenance_interval", "must be positive"));
        }
        self.wal.validate()?;
        Ok(())
    }

    pub(crate) fn window_ns(&self) -> u64 {
        u64::try_from(self.segment_window.as_nanos()).unwrap_or(u64::MAX)
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
    fn defaults_are_valid() {
        Options::default().validate().expect("valid");
        assert_eq!(Options::default().window_ns(), 3_600_000_000_000);
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let o = Options::default().block_spans(0);
        assert!(matches!(
            o.validate(),
            Err(Error::InvalidOptions {
                option: "block_spans",
                ..
            })
        ));
        let o = Options::default().retention_time(Some(Duration::ZERO));
        assert!(o.validate().is_err());
    }
}
