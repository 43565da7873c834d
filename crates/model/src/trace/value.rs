//! Attribute values (OTLP `AnyValue`) and key-value pairs, with Jaeger's text form.

/// An attribute value (OTLP `AnyValue`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum AnyValue {
    /// No value (an `AnyValue` with nothing set).
    #[default]
    Empty,
    /// UTF-8 text.
    String(String),
    /// A boolean.
    Bool(bool),
    /// A signed 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Double(f64),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// A list of values.
    Array(Vec<AnyValue>),
    /// A list of key-value pairs.
    KvList(Vec<KeyValue>),
}

impl AnyValue {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AnyValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as text, the way Jaeger compares tag values: strings as is, booleans
    /// `true`/`false`, numbers in decimal, bytes as standard base64 (as OTLP's `AsString`), arrays and maps as JSON.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out, false);
        out
    }

    fn write_text(&self, out: &mut String, quoted: bool) {
        use std::fmt::Write;
        match self {
            AnyValue::Empty if quoted => out.push_str("null"),
            AnyValue::Empty => {}
            AnyValue::String(s) if quoted => crate::text::push_json_string(out, s),
            AnyValue::String(s) => out.push_str(s),
            AnyValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            AnyValue::Int(i) => {
                let _ = write!(out, "{i}");
            }
            AnyValue::Double(d) => {
                let _ = write!(out, "{d}");
            }
            AnyValue::Bytes(b) => {
                if quoted {
                    out.push('"');
                }
                crate::text::push_base64(out, b);
                if quoted {
                    out.push('"');
                }
            }
            AnyValue::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_text(out, true);
                }
                out.push(']');
            }
            AnyValue::KvList(kvs) => {
                out.push('{');
                for (i, kv) in kvs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    crate::text::push_json_string(out, &kv.key);
                    out.push(':');
                    kv.value.write_text(out, true);
                }
                out.push('}');
            }
        }
    }
}

impl From<&str> for AnyValue {
    fn from(s: &str) -> Self {
        AnyValue::String(s.to_owned())
    }
}

impl From<String> for AnyValue {
    fn from(s: String) -> Self {
        AnyValue::String(s)
    }
}

impl From<i64> for AnyValue {
    fn from(v: i64) -> Self {
        AnyValue::Int(v)
    }
}

impl From<f64> for AnyValue {
    fn from(v: f64) -> Self {
        AnyValue::Double(v)
    }
}

impl From<bool> for AnyValue {
    fn from(v: bool) -> Self {
        AnyValue::Bool(v)
    }
}

/// One attribute.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyValue {
    /// The key.
    pub key: String,
    /// The value.
    pub value: AnyValue,
}

impl KeyValue {
    /// A key-value pair.
    pub fn new(key: impl Into<String>, value: impl Into<AnyValue>) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// The first attribute named `key`.
pub fn find_attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs.iter().find(|kv| kv.key == key).map(|kv| &kv.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_render_as_jaeger_text() {
        assert_eq!(AnyValue::Int(500).to_text(), "500");
        assert_eq!(AnyValue::Bool(true).to_text(), "true");
        assert_eq!(AnyValue::Double(0.5).to_text(), "0.5");
        let arr = AnyValue::Array(vec!["a\"b".into(), AnyValue::Int(1)]);
        assert_eq!(arr.to_text(), r#"["a\"b",1]"#);
        assert_eq!(AnyValue::Bytes(b"hello".to_vec()).to_text(), "aGVsbG8=");
        assert_eq!(AnyValue::Bytes(vec![0xff]).to_text(), "/w==");
        assert_eq!(AnyValue::Bytes(b"abc".to_vec()).to_text(), "YWJj");
        let map = AnyValue::KvList(vec![KeyValue::new("k", true)]);
        assert_eq!(map.to_text(), r#"{"k":true}"#);
    }
}
