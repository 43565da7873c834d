//! Stored attribute values and small decoding helpers shared by block readers.

use model::trace::{AnyValue, KeyValue, SpanId};

use super::decode::Bad;
use crate::segment::dict::Dict;
use crate::value::{self, T_DICT};
use codec::fields::Reader;

fn bad(detail: &'static str) -> impl Fn(usize) -> Bad {
    move |o| (o, detail)
}

/// An attribute value as stored: dictionary id, or a span of the attribute buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CVal {
    Dict(u32),
    Str(u32, u32),
    Int(i64),
    Double(f64),
    Bool(bool),
    Empty,
    /// Any other value, encoded (bytes, arrays, lists) at `(offset, len)`.
    Other(u32, u32),
}

pub(super) fn span_id(c: &[u8]) -> SpanId {
    let mut a = [0u8; 8];
    a.copy_from_slice(c);
    SpanId(a)
}

pub(crate) fn dict_str(dict: &Dict, id: u32) -> Result<String, Bad> {
    dict.get(id)
        .map(str::to_owned)
        .ok_or((0, "string id out of range"))
}

pub(super) fn cval(b: &mut Reader<'_>) -> Result<CVal, Bad> {
    let at = b.pos();
    let e = bad("attribute value");
    let tag = b.u8().map_err(&e)?;
    Ok(match tag {
        value::T_EMPTY => CVal::Empty,
        value::T_STR => {
            let s = b.str().map_err(&e)?;
            let off = b.pos() - s.len();
            CVal::Str(off as u32, s.len() as u32)
        }
        value::T_FALSE => CVal::Bool(false),
        value::T_TRUE => CVal::Bool(true),
        value::T_INT => CVal::Int(b.varint().map_err(&e)?),
        value::T_DOUBLE => CVal::Double(f64::from_bits(b.u64().map_err(&e)?)),
        T_DICT => CVal::Dict(b.u32v().map_err(&e)?),
        _ => {
            // Bytes, arrays and lists: keep the encoded span, decode when asked.
            b.seek(at);
            value::skip_value(b, 0).map_err(&e)?;
            CVal::Other(at as u32, (b.pos() - at) as u32)
        }
    })
}

pub(super) fn skip_keyed(r: &mut Reader<'_>) -> Result<(), Bad> {
    let e = bad("keyed attributes");
    for _ in 0..r.count().map_err(&e)? {
        r.uvarint().map_err(&e)?;
        value::skip_value(r, 0).map_err(&e)?;
    }
    Ok(())
}

pub(crate) fn get_keyed(r: &mut Reader<'_>, dict: &Dict) -> Result<Vec<KeyValue>, Bad> {
    let e = bad("keyed attributes");
    let n = r.count().map_err(&e)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let key = dict_str(dict, r.u32v().map_err(&e)?)?;
        let value = value::get_value(r, None).map_err(&e)?;
        out.push(KeyValue { key, value });
    }
    Ok(out)
}

/// Decodes a stored value to an owned one.
pub(crate) fn to_any(v: CVal, buf: &[u8], dict: &Dict) -> Result<AnyValue, Bad> {
    Ok(match v {
        CVal::Dict(id) => AnyValue::String(dict_str(dict, id)?),
        CVal::Str(o, l) => AnyValue::String(
            buf.get(o as usize..(o + l) as usize)
                .and_then(|b| std::str::from_utf8(b).ok())
                .ok_or((o as usize, "string span"))?
                .to_owned(),
        ),
        CVal::Int(i) => AnyValue::Int(i),
        CVal::Double(d) => AnyValue::Double(d),
        CVal::Bool(b) => AnyValue::Bool(b),
        CVal::Empty => AnyValue::Empty,
        CVal::Other(o, l) => {
            let slice = buf
                .get(o as usize..(o + l) as usize)
                .ok_or((o as usize, "value span"))?;
            value::get_value(&mut Reader::new(slice), None).map_err(bad("value"))?
        }
    })
}
