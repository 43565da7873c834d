//! The self-describing attribute value encoding shared by WAL records and segments.
//!
//! A value is a tag byte and a payload: `0` empty, `1` string (uvarint length + UTF-8), `2`
//! false, `3` true, `4` int (zig-zag varint), `5` double (8 bytes LE), `6` bytes (uvarint
//! length + bytes), `7` array (uvarint count + values), `8` key-value list (uvarint count +
//! (string key, value) pairs), `9` dictionary string (uvarint id into the segment's string
//! table; segments only). Nesting is limited to [`MAX_DEPTH`] levels so hostile input cannot
//! exhaust the stack.

use model::trace::{AnyValue, KeyValue};

use codec::fields::{Reader, Writer};

/// Deepest nesting of arrays and lists accepted by the decoder.
pub(crate) const MAX_DEPTH: usize = 32;

pub(crate) const T_EMPTY: u8 = 0;
pub(crate) const T_STR: u8 = 1;
pub(crate) const T_FALSE: u8 = 2;
pub(crate) const T_TRUE: u8 = 3;
pub(crate) const T_INT: u8 = 4;
pub(crate) const T_DOUBLE: u8 = 5;
pub(crate) const T_BYTES: u8 = 6;
pub(crate) const T_ARRAY: u8 = 7;
pub(crate) const T_KVLIST: u8 = 8;
pub(crate) const T_DICT: u8 = 9;

/// Appends `v` with inline strings.
pub(crate) fn put_value(w: &mut Writer, v: &AnyValue) {
    match v {
        AnyValue::Empty => w.u8(T_EMPTY),
        AnyValue::String(s) => {
            w.u8(T_STR);
            w.str(s);
        }
        AnyValue::Bool(false) => w.u8(T_FALSE),
        AnyValue::Bool(true) => w.u8(T_TRUE),
        AnyValue::Int(i) => {
            w.u8(T_INT);
            w.varint(*i);
        }
        AnyValue::Double(d) => {
            w.u8(T_DOUBLE);
            w.u64(d.to_bits());
        }
        AnyValue::Bytes(b) => {
            w.u8(T_BYTES);
            w.bytes(b);
        }
        AnyValue::Array(items) => {
            w.u8(T_ARRAY);
            w.uvarint(items.len() as u64);
            for item in items {
                put_value(w, item);
            }
        }
        AnyValue::KvList(kvs) => {
            w.u8(T_KVLIST);
            put_attrs(w, kvs);
        }
    }
}

/// Appends a count and the pairs, keys and values inline.
pub(crate) fn put_attrs(w: &mut Writer, kvs: &[KeyValue]) {
    w.uvarint(kvs.len() as u64);
    for kv in kvs {
        w.str(&kv.key);
        put_value(w, &kv.value);
    }
}

/// Resolves dictionary ids while decoding; `None` for formats without a dictionary.
pub(crate) type Dict<'d> = Option<&'d dyn Fn(u32) -> Option<&'d str>>;

/// Reads a value written by [`put_value`] (or a dictionary reference when `dict` is given).
pub(crate) fn get_value(r: &mut Reader<'_>, dict: Dict<'_>) -> Result<AnyValue, usize> {
    get_value_at(r, dict, 0)
}

fn get_value_at(r: &mut Reader<'_>, dict: Dict<'_>, depth: usize) -> Result<AnyValue, usize> {
    let at = r.pos();
    if depth > MAX_DEPTH {
        return Err(at);
    }
    Ok(match r.u8()? {
        T_EMPTY => AnyValue::Empty,
        T_STR => AnyValue::String(r.str()?.to_owned()),
        T_FALSE => AnyValue::Bool(false),
        T_TRUE => AnyValue::Bool(true),
        T_INT => AnyValue::Int(r.varint()?),
        T_DOUBLE => AnyValue::Double(f64::from_bits(r.u64()?)),
        T_BYTES => AnyValue::Bytes(r.bytes()?.to_vec()),
        T_ARRAY => {
            let n = r.count()?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(get_value_at(r, dict, depth + 1)?);
            }
            AnyValue::Array(items)
        }
        T_KVLIST => AnyValue::KvList(get_attrs_at(r, dict, depth + 1)?),
        T_DICT => {
            let id = r.u32v()?;
            let s = dict.and_then(|d| d(id)).ok_or(at)?;
            AnyValue::String(s.to_owned())
        }
        _ => return Err(at),
    })
}

