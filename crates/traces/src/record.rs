//! WAL record payloads: a batch of spans grouped by resource and scope.
//!
//! ```text
//! record   = u8 type (1 = spans) | uvarint n_resources | n x resource_group
//! resource_group = attrs | uvarint dropped | str schema_url | uvarint n_scopes | n x scope_group
//! scope_group    = str name | str version | attrs | uvarint dropped | str schema_url
//!                | uvarint n_spans | n x span
//! span     = trace_id [16] | span_id [8] | u8 has_parent | (parent [8])? | str trace_state
//!          | uvarint flags | str name | u8 kind | uvarint start | varint end-start | attrs
//!          | uvarint dropped_attrs | uvarint n_events | n x event | uvarint dropped_events
//!          | uvarint n_links | n x link | uvarint dropped_links | u8 status | str message
//! event    = varint time-start | str name | attrs | uvarint dropped
//! link     = trace_id [16] | span_id [8] | str trace_state | attrs | uvarint dropped
//!          | uvarint flags
//! attrs    = see `value.rs`
//! ```
//! Layout and rationale: `docs/format/spans.md`.

use model::trace::{
    Event, Link, Resource, ResourceSpans, Scope, ScopeSpans, Span, SpanId, SpanKind, Status,
    StatusCode, TraceBatch, TraceId,
};

use crate::error::{Error, Result};
use crate::head::Origin;
use crate::value::{get_attrs, put_attrs};
use codec::fields::{Reader, Writer};

/// Record type of a span batch.
pub(crate) const SPANS: u8 = 1;

/// Encodes a batch as one record.
pub(crate) fn encode(batch: &TraceBatch, w: &mut Writer) {
    w.u8(SPANS);
    w.uvarint(batch.resource_spans.len() as u64);
    for rs in &batch.resource_spans {
        put_attrs(w, &rs.resource.attributes);
        w.uvarint(u64::from(rs.resource.dropped_attributes_count));
        w.str(&rs.schema_url);
        w.uvarint(rs.scope_spans.len() as u64);
        for ss in &rs.scope_spans {
            w.str(&ss.scope.name);
            w.str(&ss.scope.version);
            put_attrs(w, &ss.scope.attributes);
            w.uvarint(u64::from(ss.scope.dropped_attributes_count));
            w.str(&ss.schema_url);
            w.uvarint(ss.spans.len() as u64);
            for s in &ss.spans {
                put_span(w, s);
            }
        }
    }
}

/// Encodes spans given by reference under their origins as one record: each origin becomes
/// a resource group with a single scope group (used for checkpoints, without copying spans).
pub(crate) fn encode_origins(groups: &[(&Origin, Vec<&Span>)], w: &mut Writer) {
    w.u8(SPANS);
    w.uvarint(groups.len() as u64);
    for (o, spans) in groups {
        put_attrs(w, &o.resource.attributes);
        w.uvarint(u64::from(o.resource.dropped_attributes_count));
        w.str(&o.resource_schema);
        w.uvarint(1);
        w.str(&o.scope.name);
        w.str(&o.scope.version);
        put_attrs(w, &o.scope.attributes);
        w.uvarint(u64::from(o.scope.dropped_attributes_count));
        w.str(&o.scope_schema);
        w.uvarint(spans.len() as u64);
        for s in spans {
            put_span(w, s);
        }
    }
}

pub(crate) fn put_span(w: &mut Writer, s: &Span) {
    w.raw(&s.trace_id.0);
    w.raw(&s.span_id.0);
    match s.parent_span_id {
        Some(p) => {
            w.u8(1);
            w.raw(&p.0);
        }
        None => w.u8(0),
    }
    w.str(&s.trace_state);
    w.uvarint(u64::from(s.flags));
    w.str(&s.name);
    w.u8(s.kind as u8);
    w.uvarint(s.start_time_unix_nano);
    w.varint(s.end_time_unix_nano.wrapping_sub(s.start_time_unix_nano) as i64);
    put_attrs(w, &s.attributes);
    w.uvarint(u64::from(s.dropped_attributes_count));
    w.uvarint(s.events.len() as u64);
    for e in &s.events {
        w.varint(e.time_unix_nano.wrapping_sub(s.start_time_unix_nano) as i64);
        w.str(&e.name);
        put_attrs(w, &e.attributes);
        w.uvarint(u64::from(e.dropped_attributes_count));
    }
    w.uvarint(u64::from(s.dropped_events_count));
    w.uvarint(s.links.len() as u64);
    for l in &s.links {
        w.raw(&l.trace_id.0);
        w.raw(&l.span_id.0);
        w.str(&l.trace_state);
        put_attrs(w, &l.attributes);
        w.uvarint(u64::from(l.dropped_attributes_count));
        w.uvarint(u64::from(l.flags));
    }
    w.uvarint(u64::from(s.dropped_links_count));
    w.u8(s.status.code as u8);
    w.str(&s.status.message);
}

