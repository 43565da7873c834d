//! Spill files for full head chunks (`chunks_head/`).
//!
//! A head chunk that is full no longer changes, so it is written here and only its reference
//! stays in memory: the head then holds about one open chunk per series, whatever the scrape
//! interval. The files are a cache of what the WAL already holds durably; every open deletes
//! and rebuilds them by replay, so they need no recovery logic, only a checksum per chunk to
//! catch a disk that returns wrong bytes. Layout: `docs/format/head-chunks.md`.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use parking_lot::{Mutex, RwLock};

use crate::error::{Error, Result, io_err};

const MAGIC: u32 = 0x4F54_4843; // "OTHC"
const VERSION: u8 = 1;
const FILE_HEADER: u64 = 8;
const CHUNK_HEADER: usize = 8;
/// A file is closed and a new one started beyond this size.
const MAX_FILE_SIZE: u64 = 128 << 20;

/// Reference to a spilled chunk: file sequence in the upper 32 bits, byte offset below.
pub(crate) type ChunkRef = u64;

/// One spill file, shared with readers so it stays readable while a query uses it even after
/// truncation unlinked it.
#[derive(Debug)]
pub(crate) struct ChunkFile {
    path: PathBuf,
    file: File,
    /// Newest sample time of any chunk in the file: it may go once the head is cut past it.
    max_t: AtomicI64,
}

impl ChunkFile {
    /// Reads the chunk at `offset`, checking its checksum.
    pub(crate) fn read(&self, offset: u32) -> Result<Vec<u8>> {
        let mut header = [0u8; CHUNK_HEADER];
        self.file
            .read_exact_at(&mut header, u64::from(offset))
            .map_err(io_err("read head chunk", &self.path))?;
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let stored = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let mut data = vec![0u8; len];
        self.file
            .read_exact_at(&mut data, u64::from(offset) + CHUNK_HEADER as u64)
            .map_err(io_err("read head chunk", &self.path))?;
        let computed = crc32c::crc32c(&data);
        if computed != stored {
            return Err(Error::ChecksumMismatch {
                path: self.path.clone(),
                section: "head chunk",
                stored,
                computed,
            });
        }
        Ok(data)
    }
}

#[derive(Debug)]
struct Writer {
    seq: u32,
    file: Arc<ChunkFile>,
    size: u64,
}

/// The set of spill files: one being appended to, older ones read-only.
#[derive(Debug)]
pub(crate) struct HeadChunks {
    dir: PathBuf,
    writer: Mutex<Writer>,
    files: RwLock<BTreeMap<u32, Arc<ChunkFile>>>,
}

impl HeadChunks {
    /// Starts empty in `dir`, deleting whatever an earlier run left there.
    pub(crate) fn create(dir: &Path) -> Result<Self> {
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(io_err("remove", dir))?;
        }
        fs::create_dir_all(dir).map_err(io_err("create", dir))?;
        let file = new_file(dir, 0)?;
        let mut files = BTreeMap::new();
        files.insert(0, Arc::clone(&file));
        Ok(HeadChunks {
            dir: dir.to_path_buf(),
            writer: Mutex::new(Writer {
                seq: 0,
                file,
                size: FILE_HEADER,
            }),
            files: RwLock::new(files),
        })
    }

    /// Appends a full chunk whose newest sample is at `max_t`; returns its reference.
    pub(crate) fn write(&self, chunk: &[u8], max_t: i64) -> Result<ChunkRef> {
        let mut w = self.writer.lock();
        let need = (CHUNK_HEADER + chunk.len()) as u64;
        if w.size + need > MAX_FILE_SIZE || w.size + need > u64::from(u32::MAX) {
            let seq = w.seq + 1;
            let file = new_file(&self.dir, seq)?;
            self.files.write().insert(seq, Arc::clone(&file));
            *w = Writer {
                seq,
                file,
                size: FILE_HEADER,
            };
        }
        let mut buf = Vec::with_capacity(need as usize);
        buf.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        buf.extend_from_slice(&crc32c::crc32c(chunk).to_le_bytes());
        buf.extend_from_slice(chunk);
        w.file
            .file
            .write_all_at(&buf, w.size)
            .map_err(io_err("write head chunk", &w.file.path))?;
        let r = (u64::from(w.seq) << 32) | w.size;
        w.size += need;
        w.file.max_t.fetch_max(max_t, Ordering::Relaxed);
        Ok(r)
    }

    /// The file holding `r`, for reading.
    pub(crate) fn file(&self, r: ChunkRef) -> Option<Arc<ChunkFile>> {
        self.files.read().get(&((r >> 32) as u32)).cloned()
    }

    /// Deletes files whose chunks all end before `mint`.
    pub(crate) fn truncate_before(&self, mint: i64) -> Result<()> {
        let current = self.writer.lock().seq;
        let doomed: Vec<(u32, PathBuf)> = self
            .files
            .read()
            .iter()
            .filter(|&(&seq, f)| seq != current && f.max_t.load(Ordering::Relaxed) < mint)
            .map(|(&seq, f)| (seq, f.path.clone()))
            .collect();
        for (seq, path) in doomed {
            self.files.write().remove(&seq);
            fs::remove_file(&path).map_err(io_err("remove", &path))?;
        }
        Ok(())
    }

    /// Bytes on disk, for size-based retention.
    pub(crate) fn disk_bytes(&self) -> u64 {
        self.files
            .read()
            .values()
            .map(|f| f.file.metadata().map(|m| m.len()).unwrap_or(0))
            .sum()
    }
}

/// Offset of `r` inside its file.
pub(crate) fn offset(r: ChunkRef) -> u32 {
    r as u32
}

fn new_file(dir: &Path, seq: u32) -> Result<Arc<ChunkFile>> {
    let path = dir.join(format!("{seq:08}"));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io_err("create", &path))?;
    let mut header = [0u8; FILE_HEADER as usize];
    header[..4].copy_from_slice(&MAGIC.to_le_bytes());
    header[4] = VERSION;
    file.write_all_at(&header, 0)
        .map_err(io_err("write", &path))?;
    Ok(Arc::new(ChunkFile {
        path,
        file,
        max_t: AtomicI64::new(i64::MIN),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_read_back_and_old_files_go() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hc = HeadChunks::create(dir.path()).expect("create");
        let r = hc.write(b"hello", 100).expect("write");
        let f = hc.file(r).expect("file");
        assert_eq!(f.read(offset(r)).expect("read"), b"hello");
        // The file being written is never removed.
        hc.truncate_before(1000).expect("truncate");
        assert!(hc.file(r).is_some());
    }

    #[test]
    fn flipped_byte_is_a_checksum_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hc = HeadChunks::create(dir.path()).expect("create");
        let r = hc.write(b"hello", 1).expect("write");
        let f = hc.file(r).expect("file");
        f.file
            .write_all_at(b"J", u64::from(offset(r)) + 8)
            .expect("corrupt");
        assert!(matches!(
            f.read(offset(r)),
            Err(Error::ChecksumMismatch { .. })
        ));
    }
}
