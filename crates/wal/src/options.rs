//! Configuration: segment size and the durability policy.

use std::time::Duration;

use crate::{Error, Result};

/// When appended bytes are forced to stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncPolicy {
    /// fsync (fdatasync) before `append` returns: an acknowledged batch survives power loss.
    /// Concurrent appenders share one fsync (group commit). This is the default.
    #[default]
    EveryBatch,
    /// A background thread fsyncs every interval; `append` returns after write(2). An
    /// acknowledged batch survives a process crash (it is in the page cache) but power loss may
    /// lose up to one interval.
    Interval(Duration),
}

/// Options for [`Wal::open`](crate::Wal::open).
///
/// ```
/// use std::time::Duration;
/// use otelstore_wal as wal;
///
/// let options = wal::Options::default()
///     .segment_size(64 << 20)
///     .sync(wal::SyncPolicy::Interval(Duration::from_millis(100)));
/// assert!(options.validate().is_ok());
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    /// Size at which the active segment is sealed and a new one started (default 128 MiB). A
    /// batch is never split across segments, so a segment may exceed this by one batch.
    pub segment_size: u64,
    /// Durability policy (default [`SyncPolicy::EveryBatch`]).
    pub sync: SyncPolicy,
}

impl Options {
    /// Default [`Options::segment_size`]: 128 MiB, as in Prometheus.
    pub const DEFAULT_SEGMENT_SIZE: u64 = 128 << 20;
    /// Smallest accepted [`Options::segment_size`]; tiny segments only make sense in tests.
    pub const MIN_SEGMENT_SIZE: u64 = 1024;

    /// Sets [`Options::segment_size`].
    #[must_use]
    pub fn segment_size(mut self, bytes: u64) -> Self {
        self.segment_size = bytes;
        self
    }

    /// Sets [`Options::sync`].
    #[must_use]
    pub fn sync(mut self, policy: SyncPolicy) -> Self {
        self.sync = policy;
        self
    }

    /// Checks the options; [`Wal::open`](crate::Wal::open) calls this first.
    pub fn validate(&self) -> Result<()> {
        if self.segment_size < Self::MIN_SEGMENT_SIZE {
            return Err(Error::SegmentSizeTooSmall {
                size: self.segment_size,
                min: Self::MIN_SEGMENT_SIZE,
            });
        }
        if self.sync == SyncPolicy::Interval(Duration::ZERO) {
            return Err(Error::ZeroSyncInterval);
        }
        Ok(())
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            segment_size: Self::DEFAULT_SEGMENT_SIZE,
            sync: SyncPolicy::EveryBatch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let options = Options::default();
        assert_eq!(options.segment_size, 128 << 20);
        assert_eq!(options.sync, SyncPolicy::EveryBatch);
        options.validate().expect("defaults are valid");
    }

    #[test]
    fn validate_rejects_tiny_segments_and_zero_interval() {
        let tiny = Options::default().segment_size(10);
        assert!(matches!(
            tiny.validate(),
            Err(Error::SegmentSizeTooSmall { size: 10, .. })
        ));
        let zero = Options::default().sync(SyncPolicy::Interval(Duration::ZERO));
        assert!(matches!(zero.validate(), Err(Error::ZeroSyncInterval)));
    }
}
