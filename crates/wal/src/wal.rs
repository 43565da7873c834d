//! [`Wal`], the handle that ties the writer, group commit, checkpoints and replay together.
//!
//! Locks, in the order they may be taken: `checkpoint` → `segments` → `commit.turn` → `writer`.
//! The writer lock is held only to frame and write a batch (or to roll), never across an fsync
//! of appended data, which is what lets concurrent appenders share fsyncs.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock};

use crate::reader::Scanner;
use crate::segment::Kind;
use crate::sync::{GroupCommit, Ticker};
use crate::writer::Writer;
use crate::{
    Error, MAX_RECORD_LEN, Options, ReplayStats, Result, SyncPolicy, checkpoint, dir, filenames,
    replay,
};

/// A segmented write-ahead log in one directory. See the [crate docs](crate) for the model.
///
/// `Wal` is `Send + Sync`; share it by reference or `Arc`. Dropping it without
/// [`close`](Wal::close) still syncs, but cannot report a failure.
pub struct Wal {
    shared: Arc<Shared>,
    ticker: Option<Ticker>,
    closed: bool,
}

struct Shared {
    dir: PathBuf,
    options: Options,
    writer: Mutex<Writer>,
    commit: GroupCommit,
    /// First segment on disk.
    first: AtomicU64,
    disk_bytes: AtomicU64,
    /// The checkpoint on disk; the mutex also serialises [`Wal::checkpoint`] calls.
    checkpoint: Mutex<Option<u64>>,
    /// Read-held while reading segments, write-held while removing them.
    segments: RwLock<()>,
    /// Held (flock) for the life of the log so a second writer cannot open the directory.
    _lock: File,
}

impl Shared {
    /// Makes everything written so far durable.
    fn sync(&self) -> Result<()> {
        let lsn = {
            let w = self.writer.lock();
            w.check_healthy()?;
            w.lsn()
        };
        self.commit.sync_to(&self.writer, lsn)
    }
}

impl Wal {
    /// Opens (creating if needed) the log in `dir`, replays it by calling `on_record` for every
    /// intact record in order (the latest checkpoint's records first, then every segment after
    /// it), then starts a new segment for appends. A torn or corrupt record ends the replay:
    /// the segment is truncated at that point, any later segments are removed, a
    /// `tracing::warn!` says what was cut, and the counts appear in the stats. Corruption never
    /// fails `open`; only I/O errors do (and [`Error::Locked`] if the log is already open).
    pub fn open(
        dir: &Path,
        options: Options,
        mut on_record: impl FnMut(&[u8]),
    ) -> Result<(Wal, ReplayStats)> {
        options.validate()?;
        let lock = dir::create_and_lock(dir)?;
        let recovered = replay::recover(dir, &mut on_record)?;
        let writer = Writer::create(dir, recovered.next, options.segment_size)?;
        let shared = Arc::new(Shared {
            dir: dir.to_owned(),
            first: AtomicU64::new(recovered.first.unwrap_or(recovered.next)),
            disk_bytes: AtomicU64::new(recovered.disk_bytes + writer.len()),
            writer: Mutex::new(writer),
            commit: GroupCommit::default(),
            checkpoint: Mutex::new(recovered.checkpoint),
            segments: RwLock::new(()),
            options,
            _lock: lock,
        });
        let ticker = match shared.options.sync {
            SyncPolicy::EveryBatch => None,
            SyncPolicy::Interval(interval) => {
                let target = Arc::clone(&shared);
                let ticker = Ticker::spawn(interval, move || target.sync());
                Some(ticker.map_err(|source| Error::Io {
                    path: dir.to_owned(),
                    source,
                })?)
            }
        };
        Ok((
            Wal {
                shared,
                ticker,
                closed: false,
            },
            recovered.stats,
        ))
    }

    /// Appends the records of one batch in order and returns once they are durable per the
    /// sync policy. Thread-safe; batches from concurrent callers never interleave. The batch is
    /// written with one write(2) into one segment; a crash may keep a prefix of it.
    pub fn append(&self, records: &[&[u8]]) -> Result<()> {
        if let Some(r) = records.iter().find(|r| r.len() > MAX_RECORD_LEN) {
            return Err(Error::RecordTooLarge {
                len: r.len(),
                max: MAX_RECORD_LEN,
            });
        }
        if records.is_empty() {
            return self.shared.writer.lock().check_healthy();
        }
        let appended = self.shared.writer.lock().append(records)?;
        self.shared
            .disk_bytes
            .fetch_add(appended.disk_bytes, Ordering::Relaxed);
        if let Some(lsn) = appended.sealed_lsn {
            self.shared.commit.note_synced(lsn);
        }
        match self.shared.options.sync {
            SyncPolicy::EveryBatch => self
                .shared
                .commit
                .sync_to(&self.shared.writer, appended.lsn),
            SyncPolicy::Interval(_) => Ok(()),
        }
    }

    /// Makes everything appended so far durable (whatever the policy).
    pub fn sync(&self) -> Result<()> {
        self.shared.sync()
    }

    /// Closes the current segment and starts the next; returns the index of the new one.
    /// The closed segment is fsynced first.
    pub fn cut_segment(&self) -> Result<u64> {
        let mut w = self.shared.writer.lock();
        let sealed_lsn = w.lsn();
        let header = w.roll()?;
        self.shared.commit.note_synced(sealed_lsn);
        self.shared.disk_bytes.fetch_add(header, Ordering::Relaxed);
        Ok(w.index())
    }

