//! Writing a segment from flushed head traces: two passes over the spans (cardinalities,
//! strings and catalog; then blocks and postings), then the sections and the footer, into a
//! temporary file that is fsynced and renamed into place.

use crate::{FastMap, FastSet};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use model::trace::TraceId;
use roaring::RoaringBitmap;

use super::block::encode::{BlockEncoder, Ctx, TraceIn};
use super::bloom::Bloom;
use super::dict::DictBuilder;
use super::format::{
    BlockEntry, Footer, HEADER_LEN, MAGIC, Meta, SECTIONS, Section, SectionRef, VERSION, put_blob,
};
use super::index::{FieldKey, IndexBuilder};
use crate::catalog::{Catalog, ValueSet};
use crate::error::{Result, io_err};
use crate::filenames::TMP_SUFFIX;
use crate::head::read::for_each_edge;
use crate::head::{HeadSpan, Origin};
use crate::query::TagScope;
use crate::value::put_attrs;
use codec::fields::Writer;

/// Settings the builder takes from [`crate::Options`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct BuildOptions {
    pub(crate) block_spans: usize,
    pub(crate) index_max_values: usize,
    pub(crate) tag_values_cap: usize,
    pub(crate) zstd_level: i32,
}

/// A trace to write: spans deduplicated by id and sorted by start.
pub(crate) struct BuildTrace<'a> {
    pub(crate) id: TraceId,
    pub(crate) start: u64,
    pub(crate) spans: Vec<&'a HeadSpan>,
}

