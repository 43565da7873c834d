//! Durability: group commit for [`SyncPolicy::EveryBatch`](crate::SyncPolicy::EveryBatch) and
//! the background fsync thread for [`SyncPolicy::Interval`](crate::SyncPolicy::Interval).
//!
//! Group commit works on log sequence numbers (bytes written since open). A caller that needs
//! LSN `n` durable first checks the synced LSN; if `n` is not covered it queues on one mutex.
//! Whoever holds it snapshots the writer's current LSN and active file, fsyncs outside the writer
//! lock (so appends continue meanwhile) and publishes the snapshot LSN. Callers queued behind it
//! usually find their bytes covered and return without a syscall, so N concurrent appenders pay
//! roughly one fsync per fsync latency rather than N.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::writer::Writer;
use crate::{Error, Result};

/// Tracks how much of the log is durable and serialises fsyncs.
#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    /// Highest LSN known durable.
    synced: AtomicU64,
    /// Held by the one caller currently fsyncing.
    turn: Mutex<()>,
    /// fsyncs issued, so tests can check that covered callers skip theirs.
    fsyncs: AtomicU64,
    /// How long they took.
    latency: Latency,
}

/// Upper bounds (seconds) of the fsync latency histogram buckets.
pub const SYNC_BUCKETS: [f64; 10] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1.0,
];

/// fsync latencies: counts per bucket of [`SYNC_BUCKETS`] (plus one beyond the last) and the
/// total time.
#[derive(Debug, Default)]
struct Latency {
    buckets: [AtomicU64; SYNC_BUCKETS.len() + 1],
    total_nanos: AtomicU64,
}

/// A copy of the fsync latency histogram, for a metrics endpoint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncStats {
    /// Cumulative counts per bucket upper bound (seconds); the last bound is `+Inf`.
    pub buckets: Vec<(f64, u64)>,
    /// Number of fsyncs.
    pub count: u64,
    /// Total seconds spent in them.
    pub sum_seconds: f64,
}

impl Latency {
    fn observe(&self, d: std::time::Duration) {
        let secs = d.as_secs_f64();
        let i = SYNC_BUCKETS
            .iter()
            .position(|&b| secs <= b)
            .unwrap_or(SYNC_BUCKETS.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.total_nanos
            .fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    fn stats(&self) -> SyncStats {
        let mut cumulative = 0;
        let mut buckets = Vec::with_capacity(SYNC_BUCKETS.len() + 1);
        for (i, b) in self.buckets.iter().enumerate() {
            cumulative += b.load(Ordering::Relaxed);
            buckets.push((
                SYNC_BUCKETS.get(i).copied().unwrap_or(f64::INFINITY),
                cumulative,
            ));
        }
        SyncStats {
            buckets,
            count: cumulative,
            sum_seconds: self.total_nanos.load(Ordering::Relaxed) as f64 / 1e9,
        }
    }
}

impl GroupCommit {
    /// Records that everything up to `lsn` is durable (a sealed segment was fsynced).
    pub(crate) fn note_synced(&self, lsn: u64) {
        self.synced.fetch_max(lsn, Ordering::AcqRel);
    }

    /// Highest LSN known durable.
    pub(crate) fn synced(&self) -> u64 {
        self.synced.load(Ordering::Acquire)
    }

    /// Returns once everything up to `lsn` is durable, fsyncing only if no one else has
    /// covered it.
    pub(crate) fn sync_to(&self, writer: &Mutex<Writer>, lsn: u64) -> Result<()> {
        if self.synced() >= lsn {
            return Ok(());
        }
        let _turn = self.turn.lock();
        // The previous holder's fsync may have covered us while we queued.
        if self.synced() >= lsn {
            return Ok(());
        }
        // Sealed segments are already durable, so the active file covers every byte up to the
        // snapshot LSN.
        let (target, file) = {
            let w = writer.lock();
            w.check_healthy()?;
            (w.lsn(), Arc::clone(w.file()))
        };
        let started = std::time::Instant::now();
        let synced = file.sync_data();
        self.latency.observe(started.elapsed());
        if let Err(source) = synced {
            // After a failed fsync the kernel may have dropped the dirty pages; nothing written
            // since the last good fsync can be trusted, so refuse further appends.
            let mut w = writer.lock();
            w.poisoned = true;
            return Err(Error::Io {
                path: w.path(),
                source,
            });
        }
        self.fsyncs.fetch_add(1, Ordering::Relaxed);
        self.note_synced(target);
        Ok(())
    }

    /// The fsync latency histogram.
    pub(crate) fn stats(&self) -> SyncStats {
        self.latency.stats()
    }

    /// fsyncs issued by [`GroupCommit::sync_to`].
    #[cfg(test)]
    pub(crate) fn fsyncs(&self) -> u64 {
        self.fsyncs.load(Ordering::Relaxed)
    }
}

/// The background thread of [`SyncPolicy::Interval`](crate::SyncPolicy::Interval).
#[derive(Debug)]
pub(crate) struct Ticker {
    stop: Arc<(Mutex<bool>, Condvar)>,
    handle: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Calls `tick` every `interval` until stopped or until `tick` fails (the failure is
    /// logged; the next append reports it).
    pub(crate) fn spawn(
        interval: Duration,
        tick: impl Fn() -> Result<()> + Send + 'static,
    ) -> std::io::Result<Self> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        let handle = thread::Builder::new()
            .name("wal-sync".into())
            .spawn(move || {
                let (stopped, wake) = &*signal;
                loop {
                    {
                        let mut stopped = stopped.lock();
                        if !*stopped {
                            wake.wait_for(&mut stopped, interval);
                        }
                        if *stopped {
                            return;
                        }
                    }
                    if let Err(error) = tick() {
                        tracing::error!(%error, "WAL background sync failed; appends will fail");
                        return;
                    }
                }
            })?;
        Ok(Self {
            stop,
            handle: Some(handle),
        })
    }

    /// Stops the thread and waits for it.
    pub(crate) fn stop(&mut self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock() = true;
        wake.notify_all();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
    }
}