    /// Indices of the first and last segment on disk; the last is the one being appended to.
    pub fn segment_range(&self) -> (u64, u64) {
        let last = self.shared.writer.lock().index();
        (self.shared.first.load(Ordering::Acquire), last)
    }

    /// Calls `f` for each intact record of segments `first..=last` (for building a
    /// checkpoint). The active segment is read up to what was written when the call started.
    /// Damage is an error here ([`Error::Corrupted`]): these files were validated at open.
    /// `f` must not call [`Wal::checkpoint`] (it would deadlock).
    pub fn read_segments(&self, first: u64, last: u64, mut f: impl FnMut(&[u8])) -> Result<()> {
        let _segments = self.shared.segments.read();
        let (active, active_len) = {
            let w = self.shared.writer.lock();
            (w.index(), w.len())
        };
        let on_disk_first = self.shared.first.load(Ordering::Acquire);
        if first > last || first < on_disk_first || last > active {
            return Err(Error::OutOfRange {
                first,
                last,
                on_disk_first,
                on_disk_last: active,
            });
        }
        let mut scanner = Scanner::new();
        for index in first..=last {
            let path = self.shared.dir.join(filenames::segment(index));
            let limit = (index == active).then_some(active_len);
            let scan = scanner.scan(&path, Kind::Segment, index, limit, &mut f)?;
            if let Some((offset, detail)) = scan.stop {
                return Err(Error::Corrupted {
                    path,
                    offset,
                    detail,
                });
            }
        }
        Ok(())
    }

    /// Calls `f` for each record of the current checkpoint, if there is one. A new checkpoint
    /// usually carries forward part of the previous one, since the segments it covered are
    /// gone. `f` must not call [`Wal::checkpoint`] (it would deadlock).
    pub fn read_checkpoint(&self, mut f: impl FnMut(&[u8])) -> Result<()> {
        let current = self.shared.checkpoint.lock();
        let Some(through) = *current else {
            return Ok(());
        };
        let path = self
            .shared
            .dir
            .join(filenames::checkpoint(through))
            .join(filenames::CHECKPOINT_DATA);
        let scan = Scanner::new().scan(&path, Kind::Checkpoint, through, None, &mut f)?;
        match scan.stop {
            Some((offset, detail)) => Err(Error::Corrupted {
                path,
                offset,
                detail,
            }),
            None => Ok(()),
        }
    }

    /// Writes `records` as checkpoint `through` (atomically: temp dir, fsync, rename, fsync
    /// dir), then deletes segments `<= through` and older checkpoints. Replay afterwards = this
    /// checkpoint's records, then segments `> through`. `through` must be a sealed segment
    /// after the current checkpoint ([`Error::InvalidCheckpoint`] otherwise); call
    /// [`cut_segment`](Wal::cut_segment) first to checkpoint everything.
    pub fn checkpoint<'a>(
        &self,
        through: u64,
        records: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<()> {
        let mut current = self.shared.checkpoint.lock();
        let active = self.shared.writer.lock().index();
        let first = self.shared.first.load(Ordering::Acquire);
        let min = current.map_or(first, |c| (c + 1).max(first));
        if through < min || through >= active {
            return Err(Error::InvalidCheckpoint {
                through,
                first: min,
                active,
            });
        }
        let dir = &self.shared.dir;
        let written = checkpoint::write(dir, through, records)?;
        // From here the new checkpoint is what replay uses; the rest is cleanup that open
        // would also finish after a crash.
        let previous = current.replace(through);
        self.shared.disk_bytes.fetch_add(written, Ordering::Relaxed);

        let _segments = self.shared.segments.write();
        for index in first..=through {
            let freed = dir::remove_file(&dir.join(filenames::segment(index)))?;
            self.shared.first.store(index + 1, Ordering::Release);
            self.shared.disk_bytes.fetch_sub(freed, Ordering::Relaxed);
        }
        if let Some(previous) = previous {
            let freed = dir::remove_tree(&dir.join(filenames::checkpoint(previous)))?;
            self.shared.disk_bytes.fetch_sub(freed, Ordering::Relaxed);
        }
        dir::sync(dir)
    }

    /// How long fsyncs have taken, as a histogram.
    pub fn sync_stats(&self) -> crate::SyncStats {
        self.shared.commit.stats()
    }

    /// Total bytes of segments and checkpoint on disk (for size-based retention accounting).
    pub fn disk_bytes(&self) -> u64 {
        self.shared.disk_bytes.load(Ordering::Relaxed)
    }

    /// The directory the log lives in.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// Final sync and close.
    pub fn close(mut self) -> Result<()> {
        self.closed = true;
        if let Some(mut ticker) = self.ticker.take() {
            ticker.stop();
        }
        self.shared.sync()
    }
}

impl Drop for Wal {
    fn drop(&mut self) {
        if let Some(mut ticker) = self.ticker.take() {
            ticker.stop();
        }
        if !self.closed
            && let Err(error) = self.shared.sync()
        {
            tracing::error!(%error, dir = %self.shared.dir.display(), "WAL sync on drop failed");
        }
    }
}

#[cfg(test)]
impl Wal {
    /// fsyncs issued by group commit, for tests.
    pub(crate) fn fsyncs(&self) -> u64 {
        self.shared.commit.fsyncs()
    }
}

impl fmt::Debug for Wal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (first, last) = self.segment_range();
        f.debug_struct("Wal")
            .field("dir", &self.shared.dir)
            .field("segments", &(first..=last))
            .field("sync", &self.shared.options.sync)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
