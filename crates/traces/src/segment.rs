//! Segments: immutable files holding the spans of flushed traces of one time window, with
//! their indexes. Written by [`build`], read through [`Segment`] (memory-mapped; the small
//! sections are decoded into memory at open, span blocks are decompressed on demand).
//!
//! Rows are ordered by trace start (then trace id), and the spans of a trace by start, so
//! the newest traces are the last rows: searches walk candidate rows backwards and stop
//! once they have enough traces. Layout: `docs/format/spans.md`.

pub(crate) mod block;
pub(crate) mod bloom;
pub(crate) mod build;
pub(crate) mod check;
pub(crate) mod dict;
pub(crate) mod format;
pub(crate) mod index;
pub(crate) mod read;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::Mmap;
use model::trace::{Resource, Scope, TraceId};

use self::block::decode::BlockData;
use self::bloom::Bloom;
use self::dict::Dict;
use self::format::{
    BlockEntry, Footer, HEADER_LEN, MAGIC, Meta, Section, SectionRef, TAIL_LEN, VERSION, get_blob,
};
use self::index::IndexReader;
use crate::catalog::Catalog;
use crate::error::{Error, Result, io_err};
use crate::head::Origin;
use crate::value::get_attrs;
use codec::fields::Reader;

/// Whether a stored checksum matches. Fuzzing builds accept any, so mutated inputs reach
/// the decoders behind the checksums.
fn crc_matches(stored: u32, computed: u32) -> bool {
    cfg!(fuzzing) || stored == computed
}

/// Every how many sorted ids a fence is kept in memory.
const FENCE_EVERY: usize = 64;

/// An open segment.
#[derive(Debug)]
pub(crate) struct Segment {
    pub(crate) path: PathBuf,
    pub(crate) meta: Meta,
    pub(crate) size: u64,
    map: Mmap,
    pub(crate) blocks: Vec<BlockEntry>,
    sections: [SectionRef; format::SECTIONS],
    pub(crate) dict: Dict,
    pub(crate) origins: Vec<Arc<Origin>>,
    pub(crate) catalog: Catalog,
    pub(crate) index: IndexReader,
    bloom: Bloom,
    /// Every `FENCE_EVERY`th sorted trace id.
    fences: Vec<TraceId>,
}

impl Segment {
    /// Opens and verifies a segment: magic, version, footer and section checksums, and the
    /// consistency of the block directory. Block checksums are verified when a block is read.
    pub(crate) fn open(path: &Path) -> Result<Segment> {
        let file = File::open(path).map_err(io_err("open", path))?;
        // SAFETY: segment files are complete and fsynced before they are renamed into place,
        // and nothing writes to them afterwards; deleting one unlinks it, which leaves
        // existing mappings valid. The data directory lock keeps other otelstore processes
        // out; a foreign process truncating the file would break this, as with any mmap.
        #[allow(unsafe_code)]
        let map = unsafe { Mmap::map(&file) }.map_err(io_err("mmap", path))?;
        Self::from_map(path, map)
    }

