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
        if let Err(source) = file.sync_data() {
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
