//! Segment file framing: header, footer with section table and block directory, and the
//! compressed-blob encoding used by sections and columns. Layout: `docs/format/spans.md`.

use std::borrow::Cow;

use codec::fields::{Reader, Writer};

/// `OTSG` read as a little-endian u32.
pub(crate) const MAGIC: u32 = u32::from_le_bytes(*b"OTSG");
/// Format version written by this build.
pub(crate) const VERSION: u8 = 1;
/// Header: magic u32, version u8, 3 zero bytes.
pub(crate) const HEADER_LEN: usize = 8;
/// Tail: footer length u32, footer CRC32C u32, magic u32.
pub(crate) const TAIL_LEN: usize = 12;
/// Largest decompressed blob accepted (a hostile length must not allocate more).
pub(crate) const MAX_BLOB: usize = 1 << 30;

/// Sections, in the order of the footer's section table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Strings = 0,
    Origins = 1,
    Catalog = 2,
    Terms = 3,
    Postings = 4,
    Bloom = 5,
    Ids = 6,
    Ordinals = 7,
}

pub(crate) const SECTIONS: usize = 8;

impl Section {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Section::Strings => "strings",
            Section::Origins => "origins",
            Section::Catalog => "catalog",
            Section::Terms => "terms",
            Section::Postings => "postings",
            Section::Bloom => "bloom",
            Section::Ids => "trace ids",
            Section::Ordinals => "trace ordinals",
        }
    }
}

/// Where a section lies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SectionRef {
    pub(crate) offset: u64,
    pub(crate) len: u64,
    pub(crate) crc: u32,
}

/// Segment-wide facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Meta {
    /// Earliest span start.
    pub(crate) min_start: u64,
    /// Latest trace start (rows are ordered by trace start).
    pub(crate) max_trace_start: u64,
    /// Latest span start.
    pub(crate) max_start: u64,
    /// Latest span end.
    pub(crate) max_end: u64,
    pub(crate) spans: u64,
    pub(crate) traces: u64,
    /// Start of the time window, ns.
    pub(crate) window_start: u64,
    /// Flush sequence number.
    pub(crate) seq: u64,
}

/// One block of the directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BlockEntry {
    pub(crate) offset: u64,
    pub(crate) len: u32,
    pub(crate) crc: u32,
    pub(crate) first_row: u32,
    pub(crate) rows: u32,
    pub(crate) first_trace: u32,
    pub(crate) traces: u32,
    /// Start of the block's first trace (= earliest span start in the block).
    pub(crate) min_start: u64,
    /// Latest span start in the block.
    pub(crate) max_start: u64,
    /// Shortest and longest span duration (ns; negative durations count as 0).
    pub(crate) min_dur: u64,
    pub(crate) max_dur: u64,
}

/// The footer body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Footer {
    pub(crate) meta: Meta,
    pub(crate) sections: [SectionRef; SECTIONS],
    pub(crate) blocks: Vec<BlockEntry>,
}

/// Fixed size of a [`BlockEntry`] in the footer.
const BLOCK_ENTRY_LEN: usize = 8 + 4 * 6 + 8 * 4;

impl Footer {
    pub(crate) fn encode(&self, w: &mut Writer) {
        let m = &self.meta;
        for v in [
            m.min_start,
            m.max_trace_start,
            m.max_start,
            m.max_end,
            m.spans,
            m.traces,
            m.window_start,
            m.seq,
        ] {
            w.u64(v);
        }
        for s in &self.sections {
            w.u64(s.offset);
            w.u64(s.len);
            w.u32(s.crc);
        }
        w.u32(self.blocks.len() as u32);
        for b in &self.blocks {
            w.u64(b.offset);
            for v in [b.len, b.crc, b.first_row, b.rows, b.first_trace, b.traces] {
                w.u32(v);
            }
            for v in [b.min_start, b.max_start, b.min_dur, b.max_dur] {
                w.u64(v);
            }
        }
    }

