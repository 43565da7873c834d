//! Writes an index file from series already sorted by labels.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use model::Labels;
use roaring::RoaringBitmap;

use super::{ChunkEntry, HEADER, MAGIC, VERSION};
use crate::error::{Result, io_err};
use codec::fields::Writer;

/// Writes `series` (sorted by labels, each with its chunks in time order) to `path`, fsynced.
/// Returns the file size.
pub(crate) fn write_index(path: &Path, series: &[(Labels, Vec<ChunkEntry>)]) -> Result<u64> {
    debug_assert!(
        series.windows(2).all(|w| w[0].0 < w[1].0),
        "series not sorted"
    );
    let mut w = Writer::default();
    w.u32(MAGIC);
    w.u8(VERSION);
    w.buf.extend_from_slice(&[0; 3]);
    debug_assert_eq!(w.buf.len(), HEADER);

    // Symbols: every distinct string, sorted; a symbol's id is its rank.
    let symbols: BTreeSet<&Arc<str>> = series
        .iter()
        .flat_map(|(l, _)| l.iter().flat_map(|l| [&l.name, &l.value]))
        .collect();
    let symbols: Vec<&str> = symbols.into_iter().map(|s| &**s).collect();
    let sym_id = |s: &str| symbols.binary_search(&s).unwrap_or_default() as u32;
    let symbols_off = w.buf.len() as u64;
    w.u32(symbols.len() as u32);
    let offsets_at = w.buf.len();
    w.buf.resize(offsets_at + 4 * symbols.len(), 0);
    for (i, s) in symbols.iter().enumerate() {
        let rel = (w.buf.len() as u64 - symbols_off) as u32;
        w.buf[offsets_at + 4 * i..offsets_at + 4 * i + 4].copy_from_slice(&rel.to_le_bytes());
        w.str(s);
    }

    // Series entries, and the postings they contribute to.
    let mut postings: BTreeMap<(u32, u32), RoaringBitmap> = BTreeMap::new();
    let mut series_offsets = Vec::with_capacity(series.len());
    for (id, (labels, chunks)) in series.iter().enumerate() {
        series_offsets.push(w.buf.len() as u64);
        w.uvarint(labels.len() as u64);
        for l in labels {
            let (n, v) = (sym_id(&l.name), sym_id(&l.value));
            w.uvarint(u64::from(n));
            w.uvarint(u64::from(v));
            postings.entry((n, v)).or_default().insert(id as u32);
        }
        w.uvarint(chunks.len() as u64);
        let mut prev_maxt = 0i64;
        for (i, c) in chunks.iter().enumerate() {
            w.varint(if i == 0 {
                c.mint
            } else {
                c.mint.wrapping_sub(prev_maxt)
            });
            w.uvarint(c.maxt.wrapping_sub(c.mint) as u64);
            w.uvarint(c.ts_ref);
            w.uvarint(c.val_ref);
            prev_maxt = c.maxt;
        }
    }
    let series_table_off = w.buf.len() as u64;
    w.u32(series.len() as u32);
    for off in series_offsets {
        w.u64(off);
    }

    // Postings, then the label table pointing at them. Sorting (name id, value id) sorts by
    // (name, value) because ids follow string order.
    let mut table: BTreeMap<u32, Vec<(u32, u64, u32)>> = BTreeMap::new();
    let mut buf = Vec::new();
    for ((n, v), bm) in &postings {
        buf.clear();
        bm.serialize_into(&mut buf)
            .map_err(io_err("serialize postings", path))?;
        table
            .entry(*n)
            .or_default()
            .push((*v, w.buf.len() as u64, buf.len() as u32));
        w.buf.extend_from_slice(&buf);
    }
    let labels_off = w.buf.len() as u64;
    w.u32(table.len() as u32);
    for (name, values) in &table {
        w.u32(*name);
        w.u32(values.len() as u32);
        for &(v, off, len) in values {
            w.u32(v);
            w.u64(off);
            w.u32(len);
        }
    }

    // Table of contents, checksum over everything before it, trailing magic.
    w.u64(symbols_off);
    w.u64(series_table_off);
    w.u64(labels_off);
    let crc = crc32c::crc32c(&w.buf);
    w.u32(crc);
    w.u32(MAGIC);

    let mut file = File::create(path).map_err(io_err("create", path))?;
    file.write_all(&w.buf).map_err(io_err("write", path))?;
    file.sync_all().map_err(io_err("fsync", path))?;
    Ok(w.buf.len() as u64)
}