    fn from_map(path: &Path, map: Mmap) -> Result<Segment> {
        let corrupt = |offset: u64, detail: String| Error::Corrupted {
            path: path.to_owned(),
            offset,
            detail,
        };
        let len = map.len();
        if len < HEADER_LEN + TAIL_LEN {
            return Err(corrupt(0, format!("file of {len} bytes is too short")));
        }
        let magic = u32::from_le_bytes([map[0], map[1], map[2], map[3]]);
        if magic != MAGIC {
            return Err(Error::BadMagic {
                path: path.to_owned(),
                kind: "segment",
                expected: MAGIC,
                found: magic,
            });
        }
        if map[4] != VERSION || map[5..8] != [0, 0, 0] {
            return Err(Error::UnsupportedVersion {
                path: path.to_owned(),
                version: map[4],
            });
        }
        let mut tail = Reader::new(&map[len - TAIL_LEN..]);
        let (flen, fcrc, tmagic) = match (tail.u32(), tail.u32(), tail.u32()) {
            (Ok(a), Ok(b), Ok(c)) => (a as usize, b, c),
            _ => return Err(corrupt((len - TAIL_LEN) as u64, "bad tail".into())),
        };
        if tmagic != MAGIC || flen > len - HEADER_LEN - TAIL_LEN {
            return Err(corrupt(
                (len - TAIL_LEN) as u64,
                "bad tail (truncated file?)".into(),
            ));
        }
        let fstart = len - TAIL_LEN - flen;
        let fbytes = &map[fstart..len - TAIL_LEN];
        let computed = crc32c::crc32c(fbytes);
        if !crc_matches(fcrc, computed) {
            return Err(Error::ChecksumMismatch {
                path: path.to_owned(),
                section: "footer",
                stored: fcrc,
                computed,
            });
        }
        let footer = Footer::decode(fbytes)
            .map_err(|o| corrupt((fstart + o) as u64, "malformed footer".into()))?;
        let body = fstart as u64;
        let section = |s: Section| -> Result<&[u8]> {
            let r = footer.sections[s as usize];
            let end = r
                .offset
                .checked_add(r.len)
                .filter(|&e| e <= body && r.offset >= HEADER_LEN as u64);
            let Some(end) = end else {
                return Err(corrupt(
                    r.offset,
                    format!("{} section out of bounds", s.name()),
                ));
            };
            let bytes = &map[r.offset as usize..end as usize];
            let computed = crc32c::crc32c(bytes);
            if !crc_matches(r.crc, computed) {
                return Err(Error::ChecksumMismatch {
                    path: path.to_owned(),
                    section: s.name(),
                    stored: r.crc,
                    computed,
                });
            }
            Ok(bytes)
        };
        let blob = |s: Section| -> Result<std::borrow::Cow<'_, [u8]>> {
            let off = footer.sections[s as usize].offset;
            get_blob(section(s)?)
                .map_err(|(o, d)| corrupt(off + o as u64, format!("{}: {d}", s.name())))
        };
        let bad = |s: Section| {
            let off = footer.sections[s as usize].offset;
            move |o: usize| corrupt(off + o as u64, format!("malformed {} section", s.name()))
        };
        let dict = Dict::decode(&blob(Section::Strings)?).map_err(bad(Section::Strings))?;
        let origins = decode_origins(&blob(Section::Origins)?).map_err(bad(Section::Origins))?;
        let catalog = Catalog::decode(&mut Reader::new(&blob(Section::Catalog)?))
            .map_err(bad(Section::Catalog))?;
        let postings_len = footer.sections[Section::Postings as usize].len;
        section(Section::Postings)?;
        let index = IndexReader::decode(&blob(Section::Terms)?, postings_len)
            .map_err(bad(Section::Terms))?;
        let bloom =
            Bloom::from_bytes(section(Section::Bloom)?).ok_or_else(|| bad(Section::Bloom)(0))?;
        let ids = section(Section::Ids)?;
        let ords = section(Section::Ordinals)?;
        let n = footer.meta.traces as usize;
        if ids.len() != n.saturating_mul(16) || ords.len() != n.saturating_mul(4) {
            return Err(corrupt(
                0,
                "trace id sections do not match the trace count".into(),
            ));
        }
        let fences = ids
            .chunks_exact(16)
            .step_by(FENCE_EVERY)
            .filter_map(TraceId::from_slice)
            .collect();
        check_blocks(&footer, body, &corrupt)?;
        if origins.is_empty() && footer.meta.spans > 0 {
            return Err(corrupt(0, "spans without origins".into()));
        }
        Ok(Segment {
            path: path.to_owned(),
            meta: footer.meta,
            size: len as u64,
            blocks: footer.blocks,
            sections: footer.sections,
            dict,
            origins,
            catalog,
            index,
            bloom,
            fences,
            map,
        })
    }

    /// Ordinal (row-order index) of a trace, if this segment holds it.
    pub(crate) fn find(&self, id: &TraceId) -> Option<u32> {
        if !self.bloom.may_contain(id) {
            return None;
        }
        let ids = self.section_bytes(Section::Ids);
        let n = ids.len() / 16;
        // Fences narrow the search to FENCE_EVERY ids.
        let f = self.fences.partition_point(|x| x <= id);
        if f == 0 {
            return None;
        }
        let lo = (f - 1) * FENCE_EVERY;
        let hi = (lo + FENCE_EVERY).min(n);
        let at = |i: usize| &ids[i * 16..i * 16 + 16];
        let (mut a, mut b) = (lo, hi);
        while a < b {
            let mid = (a + b) / 2;
            match at(mid).cmp(&id.0[..]) {
                std::cmp::Ordering::Less => a = mid + 1,
                std::cmp::Ordering::Greater => b = mid,
                std::cmp::Ordering::Equal => {
                    let o = &self.section_bytes(Section::Ordinals)[mid * 4..mid * 4 + 4];
                    return Some(u32::from_le_bytes([o[0], o[1], o[2], o[3]]));
                }
            }
        }
        None
    }

    fn section_bytes(&self, s: Section) -> &[u8] {
        let r = self.sections[s as usize];
        // Bounds were checked at open.
        &self.map[r.offset as usize..(r.offset + r.len) as usize]
    }

    /// A posting list, or `None` if it does not deserialise.
    pub(crate) fn posting(&self, off: u64, len: u64) -> Option<roaring::RoaringBitmap> {
        let p = self.section_bytes(Section::Postings);
        let b = p.get(off as usize..off.checked_add(len)? as usize)?;
        roaring::RoaringBitmap::deserialize_from(b).ok()
    }

    /// Index of the block holding trace ordinal `t`.
    pub(crate) fn block_of_trace(&self, t: u32) -> usize {
        self.blocks
            .partition_point(|b| b.first_trace + b.traces <= t)
            .min(self.blocks.len().saturating_sub(1))
    }

    /// Index of the block holding row `r`.
    pub(crate) fn block_of_row(&self, r: u32) -> usize {
        self.blocks
            .partition_point(|b| b.first_row + b.rows <= r)
            .min(self.blocks.len().saturating_sub(1))
    }

    /// Opens block `i`, verifying its checksum.
    pub(crate) fn block(&self, i: usize) -> Result<BlockData<'_>> {
        let e = self.blocks[i];
        // Bounds were checked at open.
        let payload = &self.map[e.offset as usize..e.offset as usize + e.len as usize];
        let computed = crc32c::crc32c(payload);
        if !crc_matches(e.crc, computed) {
            return Err(Error::ChecksumMismatch {
                path: self.path.clone(),
                section: "block",
                stored: e.crc,
                computed,
            });
        }
        BlockData::new(payload, e).map_err(|b| self.corrupt(i, b))
    }

    /// An error for a block's bad column data.
    pub(crate) fn corrupt(&self, block: usize, (offset, detail): (usize, &'static str)) -> Error {
        Error::Corrupted {
            path: self.path.clone(),
            offset: self.blocks.get(block).map_or(0, |b| b.offset) + offset as u64,
            detail: format!("block {block}: {detail}"),
        }
    }

    /// Whether the segment may hold spans starting in `[start, end]`.
    pub(crate) fn overlaps(&self, start: u64, end: u64) -> bool {
        self.meta.min_start <= end && self.meta.max_start >= start
    }
}

