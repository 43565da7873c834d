//! A block's column file (`chunks`): every timestamp and value column of the block.
//!
//! Columns are written back to back, each framed by its length and a CRC32C. Timestamp
//! columns are deduplicated: series scraped together share their timestamps, so a block with
//! thousands of series from a few hundred targets stores a few hundred timestamp columns.
//! Layout: `docs/format/block.md`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::error::{Error, Result, io_err};

const MAGIC: u32 = 0x4F54_4243; // "OTBC"
const VERSION: u8 = 1;
const HEADER: u64 = 8;
/// Distinct timestamp columns remembered for deduplication, by total bytes.
const DEDUPE_BUDGET: usize = 64 << 20;

/// A column already written: its reference and bytes.
type Written = (u64, Box<[u8]>);

/// Writes a column file.
#[derive(Debug)]
pub(crate) struct ChunksWriter {
    path: PathBuf,
    out: BufWriter<File>,
    pos: u64,
    /// (crc, len) -> columns already written with that checksum and length.
    seen: HashMap<u64, Vec<Written>>,
    seen_bytes: usize,
    pub(crate) deduplicated: u64,
}

impl ChunksWriter {
    pub(crate) fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).map_err(io_err("create", path))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let mut header = [0u8; HEADER as usize];
        header[..4].copy_from_slice(&MAGIC.to_le_bytes());
        header[4] = VERSION;
        out.write_all(&header).map_err(io_err("write", path))?;
        Ok(ChunksWriter {
            path: path.to_path_buf(),
            out,
            pos: HEADER,
            seen: HashMap::new(),
            seen_bytes: 0,
            deduplicated: 0,
        })
    }

    /// Writes a column and returns its reference (byte offset).
    pub(crate) fn write(&mut self, column: &[u8]) -> Result<u64> {
        let crc = crc32c::crc32c(column);
        self.put(column, crc)
    }

    /// Writes a timestamp column, or returns the reference of an identical one written before.
    pub(crate) fn write_dedup(&mut self, column: &[u8]) -> Result<u64> {
        let crc = crc32c::crc32c(column);
        let key = (u64::from(crc) << 32) | column.len() as u64;
        if let Some(found) = self
            .seen
            .get(&key)
            .and_then(|v| v.iter().find(|(_, b)| **b == *column))
        {
            self.deduplicated += 1;
            return Ok(found.0);
        }
        let r = self.put(column, crc)?;
        if self.seen_bytes + column.len() <= DEDUPE_BUDGET {
            self.seen_bytes += column.len();
            self.seen.entry(key).or_default().push((r, column.into()));
        }
        Ok(r)
    }

    fn put(&mut self, column: &[u8], crc: u32) -> Result<u64> {
        let len = u32::try_from(column.len()).map_err(|_| Error::Corrupted {
            path: self.path.clone(),
            offset: self.pos,
            detail: "column larger than 4 GiB".into(),
        })?;
        let r = self.pos;
        let w = &mut self.out;
        let res = w
            .write_all(&len.to_le_bytes())
            .and_then(|()| w.write_all(column))
            .and_then(|()| w.write_all(&crc.to_le_bytes()));
        res.map_err(io_err("write", &self.path))?;
        self.pos += 8 + column.len() as u64;
        Ok(r)
    }

    /// Flushes and fsyncs; returns the file size.
    pub(crate) fn finish(self) -> Result<u64> {
        let file = self.out.into_inner().map_err(|e| Error::Io {
            op: "flush",
            path: self.path.clone(),
            source: e.into_error(),
        })?;
        file.sync_all().map_err(io_err("fsync", &self.path))?;
        Ok(self.pos)
    }
}

/// Reads columns from a memory-mapped column file.
#[derive(Debug)]
pub(crate) struct ChunksReader {
    path: PathBuf,
    map: Mmap,
}

impl ChunksReader {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let map = super::map_file(path)?;
        if map.len() < HEADER as usize {
            return Err(Error::Corrupted {
                path: path.into(),
                offset: 0,
                detail: "file too short".into(),
            });
        }
        let magic = u32::from_le_bytes([map[0], map[1], map[2], map[3]]);
        if magic != MAGIC {
            return Err(Error::BadMagic {
                path: path.into(),
                kind: "block chunks",
                expected: MAGIC,
                found: magic,
            });
        }
        if map[4] != VERSION {
            return Err(Error::UnsupportedVersion {
                path: path.into(),
                version: map[4],
            });
        }
        Ok(ChunksReader {
            path: path.to_path_buf(),
            map,
        })
    }

    /// The column at `r`, after checking its checksum.
    pub(crate) fn column(&self, r: u64) -> Result<&[u8]> {
        let corrupt = |detail: &str| Error::Corrupted {
            path: self.path.clone(),
            offset: r,
            detail: detail.to_string(),
        };
        let start = usize::try_from(r).map_err(|_| corrupt("reference out of range"))?;
        let len_bytes = self
            .map
            .get(start..start + 4)
            .ok_or_else(|| corrupt("reference past end"))?;
        let len =
            u32::from_le_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]) as usize;
        let body = self
            .map
            .get(start + 4..start + 4 + len)
            .ok_or_else(|| corrupt("column runs past end of file"))?;
        let crc = self
            .map
            .get(start + 4 + len..start + 8 + len)
            .ok_or_else(|| corrupt("missing checksum"))?;
        let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
        let computed = crc32c::crc32c(body);
        if stored != computed {
            return Err(Error::ChecksumMismatch {
                path: self.path.clone(),
                section: "column",
                stored,
                computed,
            });
        }
        Ok(body)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_round_trip_and_timestamps_dedupe() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("chunks");
        let mut w = ChunksWriter::create(&path).expect("create");
        let a = w.write_dedup(b"timestamps").expect("write");
        let b = w.write(b"values").expect("write");
        let c = w.write_dedup(b"timestamps").expect("write");
        assert_eq!(a, c);
        assert_eq!(w.deduplicated, 1);
        w.finish().expect("finish");
        let r = ChunksReader::open(&path).expect("open");
        assert_eq!(r.column(a).expect("read"), b"timestamps");
        assert_eq!(r.column(b).expect("read"), b"values");
        assert!(r.column(1 << 40).is_err());
        assert!(r.column(b + 1).is_err());
    }
}
