//! The active segment: frames a batch into a reusable buffer and writes it with one `pwrite`,
//! rolling to a new segment when the current one is full.
//!
//! The writer never fsyncs appended data itself (that is [`crate::sync`]'s job, so concurrent
//! callers can share one fsync) except when sealing a segment: a sealed segment is always
//! durable, which lets a group commit fsync only the active file.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::segment::{self, HEADER_LEN, Kind};
use crate::{Error, Result, filenames, frame};

/// The frame buffer is trimmed back to this after an unusually large batch, so one huge append
/// does not pin its memory for the life of the log.
const RETAINED_BUF: usize = 4 << 20;

/// State of the segment being appended to. Lives behind the log's writer mutex.
#[derive(Debug)]
pub(crate) struct Writer {
    dir: PathBuf,
    segment_size: u64,
    file: Arc<File>,
    index: u64,
    /// Bytes in the active file, header included.
    len: u64,
    /// Record bytes written since open, across segments: the log sequence number that group
    /// commit compares against.
    lsn: u64,
    buf: Vec<u8>,
    /// Set when a failed write or fsync left the file in an unknown state.
    pub(crate) poisoned: bool,
}

/// What an append did, for the caller's bookkeeping outside the writer lock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Appended {
    /// LSN at the end of the batch: durable once the synced LSN reaches it.
    pub(crate) lsn: u64,
    /// Bytes added to disk, including a new segment's header.
    pub(crate) disk_bytes: u64,
    /// Set when the append sealed (and fsynced) the previous segment: everything up to this
    /// LSN is durable.
    pub(crate) sealed_lsn: Option<u64>,
}

impl Writer {
    /// Creates segment `index` and makes it the active one.
    pub(crate) fn create(dir: &Path, index: u64, segment_size: u64) -> Result<Self> {
        let path = dir.join(filenames::segment(index));
        let file = segment::create(&path, Kind::Segment, index)?;
        Ok(Self {
            dir: dir.to_owned(),
            segment_size,
            file: Arc::new(file),
            index,
            len: HEADER_LEN as u64,
            lsn: 0,
            buf: Vec::new(),
            poisoned: false,
        })
    }

    /// Index of the active segment.
    pub(crate) fn index(&self) -> u64 {
        self.index
    }

    /// Bytes in the active segment.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// LSN at the end of the last write.
    pub(crate) fn lsn(&self) -> u64 {
        self.lsn
    }

    /// The active file, shared so it can be fsynced without holding the writer lock.
    pub(crate) fn file(&self) -> &Arc<File> {
        &self.file
    }

    /// Path of the active segment.
    pub(crate) fn path(&self) -> PathBuf {
        self.dir.join(filenames::segment(self.index))
    }

    /// Fails if an earlier error left the log in an unknown state.
    pub(crate) fn check_healthy(&self) -> Result<()> {
        if self.poisoned {
            return Err(Error::Poisoned {
                segment: self.index,
            });
        }
        Ok(())
    }

    /// Writes a batch with a single write. Records are never split across segments and a batch
    /// stays within one segment, rolling first if it would overflow a non-empty segment.
    pub(crate) fn append(&mut self, records: &[&[u8]]) -> Result<Appended> {
        self.check_healthy()?;
        let batch_len: u64 = records.iter().map(|r| frame::framed_len(r) as u64).sum();
        let mut appended = Appended {
            lsn: self.lsn,
            disk_bytes: 0,
            sealed_lsn: None,
        };
        if self.len > HEADER_LEN as u64 && self.len + batch_len > self.segment_size {
            appended.sealed_lsn = Some(self.lsn);
            appended.disk_bytes += self.roll()?;
        }

        self.buf.clear();
        for record in records {
            frame::encode(record, &mut self.buf);
        }
        if let Err(source) = self.file.write_all_at(&self.buf, self.len) {
            // Cut off whatever part of the batch reached the file so the next batch does not
            // land behind garbage; if even that fails the file state is unknown.
            if self.file.set_len(self.len).is_err() {
                self.poisoned = true;
            }
            return Err(Error::Io {
                path: self.path(),
                source,
            });
        }
        self.len += batch_len;
        self.lsn += batch_len;
        if self.buf.capacity() > RETAINED_BUF {
            self.buf = Vec::with_capacity(RETAINED_BUF);
        }
        appended.lsn = self.lsn;
        appended.disk_bytes += batch_len;
        Ok(appended)
    }

    /// Seals the active segment (fsync) and starts the next one. Returns the bytes the new
    /// segment's header occupies. On failure the old segment stays active.
    pub(crate) fn roll(&mut self) -> Result<u64> {
        self.check_healthy()?;
        if let Err(source) = self.file.sync_data() {
            self.poisoned = true;
            return Err(Error::Io {
                path: self.path(),
                source,
            });
        }
        let next = self.index + 1;
        let file = segment::create(
            &self.dir.join(filenames::segment(next)),
            Kind::Segment,
            next,
        )?;
        self.file = Arc::new(file);
        self.index = next;
        self.len = HEADER_LEN as u64;
        Ok(HEADER_LEN as u64)
    }
}