/// The block directory must tile rows and traces in order and lie inside the body.
fn check_blocks(footer: &Footer, body: u64, corrupt: &dyn Fn(u64, String) -> Error) -> Result<()> {
    let (mut row, mut trace) = (0u64, 0u64);
    for (i, b) in footer.blocks.iter().enumerate() {
        let end = b.offset.checked_add(u64::from(b.len));
        if b.offset < HEADER_LEN as u64 || end.is_none_or(|e| e > body) {
            return Err(corrupt(b.offset, format!("block {i} out of bounds")));
        }
        if u64::from(b.first_row) != row || u64::from(b.first_trace) != trace || b.traces == 0 {
            return Err(corrupt(b.offset, format!("block {i} out of sequence")));
        }
        row += u64::from(b.rows);
        trace += u64::from(b.traces);
    }
    if row != footer.meta.spans || trace != footer.meta.traces || row > u64::from(u32::MAX) {
        return Err(corrupt(
            0,
            "block directory does not match the counts".into(),
        ));
    }
    Ok(())
}

fn decode_origins(buf: &[u8]) -> Result<Vec<Arc<Origin>>, usize> {
    let mut r = Reader::new(buf);
    let n = r.count()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let resource = Resource {
            attributes: get_attrs(&mut r, None)?,
            dropped_attributes_count: r.u32v()?,
        };
        let resource_schema = r.str()?.to_owned();
        let scope = Scope {
            name: r.str()?.to_owned(),
            version: r.str()?.to_owned(),
            attributes: get_attrs(&mut r, None)?,
            dropped_attributes_count: r.u32v()?,
        };
        let scope_schema = r.str()?.to_owned();
        out.push(Arc::new(Origin::new(
            resource,
            resource_schema,
            scope,
            scope_schema,
        )));
    }
    if !r.is_empty() {
        return Err(r.pos());
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
