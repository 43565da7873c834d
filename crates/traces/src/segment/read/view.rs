//! Segment rows seen through [`SpanView`] for filter evaluation, and zone-map bounds.

use model::trace::{AnyValue, SpanKind, StatusCode};

use crate::query::eval::{SpanView, ValueRef};
use crate::query::{Field, Intrinsic, Literal, Op, SpanFilter, TagScope};
use crate::segment::Segment;
use crate::segment::block::decode::{BlockData, CVal, Core, TraceRow, to_any};

/// Span-duration bounds implied by top-level conditions (for zone-map pruning).
pub(super) fn duration_bounds(f: &SpanFilter) -> (u64, u64) {
    let mut lo = 0u64;
    let mut hi = u64::MAX;
    let mut visit = |c: &crate::query::Condition| {
        if c.field != Field::Intrinsic(Intrinsic::Duration) {
            return;
        }
        let v = match c.value {
            Literal::Duration(d) => u64::try_from(d.as_nanos()).unwrap_or(u64::MAX),
            Literal::Int(i) => u64::try_from(i).unwrap_or(0),
            _ => return,
        };
        match c.op {
            Op::Gt | Op::Ge => lo = lo.max(v),
            Op::Lt | Op::Le => hi = hi.min(v),
            Op::Eq => {
                lo = lo.max(v);
                hi = hi.min(v);
            }
            _ => {}
        }
    };
    match f {
        SpanFilter::Cond(c) => visit(c),
        SpanFilter::And(items) => {
            for it in items {
                if let SpanFilter::Cond(c) = it {
                    visit(c);
                }
            }
        }
        _ => {}
    }
    (lo, hi)
}

pub(super) struct RowView<'a, 'b> {
    pub(super) seg: &'a Segment,
    pub(super) b: &'a BlockData<'b>,
    pub(super) core: &'a Core,
    pub(super) row: usize,
    pub(super) trace: &'a TraceRow,
}

impl SpanView for RowView<'_, '_> {
    fn name(&self) -> &str {
        self.seg
            .dict
            .get(self.core.names[self.row])
            .unwrap_or_default()
    }
    fn service(&self) -> &str {
        let o = self.seg.origins.get(self.core.origins[self.row] as usize);
        o.map_or("", |o| o.service.as_str())
    }
    fn kind(&self) -> SpanKind {
        self.core.kinds[self.row]
    }
    fn status(&self) -> StatusCode {
        self.core.status[self.row]
    }
    fn status_message(&self) -> &str {
        let m = self.core.status_msg[self.row];
        if m == 0 {
            ""
        } else {
            self.seg.dict.get(m - 1).unwrap_or_default()
        }
    }
    fn duration(&self) -> u64 {
        u64::try_from(self.core.durations[self.row]).unwrap_or(0)
    }
    fn trace_duration(&self) -> u64 {
        self.trace.duration
    }
    fn root_service(&self) -> &str {
        self.seg
            .dict
            .get(self.trace.root_service)
            .unwrap_or_default()
    }
    fn root_name(&self) -> &str {
        self.seg.dict.get(self.trace.root_name).unwrap_or_default()
    }
    fn any_attr(
        &self,
        scope: TagScope,
        key: &str,
        f: &mut dyn FnMut(ValueRef<'_>) -> bool,
    ) -> bool {
        match scope {
            TagScope::Span => {
                let (Some(id), Ok(cols), Ok(buf)) =
                    (self.seg.dict.find(key), self.b.attrs(), self.b.attr_buf())
                else {
                    return false;
                };
                let row = self.row as u32;
                for col in cols.iter().filter(|c| c.key == id) {
                    let i = col.rows.partition_point(|r| *r < row);
                    for j in i..col.rows.len() {
                        if col.rows[j] != row {
                            break;
                        }
                        if with_value(col.vals[j], buf, &self.seg.dict, f) {
                            return true;
                        }
                    }
                }
                false
            }
            TagScope::Resource => {
                let o = self.seg.origins.get(self.core.origins[self.row] as usize);
                o.is_some_and(|o| {
                    o.resource
                        .attributes
                        .iter()
                        .any(|kv| kv.key == key && f(ValueRef::of(&kv.value)))
                })
            }
            TagScope::Event => {
                let start = self.core.starts[self.row];
                let Ok(events) = self.b.events(self.row, start, &self.seg.dict) else {
                    return false;
                };
                events
                    .iter()
                    .flat_map(|e| &e.attributes)
                    .any(|kv| kv.key == key && f(ValueRef::of(&kv.value)))
            }
        }
    }
}

fn with_value(
    v: CVal,
    buf: &[u8],
    dict: &crate::segment::dict::Dict,
    f: &mut dyn FnMut(ValueRef<'_>) -> bool,
) -> bool {
    match v {
        CVal::Dict(id) => dict.get(id).is_some_and(|s| f(ValueRef::Str(s))),
        CVal::Str(o, l) => buf
            .get(o as usize..(o + l) as usize)
            .and_then(|b| std::str::from_utf8(b).ok())
            .is_some_and(|s| f(ValueRef::Str(s))),
        CVal::Int(i) => f(ValueRef::Int(i)),
        CVal::Double(d) => f(ValueRef::Double(d)),
        CVal::Bool(b) => f(ValueRef::Bool(b)),
        CVal::Empty => f(ValueRef::Empty),
        CVal::Other(..) => match to_any(v, buf, dict) {
            Ok(AnyValue::Bytes(b)) => f(ValueRef::Bytes(&b)),
            Ok(any) => f(ValueRef::of(&any)),
            Err(_) => false,
        },
    }
}
