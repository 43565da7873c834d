//! Jaeger's request parameters: trace ids (hex or base64), microsecond times, millisecond
//! windows, Go durations, limits and tags, each refused with a message naming the parameter.

use std::time::Duration;

use model::trace::TraceId;
use otelstore::traces::traceql;

use crate::error::ApiError;
use crate::params::Params;

/// Default and largest `limit` of a search (Jaeger's default is 100; full traces are
/// returned, so the cap keeps one answer bounded).
pub(super) const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

/// Values below this are taken as milliseconds where microseconds are expected: Grafana's
/// Jaeger plugin sends trace-by-id bounds in ms (10^14 µs is 1973, 10^14 ms is year 5138).
const MS_BELOW: u64 = 100_000_000_000_000;

/// A trace id as Jaeger accepts it: 1 to 32 hex digits (left-padded) or the 16 bytes in
/// standard or URL-safe base64, with or without padding.
pub(crate) fn trace_id(text: &str) -> Result<TraceId, ApiError> {
    match TraceId::from_hex(text) {
        Ok(id) => Ok(id),
        Err(hex_err) => base64_id(text).ok_or_else(|| {
            ApiError::bad_data(format!(
                "invalid trace id {text:?}: {hex_err} (or 16 bytes in base64)"
            ))
        }),
    }
}

fn base64_id(text: &str) -> Option<TraceId> {
    let digits = text.trim_end_matches('=');
    if !(21..=22).contains(&digits.len()) {
        return None;
    }
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(16);
    for c in digits.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    TraceId::from_slice(&out)
}

/// A non-negative integer parameter, `None` when absent.
pub(crate) fn uint(p: &Params, name: &str) -> Result<Option<u64>, ApiError> {
    p.get(name)
        .map(|s| {
            s.trim().parse::<u64>().map_err(|_| {
                ApiError::bad_data(format!(
                    "unable to parse param '{name}': {s:?} is not a non-negative integer"
                ))
            })
        })
        .transpose()
}

/// A time in µs since the epoch, as ns; `ms_heuristic` also takes values below 10^14 as ms.
pub(crate) fn micros_as_nanos(
    p: &Params,
    name: &str,
    ms_heuristic: bool,
) -> Result<Option<u64>, ApiError> {
    Ok(uint(p, name)?.map(|v| {
        if ms_heuristic && v < MS_BELOW {
            v.saturating_mul(1_000_000)
        } else {
            v.saturating_mul(1000)
        }
    }))
}

/// A Go duration parameter such as `1.2s` or `100ms`.
pub(crate) fn duration(p: &Params, name: &str) -> Result<Option<Duration>, ApiError> {
    p.get(name)
        .map(|s| {
            traceql::parse_duration(s)
                .map_err(|e| ApiError::bad_data(format!("unable to parse param '{name}': {e}")))
        })
        .transpose()
}

/// The search `limit`: default 100, capped.
pub(crate) fn limit(p: &Params) -> Result<usize, ApiError> {
    let Some(s) = p.get("limit") else {
        return Ok(DEFAULT_LIMIT);
    };
    match s.trim().parse::<i64>() {
        Ok(n) if n < 0 => Err(ApiError::bad_data(format!(
            "unable to parse param 'limit': {n} is negative"
        ))),
        Ok(0) => Ok(DEFAULT_LIMIT),
        Ok(n) => Ok(usize::try_from(n).map_or(MAX_LIMIT, |n| n.min(MAX_LIMIT))),
        Err(_) => Err(ApiError::bad_data(format!(
            "unable to parse param 'limit': {s:?} is not an integer"
        ))),
    }
}

/// Tags from `tags` (JSON objects, possibly repeated) and `tag=key:value` (repeated).
pub(crate) fn tags(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for text in p.all("tags") {
        if text.trim().is_empty() {
            continue;
        }
        let bad = |why: String| {
            ApiError::bad_data(format!(
                "malformed 'tags' parameter, expecting a JSON object of strings: {why}"
            ))
        };
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let serde_json::Value::Object(map) = v else {
            return Err(bad(format!("{text:?} is not an object")));
        };
        for (k, v) in map {
            let v = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => return Err(bad(format!("value of {k:?} is {other}"))),
            };
            out.push((k, v));
        }
    }
    for text in p.all("tag") {
        let Some((k, v)) = text.split_once(':') else {
            return Err(ApiError::bad_data(format!(
                "malformed 'tag' parameter {text:?}, expecting key:value"
            )));
        };
        out.push((k.to_owned(), v.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params::new(Some(q), None)
    }

    #[test]
    fn trace_ids_parse_as_hex_or_base64() {
        let full = "0123456789abcdef0123456789abcdef";
        let id = trace_id(full).expect("hex");
        assert_eq!(id.to_hex(), full);
        assert_eq!(
            trace_id("ABCDEF").expect("short").to_jaeger_hex(),
            "0000000000abcdef"
        );
        // The same 16 bytes in base64, padded, unpadded and URL-safe.
        assert_eq!(trace_id("ASNFZ4mrze8BI0VniavN7w==").expect("b64"), id);
        assert_eq!(trace_id("ASNFZ4mrze8BI0VniavN7w").expect("b64"), id);
        for bad in ["", "xyz", &"1".repeat(33), "ASNFZ4mrze8BI0VniavN7w*"] {
            let e = trace_id(bad).expect_err(bad);
            assert!(e.message.starts_with("invalid trace id"), "{}", e.message);
        }
    }

    #[test]
    fn times_limits_and_durations_are_checked() {
        let p = params(
            "start=1700000000000000&end=1700000000000&limit=x&minDuration=1.2s&maxDuration=1x",
        );
        assert_eq!(
            micros_as_nanos(&p, "start", true).expect("µs"),
            Some(1_700_000_000_000_000_000)
        );
        assert_eq!(
            micros_as_nanos(&p, "end", true).expect("ms"),
            Some(1_700_000_000_000_000_000)
        );
        assert_eq!(
            micros_as_nanos(&p, "end", false).expect("µs"),
            Some(1_700_000_000_000_000)
        );
        assert!(limit(&p).expect_err("limit").message.contains("'limit'"));
        assert_eq!(
            duration(&p, "minDuration").expect("ok"),
            Some(Duration::from_millis(1200))
        );
        assert!(duration(&p, "maxDuration").is_err());
        assert!(uint(&params("endTs=-5"), "endTs").is_err());
        assert_eq!(limit(&params("limit=0")).expect("default"), DEFAULT_LIMIT);
        assert_eq!(limit(&params("limit=99999999999")).expect("cap"), MAX_LIMIT);
        assert!(limit(&params("limit=-1")).is_err());
    }

    #[test]
    fn tags_come_from_json_and_key_value_pairs() {
        let p = params(
            "tags=%7B%22error%22%3A%22true%22%2C%22http.status_code%22%3A500%7D&tag=db.statement:select%201:2",
        );
        let mut t = tags(&p).expect("tags");
        t.sort();
        assert_eq!(
            t,
            vec![
                ("db.statement".to_owned(), "select 1:2".to_owned()),
                ("error".to_owned(), "true".to_owned()),
                ("http.status_code".to_owned(), "500".to_owned()),
            ]
        );
        assert!(tags(&params("tags=%7Bx")).is_err());
        assert!(tags(&params("tags=%5B%5D")).is_err());
        assert!(tags(&params("tag=novalue")).is_err());
    }
}
