//! Small append-only record files with a header and CRC-framed records, for data that is not
//! worth a WAL of its own (exemplars, metadata).
//!
//! File: `u32 magic | u8 version | 3 zero bytes`, then records `u32 len | u32 crc32c(payload) |
//! payload`, all little-endian. Opening reads every intact record and truncates the file at the
//! first torn or corrupt one, so a crash mid-write loses only that record.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, io_err};

const HEADER: usize = 8;
/// Records larger than this are treated as corruption.
const MAX_RECORD: usize = 16 << 20;

/// An open record file positioned for appends.
#[derive(Debug)]
pub(crate) struct LogFile {
    path: PathBuf,
    file: File,
    len: u64,
}

impl LogFile {
    /// Opens or creates `path`, calling `f` for each intact record. A file with a foreign
    /// header is an error; a torn tail is cut off with a warning.
    pub(crate) fn open(
        path: &Path,
        magic: u32,
        version: u8,
        mut f: impl FnMut(&[u8]),
    ) -> Result<Self> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io_err("open", path))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_err("read", path))?;
        if bytes.len() < HEADER {
            let mut header = [0u8; HEADER];
            header[..4].copy_from_slice(&magic.to_le_bytes());
            header[4] = version;
            file.set_len(0).map_err(io_err("truncate", path))?;
            file.write_all(&header).map_err(io_err("write", path))?;
            return Ok(LogFile {
                path: path.to_path_buf(),
                file,
                len: HEADER as u64,
            });
        }
        let found = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if found != magic {
            return Err(Error::BadMagic {
                path: path.into(),
                kind: "record log",
                expected: magic,
                found,
            });
        }
        if bytes[4] != version {
            return Err(Error::UnsupportedVersion {
                path: path.into(),
                version: bytes[4],
            });
        }
        let mut pos = HEADER;
        while let Some(payload) = record_at(&bytes, pos) {
            f(payload);
            pos += 8 + payload.len();
        }
        if pos < bytes.len() {
            tracing::warn!(path = %path.display(), offset = pos, cut = bytes.len() - pos,
                "truncating a torn or corrupt record log tail");
            file.set_len(pos as u64).map_err(io_err("truncate", path))?;
            file.seek(SeekFrom::End(0)).map_err(io_err("seek", path))?;
        }
        Ok(LogFile {
            path: path.to_path_buf(),
            file,
            len: pos as u64,
        })
    }

    /// Appends framed records with one write; they survive a process crash once this returns.
    pub(crate) fn append(&mut self, payloads: &[Vec<u8>]) -> Result<()> {
        let mut buf = Vec::with_capacity(payloads.iter().map(|p| p.len() + 8).sum());
        for p in payloads {
            buf.extend_from_slice(&(p.len() as u32).to_le_bytes());
            buf.extend_from_slice(&crc32c::crc32c(p).to_le_bytes());
            buf.extend_from_slice(p);
        }
        if let Err(e) = self.file.write_all(&buf) {
            // Leave no partial record behind for the next append to follow.
            self.file.set_len(self.len).ok();
            return Err(io_err("write", &self.path)(e));
        }
        self.len += buf.len() as u64;
        Ok(())
    }

    pub(crate) fn sync(&self) -> Result<()> {
        self.file.sync_data().map_err(io_err("fsync", &self.path))
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads every intact record of a file without opening it for writing.
pub(crate) fn read_records(path: &Path, magic: u32, mut f: impl FnMut(&[u8])) -> Result<()> {
    let bytes = std::fs::read(path).map_err(io_err("read", path))?;
    if bytes.len() < HEADER || u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) != magic
    {
        return Err(Error::Corrupted {
            path: path.into(),
            offset: 0,
            detail: "bad record log header".into(),
        });
    }
    let mut pos = HEADER;
    while let Some(payload) = record_at(&bytes, pos) {
        f(payload);
        pos += 8 + payload.len();
    }
    Ok(())
}

fn record_at(bytes: &[u8], pos: usize) -> Option<&[u8]> {
    let head = bytes.get(pos..pos + 8)?;
    let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    if len > MAX_RECORD {
        return None;
    }
    let payload = bytes.get(pos + 8..pos + 8 + len)?;
    (crc32c::crc32c(payload) == crc).then_some(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_reopen_and_a_torn_tail_is_cut() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        let mut log = LogFile::open(&path, 7, 1, |_| {}).expect("create");
        log.append(&[b"one".to_vec(), b"two".to_vec()])
            .expect("append");
        drop(log);
        let full = std::fs::metadata(&path).expect("stat").len();
        let f = OpenOptions::new().write(true).open(&path).expect("open");
        f.set_len(full - 2).expect("tear");
        let mut seen = Vec::new();
        let mut log = LogFile::open(&path, 7, 1, |r| seen.push(r.to_vec())).expect("reopen");
        assert_eq!(seen, [b"one".to_vec()]);
        log.append(&[b"three".to_vec()])
            .expect("append after repair");
        let mut seen = Vec::new();
        read_records(&path, 7, |r| seen.push(r.to_vec())).expect("read");
        assert_eq!(seen, [b"one".to_vec(), b"three".to_vec()]);
        assert!(matches!(
            LogFile::open(&path, 8, 1, |_| {}),
            Err(Error::BadMagic { .. })
        ));
    }
}
