//! Attribute values and numbers as label text, byte for byte as the Go reference renders
//! them (`pcommon.Value.AsString`, `strconv.FormatFloat(v, 'f', -1, 64)`), since users
//! match on these strings in PromQL.

use std::borrow::Cow;
use std::fmt::Write as _;

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};

/// An attribute value as a label value: strings as they are, bools `true`/`false`, ints in
/// decimal, doubles as the shortest round trip ([`double`]), bytes as padded base64, arrays
/// and maps as compact JSON. A missing value is empty (so the label is absent).
pub(super) fn any_value(v: Option<&AnyValue>) -> Cow<'_, str> {
    match v.and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => Cow::Borrowed(s),
        Some(Value::BoolValue(b)) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Some(Value::IntValue(i)) => Cow::Owned(i.to_string()),
        Some(Value::DoubleValue(d)) => Cow::Owned(double(*d)),
        Some(Value::BytesValue(b)) => Cow::Owned(model::text::base64(b)),
        Some(v @ (Value::ArrayValue(_) | Value::KvlistValue(_))) => {
            let mut out = String::new();
            // Go's encoder fails on NaN and infinities anywhere inside; the value is then empty.
            if json_value(Some(v), &mut out).is_err() {
                out.clear();
            }
            Cow::Owned(out)
        }
        // A dictionary index only means something inside a profiles message.
        Some(Value::StringValueStrindex(_)) | None => Cow::Borrowed(""),
    }
}

/// A double as JavaScript would print it: shortest round trip, plain decimal between 1e-6
/// and 1e21, exponent form (`1e-7`, `1e+21`) outside. `NaN`, `Infinity` and `-Infinity`
/// for the non-finite values.
pub(super) fn double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let abs = d.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        exponent_form(d)
    } else {
        format!("{d}")
    }
}

/// A bucket bound or quantile as Go's `FormatFloat(v, 'f', -1, 64)`: `0.005`, `1`, `1000`,
/// `+Inf`. Rust's `Display` already prints the shortest round trip without exponent.
pub(super) fn le(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// Go's `e` format with the exponent sign always shown and never zero-padded.
fn exponent_form(d: f64) -> String {
    let s = format!("{d:e}");
    match s.split_once('e') {
        Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
        _ => s,
    }
}

/// A value that Go's JSON encoder refuses (NaN or an infinity).
#[derive(Debug)]
struct Unsupported;

/// Compact JSON as Go's `json.Marshal(value.AsRaw())`: map keys sorted (last duplicate
/// wins), bytes as base64 strings, HTML characters escaped.
fn json_value(v: Option<&Value>, out: &mut String) -> Result<(), Unsupported> {
    match v {
        None | Some(Value::StringValueStrindex(_)) => out.push_str("null"),
        Some(Value::StringValue(s)) => json_string(s, out),
        Some(Value::BoolValue(b)) => out.push_str(if *b { "true" } else { "false" }),
        Some(Value::IntValue(i)) => {
            let _ = write!(out, "{i}");
        }
        Some(Value::DoubleValue(d)) if d.is_finite() => out.push_str(&double(*d)),
        Some(Value::DoubleValue(_)) => return Err(Unsupported),
        Some(Value::BytesValue(b)) => {
            out.push('"');
            model::text::push_base64(out, b);
            out.push('"');
        }
        Some(Value::ArrayValue(a)) => {
            out.push('[');
            for (i, item) in a.values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_value(item.value.as_ref(), out)?;
            }
            out.push(']');
        }
        Some(Value::KvlistValue(kv)) => json_object(&kv.values, out)?,
    }
    Ok(())
}

fn json_object(pairs: &[KeyValue], out: &mut String) -> Result<(), Unsupported> {
    let mut sorted: Vec<&KeyValue> = pairs.iter().collect();
    // Stable sort, then keep the last of equal keys: a Go map keeps the last assignment.
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    out.push('{');
    let mut first = true;
    for (i, kv) in sorted.iter().enumerate() {
        if sorted.get(i + 1).is_some_and(|next| next.key == kv.key) {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        json_string(&kv.key, out);
        out.push(':');
        json_value(kv.value.as_ref().and_then(|v| v.value.as_ref()), out)?;
    }
    out.push('}');
    Ok(())
}

/// A JSON string as Go escapes it by default.
fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\0'..='\u{1f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