/// Decodes a record written by [`encode`].
pub(crate) fn decode(rec: &[u8]) -> Result<TraceBatch> {
    let mut r = Reader::new(rec);
    let bad = |offset: usize| Error::BadRecord {
        offset,
        detail: "malformed span record",
    };
    match r.u8().map_err(bad)? {
        SPANS => {}
        _ => {
            return Err(Error::BadRecord {
                offset: 0,
                detail: "unknown record type",
            });
        }
    }
    let batch = decode_batch(&mut r).map_err(bad)?;
    if !r.is_empty() {
        return Err(bad(r.pos()));
    }
    Ok(batch)
}

fn u32v(r: &mut Reader<'_>) -> Result<u32, usize> {
    r.u32v()
}

fn decode_batch(r: &mut Reader<'_>) -> Result<TraceBatch, usize> {
    let n = r.count()?;
    let mut batch = TraceBatch {
        resource_spans: Vec::with_capacity(n),
    };
    for _ in 0..n {
        let attributes = get_attrs(r, None)?;
        let resource = Resource {
            attributes,
            dropped_attributes_count: u32v(r)?,
        };
        let schema_url = r.str()?.to_owned();
        let n_scopes = r.count()?;
        let mut scope_spans = Vec::with_capacity(n_scopes);
        for _ in 0..n_scopes {
            let scope = Scope {
                name: r.str()?.to_owned(),
                version: r.str()?.to_owned(),
                attributes: get_attrs(r, None)?,
                dropped_attributes_count: u32v(r)?,
            };
            let schema_url = r.str()?.to_owned();
            let n_spans = r.count()?;
            let mut spans = Vec::with_capacity(n_spans);
            for _ in 0..n_spans {
                spans.push(get_span(r)?);
            }
            scope_spans.push(ScopeSpans {
                scope,
                schema_url,
                spans,
            });
        }
        batch.resource_spans.push(ResourceSpans {
            resource,
            schema_url,
            scope_spans,
        });
    }
    Ok(batch)
}

pub(crate) fn get_span(r: &mut Reader<'_>) -> Result<Span, usize> {
    let trace_id = TraceId(r.array()?);
    let span_id = SpanId(r.array()?);
    let at = r.pos();
    let parent_span_id = match r.u8()? {
        0 => None,
        1 => Some(SpanId(r.array()?)),
        _ => return Err(at),
    };
    let trace_state = r.str()?.to_owned();
    let flags = u32v(r)?;
    let name = r.str()?.to_owned();
    let at = r.pos();
    let kind = SpanKind::from_u8(r.u8()?).ok_or(at)?;
    let start = r.uvarint()?;
    let end = start.wrapping_add(r.varint()? as u64);
    let attributes = get_attrs(r, None)?;
    let dropped_attributes_count = u32v(r)?;
    let n_events = r.count()?;
    let mut events = Vec::with_capacity(n_events);
    for _ in 0..n_events {
        events.push(Event {
            time_unix_nano: start.wrapping_add(r.varint()? as u64),
            name: r.str()?.to_owned(),
            attributes: get_attrs(r, None)?,
            dropped_attributes_count: u32v(r)?,
        });
    }
    let dropped_events_count = u32v(r)?;
    let n_links = r.count()?;
    let mut links = Vec::with_capacity(n_links);
    for _ in 0..n_links {
        links.push(Link {
            trace_id: TraceId(r.array()?),
            span_id: SpanId(r.array()?),
            trace_state: r.str()?.to_owned(),
            attributes: get_attrs(r, None)?,
            dropped_attributes_count: u32v(r)?,
            flags: u32v(r)?,
        });
    }
    let dropped_links_count = u32v(r)?;
    let at = r.pos();
    let code = StatusCode::from_u8(r.u8()?).ok_or(at)?;
    let message = r.str()?.to_owned();
    Ok(Span {
        trace_id,
        span_id,
        parent_span_id,
        trace_state,
        flags,
        name,
        kind,
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        attributes,
        dropped_attributes_count,
        events,
        dropped_events_count,
        links,
        dropped_links_count,
        status: Status { code, message },
    })
}