impl<'a> BuildTrace<'a> {
    pub(crate) fn new(id: TraceId, spans: &'a [HeadSpan]) -> BuildTrace<'a> {
        let mut spans: Vec<&HeadSpan> = spans.iter().collect();
        let mut seen = FastSet::with_capacity_and_hasher(spans.len(), Default::default());
        spans.retain(|s| seen.insert(s.span.span_id));
        spans.sort_by_key(|s| s.span.start_time_unix_nano);
        let start = spans.first().map_or(0, |s| s.span.start_time_unix_nano);
        BuildTrace { id, start, spans }
    }
}

/// Writes `traces` (any order) as segment file `path`; returns its size.
pub(crate) fn write_segment(
    path: &Path,
    mut traces: Vec<BuildTrace<'_>>,
    window_start: u64,
    seq: u64,
    o: BuildOptions,
) -> Result<u64> {
    traces.sort_by_key(|t| (t.start, t.id));
    // Origins, deduplicated by value.
    let mut origins: Vec<Arc<Origin>> = Vec::new();
    let mut by_ptr: FastMap<*const Origin, u32> = FastMap::default();
    let mut by_value: FastMap<Vec<u8>, u32> = FastMap::default();
    let mut origin_ids: Vec<Vec<u32>> = Vec::with_capacity(traces.len());
    for t in &traces {
        let mut ids = Vec::with_capacity(t.spans.len());
        for s in &t.spans {
            let ptr = Arc::as_ptr(&s.origin);
            let id = match by_ptr.get(&ptr) {
                Some(id) => *id,
                None => {
                    let mut w = Writer::default();
                    encode_origin(&mut w, &s.origin);
                    let next = origins.len() as u32;
                    let id = *by_value.entry(w.buf).or_insert(next);
                    if id == next {
                        origins.push(Arc::clone(&s.origin));
                    }
                    by_ptr.insert(ptr, id);
                    id
                }
            };
            ids.push(id);
        }
        origin_ids.push(ids);
    }

    // Pass 1: the catalog (which also gives every field's cardinality), the strings not in
    // it, and service edges. The catalog keeps enough values to decide indexing.
    let cap = o.index_max_values;
    let cat_cap = o.tag_values_cap.max(cap.saturating_add(1));
    let mut dict = DictBuilder::default();
    let mut cat = Catalog::default();
    for origin in &origins {
        dict.add(&origin.service);
        cat.observe_attrs(TagScope::Resource, &origin.resource.attributes, cat_cap);
    }
    for t in &traces {
        for hs in &t.spans {
            let s = &hs.span;
            cat.observe_span(&hs.origin.service, s, cat_cap);
            if !s.status.message.is_empty() {
                dict.add(&s.status.message);
            }
            if !s.trace_state.is_empty() {
                dict.add(&s.trace_state);
            }
            for e in &s.events {
                dict.add(&e.name);
            }
            for l in &s.links {
                dict.add(&l.trace_state);
                l.attributes.iter().for_each(|kv| dict.add(&kv.key));
            }
        }
        for_each_edge(&t.spans, |p, c, start| {
            let key = (start / 60_000_000_000, p.to_owned(), c.to_owned());
            *cat.edges.entry(key).or_default() += 1;
        });
    }
    let mut unindexed: FastSet<FieldKey> = FastSet::default();
    let mut names = ValueSet::default();
    for ops in cat.operations.values() {
        for name in ops.keys() {
            dict.add(name);
            names.add_str(name, cap);
        }
    }
    if names.overflow {
        unindexed.insert(FieldKey::Name);
    }
    let mut dict_keys = FastSet::default();
    for scope in TagScope::ALL {
        for (k, v) in &cat.tags[scope.idx()] {
            dict.add(k);
            if v.overflow || v.len() > cap {
                unindexed.insert(FieldKey::Attr(scope, k.clone()));
            } else if scope == TagScope::Span {
                // Every string value of the key is in the catalog: dictionary-code them.
                v.strs().for_each(|s| dict.add(s));
                dict_keys.insert(k.clone());
            }
        }
    }
    let (dict_bytes, ids) = dict.finish();
    let cx = Ctx {
        dict: &ids,
        dict_keys: &dict_keys,
    };

    // Pass 2: blocks and postings.
    let tmp = PathBuf::from(format!("{}{TMP_SUFFIX}", path.display()));
    let file = File::create(&tmp).map_err(io_err("create", &tmp))?;
    let mut out = Out {
        w: BufWriter::with_capacity(1 << 20, file),
        pos: 0,
        path: &tmp,
    };
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(&MAGIC.to_le_bytes());
    header.extend_from_slice(&[VERSION, 0, 0, 0]);
    out.put(&header)?;
    let mut index = IndexBuilder::new(unindexed);
    let mut origin_rows = vec![RoaringBitmap::new(); origins.len()];
    let mut blocks: Vec<BlockEntry> = Vec::new();
    let mut enc = BlockEncoder::new();
    let (mut row, mut block_first_row, mut block_first_trace) = (0u32, 0u32, 0u32);
    let mut meta = Meta {
        window_start,
        seq,
        min_start: traces.first().map_or(0, |t| t.start),
        max_trace_start: traces.last().map_or(0, |t| t.start),
        traces: traces.len() as u64,
        ..Meta::default()
    };
    for (ti, t) in traces.iter().enumerate() {
        enc.add(
            &TraceIn {
                id: t.id,
                spans: &t.spans,
                origin_ids: &origin_ids[ti],
            },
            &cx,
        );
        for (si, hs) in t.spans.iter().enumerate() {
            let s = &hs.span;
            meta.max_start = meta.max_start.max(s.start_time_unix_nano);
            meta.max_end = meta.max_end.max(s.end_time_unix_nano);
            index.add_name(&s.name, row);
            index.add_kind_status(s.kind as i64, s.status.code as i64, row);
            for kv in &s.attributes {
                index.add_attr(TagScope::Span, &kv.key, &kv.value, row);
            }
            for e in &s.events {
                for kv in &e.attributes {
                    index.add_attr(TagScope::Event, &kv.key, &kv.value, row);
                }
            }
            let _ = origin_rows[origin_ids[ti][si] as usize].try_push(row);
            row += 1;
        }
        if enc.rows() as usize >= o.block_spans || ti + 1 == traces.len() {
            let done = std::mem::replace(&mut enc, BlockEncoder::new());
            let (payload, mut entry) = done.finish(o.zstd_level);
            entry.offset = out.pos;
            entry.len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
            entry.crc = crc32c::crc32c(&payload);
            entry.first_row = block_first_row;
            entry.first_trace = block_first_trace;
            block_first_row += entry.rows;
            block_first_trace += entry.traces;
            out.put(&payload)?;
            blocks.push(entry);
        }
    }
    meta.spans = u64::from(row);
    for (oi, origin) in origins.iter().enumerate() {
        let rows = &origin_rows[oi];
        index.add_service_rows(&origin.service, rows);
        for kv in &origin.resource.attributes {
            index.add_attr_rows(TagScope::Resource, &kv.key, &kv.value, rows);
        }
    }

    // Sections.
    let mut sections = [SectionRef::default(); SECTIONS];
    let lvl = o.zstd_level;
    let blob = |raw: &[u8]| {
        let mut w = Writer::default();
        put_blob(&mut w, raw, lvl);
        w.buf
    };
    sections[Section::Strings as usize] = out.section(&blob(&dict_bytes))?;
    let mut w = Writer::default();
    w.uvarint(origins.len() as u64);
    origins.iter().for_each(|o| encode_origin(&mut w, o));
    sections[Section::Origins as usize] = out.section(&blob(&w.buf))?;
    let mut w = Writer::default();
    cat.encode(&mut w);
    sections[Section::Catalog as usize] = out.section(&blob(&w.buf))?;
    let mut postings = Vec::new();
    let terms = index.finish(&mut postings);
    sections[Section::Terms as usize] = out.section(&blob(&terms))?;
    sections[Section::Postings as usize] = out.section(&postings)?;
    let mut sorted: Vec<(TraceId, u32)> = traces
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id, i as u32))
        .collect();
    sorted.sort_unstable();
    let ids_only: Vec<TraceId> = sorted.iter().map(|x| x.0).collect();
    sections[Section::Bloom as usize] = out.section(&Bloom::build(&ids_only).to_bytes())?;
    let ids: Vec<u8> = sorted.iter().flat_map(|x| x.0.0).collect();
    sections[Section::Ids as usize] = out.section(&ids)?;
    let ords: Vec<u8> = sorted.iter().flat_map(|x| x.1.to_le_bytes()).collect();
    sections[Section::Ordinals as usize] = out.section(&ords)?;

    let footer = Footer {
        meta,
        sections,
        blocks,
    };
    let mut w = Writer::default();
    footer.encode(&mut w);
    let crc = crc32c::crc32c(&w.buf);
    let len = u32::try_from(w.buf.len()).unwrap_or(u32::MAX);
    w.u32(len);
    w.u32(crc);
    w.u32(MAGIC);
    out.put(&w.buf)?;
    let size = out.pos;
    let file = out
        .w
        .into_inner()
        .map_err(|e| io_err("write", &tmp)(e.into_error()))?;
    file.sync_all().map_err(io_err("fsync", &tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(io_err("rename", path))?;
    if let Some(dir) = path.parent() {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err("fsync", dir))?;
    }
    Ok(size)
}

pub(crate) fn encode_origin(w: &mut Writer, o: &Origin) {
    put_attrs(w, &o.resource.attributes);
    w.uvarint(o.resource.dropped_attributes_count.into());
    w.str(&o.resource_schema);
    w.str(&o.scope.name);
    w.str(&o.scope.version);
    put_attrs(w, &o.scope.attributes);
    w.uvarint(o.scope.dropped_attributes_count.into());
    w.str(&o.scope_schema);
}

struct Out<'a> {
    w: BufWriter<File>,
    pos: u64,
    path: &'a Path,
}

impl Out<'_> {
    fn put(&mut self, b: &[u8]) -> Result<()> {
        self.w.write_all(b).map_err(io_err("write", self.path))?;
        self.pos += b.len() as u64;
        Ok(())
    }

    fn section(&mut self, b: &[u8]) -> Result<SectionRef> {
        let r = SectionRef {
            offset: self.pos,
            len: b.len() as u64,
            crc: crc32c::crc32c(b),
        };
        self.put(b)?;
        Ok(r)
    }
}
