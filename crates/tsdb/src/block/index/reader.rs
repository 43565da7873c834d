//! Reads an index file through a memory map; the label table is parsed at open, everything
//! else is read on demand.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::Mmap;
use model::{Label, Labels};
use roaring::RoaringBitmap;

use super::{ChunkEntry, HEADER, MAGIC, TOC, VERSION};
use crate::error::{Error, Result};
use crate::postings::PostingsSource;
use codec::fields::Reader;

/// Where one label value's postings are.
#[derive(Debug, Clone, Copy)]
struct PostingsRef {
    value: u32,
    off: u64,
    len: u32,
}

/// An open index file.
#[derive(Debug)]
pub(crate) struct IndexReader {
    path: PathBuf,
    map: Mmap,
    symbols_off: usize,
    num_symbols: usize,
    series_table_off: usize,
    num_series: u32,
    /// Label name -> its values' postings, sorted by value.
    labels: HashMap<Arc<str>, Vec<PostingsRef>>,
}

impl IndexReader {
    /// Opens and verifies the whole file's checksum.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let map = crate::block::map_file(path)?;
        let corrupt = |offset: usize, detail: &str| Error::Corrupted {
            path: path.to_path_buf(),
            offset: offset as u64,
            detail: detail.to_string(),
        };
        if map.len() < HEADER + TOC {
            return Err(corrupt(0, "index file too short"));
        }
        let magic = u32::from_le_bytes([map[0], map[1], map[2], map[3]]);
        let tail = map.len() - 4;
        let trailer = u32::from_le_bytes([map[tail], map[tail + 1], map[tail + 2], map[tail + 3]]);
        if magic != MAGIC || trailer != MAGIC {
            let found = if magic != MAGIC { magic } else { trailer };
            return Err(Error::BadMagic {
                path: path.into(),
                kind: "block index",
                expected: MAGIC,
                found,
            });
        }
        if map[4] != VERSION {
            return Err(Error::UnsupportedVersion {
                path: path.into(),
                version: map[4],
            });
        }
        let crc_at = map.len() - 8;
        let stored = u32::from_le_bytes([
            map[crc_at],
            map[crc_at + 1],
            map[crc_at + 2],
            map[crc_at + 3],
        ]);
        let computed = crc32c::crc32c(&map[..crc_at]);
        if stored != computed {
            return Err(Error::ChecksumMismatch {
                path: path.into(),
                section: "index",
                stored,
                computed,
            });
        }
        let mut toc = Reader::at(&map, map.len() - TOC);
        let bad = |o| corrupt(o, "bad table of contents");
        let symbols_off = usize::try_from(toc.u64().map_err(bad)?).map_err(|_| bad(0))?;
        let series_table_off = usize::try_from(toc.u64().map_err(bad)?).map_err(|_| bad(0))?;
        let labels_off = usize::try_from(toc.u64().map_err(bad)?).map_err(|_| bad(0))?;
        let end = map.len() - TOC;
        if symbols_off > end || series_table_off > end || labels_off > end {
            return Err(corrupt(end, "table of contents points past its end"));
        }
        let num_symbols = Reader::at(&map, symbols_off).u32().map_err(bad)? as usize;
        let num_series = Reader::at(&map, series_table_off).u32().map_err(bad)?;
        let mut ix = IndexReader {
            path: path.to_path_buf(),
            labels: HashMap::new(),
            map,
            symbols_off,
            num_symbols,
            series_table_off,
            num_series,
        };
        ix.labels = ix.read_label_table(labels_off)?;
        Ok(ix)
    }

    fn corrupt(&self, offset: usize, detail: &str) -> Error {
        Error::Corrupted {
            path: self.path.clone(),
            offset: offset as u64,
            detail: detail.to_string(),
        }
    }

    fn read_label_table(&self, off: usize) -> Result<HashMap<Arc<str>, Vec<PostingsRef>>> {
        let mut r = Reader::at(&self.map, off);
        let bad = |o| self.corrupt(o, "bad label table");
        let names = r.u32().map_err(bad)?;
        let mut out = HashMap::with_capacity(names.min(1 << 16) as usize);
        for _ in 0..names {
            let name = self.symbol(r.u32().map_err(bad)?)?;
            let n = r.u32().map_err(bad)?;
            let mut values = Vec::with_capacity(n.min(1 << 16) as usize);
            for _ in 0..n {
                let value = r.u32().map_err(bad)?;
                let off = r.u64().map_err(bad)?;
                let len = r.u32().map_err(bad)?;
                values.push(PostingsRef { value, off, len });
            }
            out.insert(Arc::from(name), values);
        }
        Ok(out)
    }

    /// The string of symbol `id`.
    pub(crate) fn symbol(&self, id: u32) -> Result<&str> {
        let id = id as usize;
        if id >= self.num_symbols {
            return Err(self.corrupt(self.symbols_off, "symbol id out of range"));
        }
        let at = self.symbols_off + 4 + 4 * id;
        let rel = Reader::at(&self.map, at)
            .u32()
            .map_err(|o| self.corrupt(o, "bad symbol table"))?;
        Reader::at(&self.map, self.symbols_off + rel as usize)
            .str()
            .map_err(|o| self.corrupt(o, "bad symbol"))
    }

    pub(crate) fn num_series(&self) -> u32 {
        self.num_series
    }

    /// Labels and chunks of series `id`.
    pub(crate) fn series(&self, id: u32) -> Result<(Labels, Vec<ChunkEntry>)> {
        if id >= self.num_series {
            return Err(self.corrupt(self.series_table_off, "series id out of range"));
        }
        let bad = |o| self.corrupt(o, "bad series entry");
        let off = Reader::at(&self.map, self.series_table_off + 4 + 8 * id as usize)
            .u64()
            .map_err(bad)?;
        let mut r = Reader::at(&self.map, usize::try_from(off).map_err(|_| bad(0))?);
        let n = r.uvarint().map_err(bad)?;
        let mut pairs = Vec::with_capacity(n.min(64) as usize);
        for _ in 0..n {
            let name = self.symbol(r.uvarint().map_err(bad)? as u32)?;
            let value = self.symbol(r.uvarint().map_err(bad)? as u32)?;
            pairs.push(Label::new(name, value));
        }
        let labels = Labels::new(pairs).map_err(|e| self.corrupt(r.pos(), &e.to_string()))?;
        let n = r.uvarint().map_err(bad)?;
        let mut chunks = Vec::with_capacity(n.min(1024) as usize);
        let mut prev_maxt = 0i64;
        for i in 0..n {
            let d = r.varint().map_err(bad)?;
            let mint = if i == 0 { d } else { prev_maxt.wrapping_add(d) };
            let maxt = mint.wrapping_add(r.uvarint().map_err(bad)? as i64);
            let ts_ref = r.uvarint().map_err(bad)?;
            let val_ref = r.uvarint().map_err(bad)?;
            chunks.push(ChunkEntry {
                mint,
                maxt,
                ts_ref,
                val_ref,
            });
            prev_maxt = maxt;
        }
        Ok((labels, chunks))
    }

    /// Sorted label names.
    pub(crate) fn label_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.labels.keys().map(|k| k.to_string()).collect();
        names.sort_unstable();
        names
    }

    /// Sorted values of `name`.
    pub(crate) fn label_values(&self, name: &str) -> Result<Vec<String>> {
        let Some(values) = self.labels.get(name) else {
            return Ok(Vec::new());
        };
        values
            .iter()
            .map(|p| self.symbol(p.value).map(str::to_string))
            .collect()
    }

    fn read_postings(&self, p: &PostingsRef) -> Result<RoaringBitmap> {
        let start = usize::try_from(p.off).map_err(|_| self.corrupt(0, "postings offset"))?;
        let bytes = self
            .map
            .get(start..start + p.len as usize)
            .ok_or_else(|| self.corrupt(start, "postings past end of file"))?;
        RoaringBitmap::deserialize_from(bytes)
            .map_err(|e| self.corrupt(start, &format!("postings: {e}")))
    }
}

