//! Span kind and status, with the names Jaeger and TraceQL use.

/// OTLP span kind; the discriminants are the OTLP enum values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(u8)]
pub enum SpanKind {
    /// `SPAN_KIND_UNSPECIFIED`.
    #[default]
    Unspecified = 0,
    /// `SPAN_KIND_INTERNAL`.
    Internal = 1,
    /// `SPAN_KIND_SERVER`.
    Server = 2,
    /// `SPAN_KIND_CLIENT`.
    Client = 3,
    /// `SPAN_KIND_PRODUCER`.
    Producer = 4,
    /// `SPAN_KIND_CONSUMER`.
    Consumer = 5,
}

impl SpanKind {
    /// Every kind, in discriminant order.
    pub const ALL: [SpanKind; 6] = [
        SpanKind::Unspecified,
        SpanKind::Internal,
        SpanKind::Server,
        SpanKind::Client,
        SpanKind::Producer,
        SpanKind::Consumer,
    ];

    /// From the OTLP enum value; unknown values map to `Unspecified`.
    pub fn from_i32(v: i32) -> SpanKind {
        u8::try_from(v)
            .ok()
            .and_then(SpanKind::from_u8)
            .unwrap_or_default()
    }

    /// From the discriminant, if it names a kind.
    pub fn from_u8(v: u8) -> Option<SpanKind> {
        SpanKind::ALL.get(usize::from(v)).copied()
    }

    /// Lowercase name as Jaeger and TraceQL spell it (`server`, `client`, ...;
    /// `unspecified` for the default).
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Unspecified => "unspecified",
            SpanKind::Internal => "internal",
            SpanKind::Server => "server",
            SpanKind::Client => "client",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
        }
    }

    /// Parses [`SpanKind::as_str`] names, case-insensitively.
    pub fn parse(s: &str) -> Option<SpanKind> {
        SpanKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

/// OTLP status code; the discriminants are the OTLP enum values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(u8)]
pub enum StatusCode {
    /// `STATUS_CODE_UNSET`.
    #[default]
    Unset = 0,
    /// `STATUS_CODE_OK`.
    Ok = 1,
    /// `STATUS_CODE_ERROR`.
    Error = 2,
}

impl StatusCode {
    /// Every code, in discriminant order.
    pub const ALL: [StatusCode; 3] = [StatusCode::Unset, StatusCode::Ok, StatusCode::Error];

    /// From the OTLP enum value; unknown values map to `Unset`.
    pub fn from_i32(v: i32) -> StatusCode {
        u8::try_from(v)
            .ok()
            .and_then(StatusCode::from_u8)
            .unwrap_or_default()
    }

    /// From the discriminant, if it names a code.
    pub fn from_u8(v: u8) -> Option<StatusCode> {
        StatusCode::ALL.get(usize::from(v)).copied()
    }

    /// Lowercase name as TraceQL spells it (`unset`, `ok`, `error`).
    pub fn as_str(self) -> &'static str {
        match self {
            StatusCode::Unset => "unset",
            StatusCode::Ok => "ok",
            StatusCode::Error => "error",
        }
    }

    /// Parses [`StatusCode::as_str`] names, case-insensitively.
    pub fn parse(s: &str) -> Option<StatusCode> {
        StatusCode::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

/// A span's status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// The code.
    pub code: StatusCode,
    /// Developer-facing message, usually set only with `Error`.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_codes_map_both_ways() {
        for k in SpanKind::ALL {
            assert_eq!(SpanKind::from_i32(k as i32), k);
            assert_eq!(SpanKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(SpanKind::from_i32(99), SpanKind::Unspecified);
        for c in StatusCode::ALL {
            assert_eq!(StatusCode::from_i32(c as i32), c);
            assert_eq!(StatusCode::parse(c.as_str()), Some(c));
        }
    }
}