/// Reads pairs written by [`put_attrs`].
pub(crate) fn get_attrs(r: &mut Reader<'_>, dict: Dict<'_>) -> Result<Vec<KeyValue>, usize> {
    get_attrs_at(r, dict, 0)
}

fn get_attrs_at(r: &mut Reader<'_>, dict: Dict<'_>, depth: usize) -> Result<Vec<KeyValue>, usize> {
    let n = r.count()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let key = r.str()?.to_owned();
        let value = get_value_at(r, dict, depth)?;
        out.push(KeyValue { key, value });
    }
    Ok(out)
}

/// Skips one value without allocating.
pub(crate) fn skip_value(r: &mut Reader<'_>, depth: usize) -> Result<(), usize> {
    let at = r.pos();
    if depth > MAX_DEPTH {
        return Err(at);
    }
    match r.u8()? {
        T_EMPTY | T_FALSE | T_TRUE => {}
        T_STR | T_BYTES => {
            r.bytes()?;
        }
        T_INT => {
            r.varint()?;
        }
        T_DOUBLE => {
            r.u64()?;
        }
        T_DICT => {
            r.uvarint()?;
        }
        T_ARRAY => {
            for _ in 0..r.count()? {
                skip_value(r, depth + 1)?;
            }
        }
        T_KVLIST => {
            for _ in 0..r.count()? {
                r.bytes()?;
                skip_value(r, depth + 1)?;
            }
        }
        _ => return Err(at),
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod strategies {
    //! proptest strategies for values, shared by the codec tests.
    use model::trace::{AnyValue, KeyValue};
    use proptest::prelude::*;

    pub(crate) fn any_value() -> impl Strategy<Value = AnyValue> {
        let leaf = prop_oneof![
            Just(AnyValue::Empty),
            ".{0,12}".prop_map(AnyValue::String),
            any::<bool>().prop_map(AnyValue::Bool),
            any::<i64>().prop_map(AnyValue::Int),
            any::<f64>()
                .prop_filter("NaN breaks PartialEq", |d| !d.is_nan())
                .prop_map(AnyValue::Double),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(AnyValue::Bytes),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(AnyValue::Array),
                proptest::collection::vec(("[a-z.]{1,6}", inner), 0..4).prop_map(|kvs| {
                    AnyValue::KvList(
                        kvs.into_iter()
                            .map(|(key, value)| KeyValue { key, value })
                            .collect(),
                    )
                }),
            ]
        })
    }

    pub(crate) fn attrs() -> impl Strategy<Value = Vec<KeyValue>> {
        proptest::collection::vec(("[a-z.]{1,8}", any_value()), 0..5).prop_map(|kvs| {
            kvs.into_iter()
                .map(|(key, value)| KeyValue { key, value })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn values_round_trip(attrs in strategies::attrs()) {
            let mut w = Writer::default();
            put_attrs(&mut w, &attrs);
            let mut r = Reader::new(&w.buf);
            prop_assert_eq!(get_attrs(&mut r, None).expect("decodes"), attrs);
            prop_assert!(r.is_empty());
            let mut r = Reader::new(&w.buf);
            let n = r.count().expect("count");
            for _ in 0..n {
                r.bytes().expect("key");
                skip_value(&mut r, 0).expect("skips");
            }
            prop_assert!(r.is_empty());
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = get_attrs(&mut Reader::new(&bytes), None);
            let _ = skip_value(&mut Reader::new(&bytes), 0);
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut buf = [T_ARRAY, 1].repeat(MAX_DEPTH + 2);
        buf.push(T_EMPTY);
        assert!(get_value(&mut Reader::new(&buf), None).is_err());
        assert!(skip_value(&mut Reader::new(&buf), 0).is_err());
    }
}
