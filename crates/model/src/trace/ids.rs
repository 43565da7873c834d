//! Trace and span ids: raw bytes, hex parsing (Jaeger's left-padded short forms) and
//! printing (OTLP/Tempo 32 digits, Jaeger 16 or 32).

use std::fmt;

/// A 128-bit trace id. All-zero is invalid in OTLP; see [`TraceId::is_valid`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TraceId(pub [u8; 16]);

/// A 64-bit span id. All-zero is invalid in OTLP; see [`SpanId::is_valid`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SpanId(pub [u8; 8]);

/// Why an id could not be parsed from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidId {
    /// Empty, or longer than the id's hex width.
    #[error("id must be 1 to {max} hex digits, got {len}")]
    Length {
        /// Characters given.
        len: usize,
        /// Most hex digits accepted.
        max: usize,
    },
    /// A character is not a hex digit.
    #[error("id contains a non-hex character")]
    NotHex,
}

/// Parses up to `N * 2` hex digits, left-padding shorter input with zeros (Jaeger accepts
/// ids with leading zeros trimmed).
fn parse_hex<const N: usize>(s: &str) -> Result<[u8; N], InvalidId> {
    let digits = s.as_bytes();
    if digits.is_empty() || digits.len() > N * 2 {
        return Err(InvalidId::Length {
            len: digits.len(),
            max: N * 2,
        });
    }
    let mut out = [0u8; N];
    let pad = N * 2 - digits.len();
    for (i, &c) in digits.iter().enumerate() {
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return Err(InvalidId::NotHex),
        };
        let pos = pad + i;
        out[pos / 2] |= if pos.is_multiple_of(2) { v << 4 } else { v };
    }
    Ok(out)
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

impl TraceId {
    /// Parses 1 to 32 hex digits (either case), left-padded with zeros.
    pub fn from_hex(s: &str) -> Result<TraceId, InvalidId> {
        parse_hex(s).map(TraceId)
    }

    /// The id from a byte slice, if it is exactly 16 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<TraceId> {
        bytes.try_into().ok().map(TraceId)
    }

    /// Not all-zero.
    pub fn is_valid(&self) -> bool {
        self.0 != [0; 16]
    }

    /// 32 lowercase hex digits (the OTLP/JSON and Tempo form); `Display` prints the same.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// Jaeger's form: 16 hex digits when the high 64 bits are zero, else 32 (leading zeros
    /// kept).
    pub fn to_jaeger_hex(&self) -> String {
        if self.0[..8] == [0; 8] {
            SpanId(self.low_bytes()).to_string()
        } else {
            self.to_string()
        }
    }

    fn low_bytes(&self) -> [u8; 8] {
        let mut low = [0u8; 8];
        low.copy_from_slice(&self.0[8..]);
        low
    }
}

impl SpanId {
    /// Parses 1 to 16 hex digits (either case), left-padded with zeros.
    pub fn from_hex(s: &str) -> Result<SpanId, InvalidId> {
        parse_hex(s).map(SpanId)
    }

    /// The id from a byte slice, if it is exactly 8 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<SpanId> {
        bytes.try_into().ok().map(SpanId)
    }

    /// Not all-zero.
    pub fn is_valid(&self) -> bool {
        self.0 != [0; 8]
    }

    /// 16 lowercase hex digits; `Display` prints the same.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceId({self})")
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpanId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_left_padded_and_print_in_full() {
        let t = TraceId::from_hex("1234ABCD").expect("valid");
        assert_eq!(t.to_hex(), format!("{}1234abcd", "0".repeat(24)));
        assert_eq!(t.to_jaeger_hex(), "000000001234abcd");
        let full = "0123456789abcdef0123456789abcdef";
        let t = TraceId::from_hex(full).expect("valid");
        assert_eq!(t.to_string(), full);
        assert_eq!(t.to_jaeger_hex(), full);
        assert_eq!(
            SpanId::from_hex("f").expect("valid").to_hex(),
            "000000000000000f"
        );
        assert!(TraceId::from_hex("").is_err());
        assert!(TraceId::from_hex(&"1".repeat(33)).is_err());
        assert_eq!(SpanId::from_hex("xyz"), Err(InvalidId::NotHex));
        assert!(!TraceId::default().is_valid());
        assert!(SpanId::from_hex("1").expect("valid").is_valid());
    }
}