impl PostingsSource for IndexReader {
    fn postings(&self, name: &str, value: &str) -> Result<RoaringBitmap> {
        let Some(values) = self.labels.get(name) else {
            return Ok(RoaringBitmap::new());
        };
        let mut err = None;
        let found = values.binary_search_by(|p| match self.symbol(p.value) {
            Ok(s) => s.cmp(value),
            Err(e) => {
                err = Some(e);
                std::cmp::Ordering::Equal
            }
        });
        if let Some(e) = err {
            return Err(e);
        }
        match found {
            Ok(i) => self.read_postings(&values[i]),
            Err(_) => Ok(RoaringBitmap::new()),
        }
    }

    fn union_matching(
        &self,
        name: &str,
        prefix: &str,
        pred: &dyn Fn(&str) -> bool,
    ) -> Result<RoaringBitmap> {
        let mut out = RoaringBitmap::new();
        let Some(values) = self.labels.get(name) else {
            return Ok(out);
        };
        // Values are sorted, so those with the prefix form one run.
        let mut start = 0;
        if !prefix.is_empty() {
            let (mut lo, mut hi) = (0, values.len());
            while lo < hi {
                let mid = (lo + hi) / 2;
                if self.symbol(values[mid].value)? < prefix {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            start = lo;
        }
        for p in &values[start..] {
            let v = self.symbol(p.value)?;
            if !v.starts_with(prefix) {
                break;
            }
            if pred(v) {
                out |= self.read_postings(p)?;
            }
        }
        Ok(out)
    }

    fn all(&self) -> Result<RoaringBitmap> {
        let mut bm = RoaringBitmap::new();
        bm.insert_range(0..self.num_series);
        Ok(bm)
    }
}