    pub(crate) fn decode(buf: &[u8]) -> Result<Footer, usize> {
        let mut r = Reader::new(buf);
        let mut m = [0u64; 8];
        for v in &mut m {
            *v = r.u64()?;
        }
        let meta = Meta {
            min_start: m[0],
            max_trace_start: m[1],
            max_start: m[2],
            max_end: m[3],
            spans: m[4],
            traces: m[5],
            window_start: m[6],
            seq: m[7],
        };
        let mut sections = [SectionRef::default(); SECTIONS];
        for s in &mut sections {
            *s = SectionRef {
                offset: r.u64()?,
                len: r.u64()?,
                crc: r.u32()?,
            };
        }
        let at = r.pos();
        let n = r.u32()? as usize;
        if n.checked_mul(BLOCK_ENTRY_LEN) != Some(r.remaining()) {
            return Err(at);
        }
        let mut blocks = Vec::with_capacity(n);
        for _ in 0..n {
            let offset = r.u64()?;
            let mut v = [0u32; 6];
            for x in &mut v {
                *x = r.u32()?;
            }
            blocks.push(BlockEntry {
                offset,
                len: v[0],
                crc: v[1],
                first_row: v[2],
                rows: v[3],
                first_trace: v[4],
                traces: v[5],
                min_start: r.u64()?,
                max_start: r.u64()?,
                min_dur: r.u64()?,
                max_dur: r.u64()?,
            });
        }
        Ok(Footer {
            meta,
            sections,
            blocks,
        })
    }
}

/// Blob encodings (first byte).
const RAW: u8 = 0;
const ZSTD: u8 = 1;

/// Appends `raw` as a blob: zstd-compressed when that is smaller, else stored.
pub(crate) fn put_blob(w: &mut Writer, raw: &[u8], level: i32) {
    if raw.len() >= 64
        && let Ok(z) = zstd::bulk::compress(raw, level)
        && z.len() + 6 < raw.len()
    {
        w.u8(ZSTD);
        w.uvarint(raw.len() as u64);
        w.raw(&z);
        return;
    }
    w.u8(RAW);
    w.raw(raw);
}

/// Reads a whole blob written by [`put_blob`].
pub(crate) fn get_blob(src: &[u8]) -> Result<Cow<'_, [u8]>, (usize, &'static str)> {
    let mut r = Reader::new(src);
    match r.u8().map_err(|o| (o, "empty blob"))? {
        RAW => Ok(Cow::Borrowed(&src[1..])),
        ZSTD => {
            let n = r.uvarint().map_err(|o| (o, "bad blob length"))?;
            let n = usize::try_from(n)
                .ok()
                .filter(|&n| n <= MAX_BLOB)
                .ok_or((1, "blob too large"))?;
            let rest = &src[r.pos()..];
            let out = zstd::bulk::decompress(rest, n).map_err(|_| (r.pos(), "zstd failed"))?;
            if out.len() != n {
                return Err((r.pos(), "blob length mismatch"));
            }
            Ok(Cow::Owned(out))
        }
        _ => Err((0, "unknown blob encoding")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footer_round_trips_and_rejects_bad_block_counts() {
        let f = Footer {
            meta: Meta {
                min_start: 1,
                max_trace_start: 2,
                max_start: 3,
                max_end: 4,
                spans: 5,
                traces: 6,
                window_start: 7,
                seq: 8,
            },
            sections: [SectionRef {
                offset: 9,
                len: 10,
                crc: 11,
            }; SECTIONS],
            blocks: vec![BlockEntry {
                offset: 1,
                len: 2,
                crc: 3,
                first_row: 4,
                rows: 5,
                first_trace: 6,
                traces: 7,
                min_start: 8,
                max_start: 9,
                min_dur: 10,
                max_dur: 11,
            }],
        };
        let mut w = Writer::default();
        f.encode(&mut w);
        assert_eq!(Footer::decode(&w.buf), Ok(f));
        assert!(Footer::decode(&w.buf[..w.buf.len() - 1]).is_err());
    }

    #[test]
    fn blobs_round_trip_compressed_or_not() {
        for raw in [vec![], vec![1, 2, 3], vec![7u8; 10_000]] {
            let mut w = Writer::default();
            put_blob(&mut w, &raw, 3);
            assert_eq!(get_blob(&w.buf).expect("decodes").as_ref(), raw.as_slice());
        }
        let mut w = Writer::default();
        put_blob(&mut w, &[7u8; 10_000], 3);
        assert!(w.buf.len() < 100);
        w.buf[3] ^= 0xff;
        assert!(get_blob(&w.buf).is_err());
        assert!(get_blob(&[1, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err());
    }
}