#[cfg(test)]
pub(crate) mod strategies {
    //! proptest strategies for spans and batches.
    use model::trace::*;
    use proptest::prelude::*;

    use crate::value::strategies::attrs;

    pub(crate) fn span() -> impl Strategy<Value = Span> {
        (
            (
                any::<[u8; 16]>(),
                any::<[u8; 8]>(),
                any::<Option<[u8; 8]>>(),
            ),
            ("[a-z=]{0,4}", any::<u32>(), "[a-zA-Z /]{0,10}", 0u8..6),
            (any::<u64>(), any::<u64>(), attrs(), any::<u32>()),
            proptest::collection::vec((any::<u64>(), "[a-z]{0,6}", attrs(), any::<u32>()), 0..3),
            proptest::collection::vec(
                (any::<[u8; 16]>(), any::<[u8; 8]>(), attrs(), any::<u32>()),
                0..2,
            ),
            (0u8..3, ".{0,8}", any::<u32>(), any::<u32>()),
        )
            .prop_map(|(ids, meta, times, events, links, status)| Span {
                trace_id: TraceId(ids.0),
                span_id: SpanId(ids.1),
                parent_span_id: ids.2.map(SpanId),
                trace_state: meta.0,
                flags: meta.1,
                name: meta.2,
                kind: SpanKind::from_u8(meta.3).unwrap_or_default(),
                start_time_unix_nano: times.0,
                end_time_unix_nano: times.1,
                attributes: times.2,
                dropped_attributes_count: times.3,
                events: events
                    .into_iter()
                    .map(|(t, name, attributes, d)| Event {
                        time_unix_nano: t,
                        name,
                        attributes,
                        dropped_attributes_count: d,
                    })
                    .collect(),
                dropped_events_count: status.2,
                links: links
                    .into_iter()
                    .map(|(t, s, attributes, flags)| Link {
                        trace_id: TraceId(t),
                        span_id: SpanId(s),
                        trace_state: String::new(),
                        attributes,
                        dropped_attributes_count: flags % 3,
                        flags,
                    })
                    .collect(),
                dropped_links_count: status.3,
                status: Status {
                    code: StatusCode::from_u8(status.0).unwrap_or_default(),
                    message: status.1,
                },
            })
    }

    pub(crate) fn batch() -> impl Strategy<Value = TraceBatch> {
        proptest::collection::vec(
            (
                attrs(),
                proptest::collection::vec(
                    (
                        "[a-z]{0,5}",
                        attrs(),
                        proptest::collection::vec(span(), 0..4),
                    ),
                    0..3,
                ),
            ),
            0..3,
        )
        .prop_map(|groups| TraceBatch {
            resource_spans: groups
                .into_iter()
                .map(|(attributes, scopes)| ResourceSpans {
                    resource: Resource {
                        attributes,
                        dropped_attributes_count: 0,
                    },
                    schema_url: String::new(),
                    scope_spans: scopes
                        .into_iter()
                        .map(|(name, attributes, spans)| ScopeSpans {
                            scope: Scope {
                                name,
                                version: "1".into(),
                                attributes,
                                dropped_attributes_count: 2,
                            },
                            schema_url: "u".into(),
                            spans,
                        })
                        .collect(),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn batches_round_trip(batch in strategies::batch()) {
            let mut w = Writer::default();
            encode(&batch, &mut w);
            prop_assert_eq!(decode(&w.buf).expect("decodes"), batch);
        }

        #[test]
        fn truncated_or_flipped_records_never_panic(
            batch in strategies::batch(), cut in any::<usize>(), flip in any::<(usize, u8)>()
        ) {
            let mut w = Writer::default();
            encode(&batch, &mut w);
            let mut buf = w.buf.clone();
            buf.truncate(cut % (buf.len() + 1));
            let _ = decode(&buf);
            let mut buf = w.buf;
            let i = flip.0 % buf.len();
            buf[i] ^= flip.1 | 1;
            let _ = decode(&buf);
        }
    }

    #[test]
    fn unknown_type_is_an_error() {
        assert!(matches!(decode(&[9]), Err(Error::BadRecord { .. })));
        assert!(decode(&[]).is_err());
    }
}
