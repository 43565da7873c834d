//! Request parameters of the Prometheus API: where they come from and how their values parse.
//!
//! Parameters come from the URL query and, for form POSTs, from the body; a single-valued
//! parameter prefers the body, a repeated one (`match[]`) takes both. Times are Unix seconds
//! (fractions rounded to milliseconds) or RFC 3339; durations are float seconds or Prometheus
//! duration strings. Error texts follow Prometheus's, since clients show them verbatim.

use model::Matcher;

use crate::error::ApiError;

/// Earliest and latest times, used when `start`/`end` are absent.
pub const MIN_TIME: i64 = i64::MIN / 2;
/// See [`MIN_TIME`].
pub const MAX_TIME: i64 = i64::MAX / 2;

/// Go formats of Prometheus's minimum and maximum times; clients send them back verbatim.
const MIN_TIME_TEXT: &str = "-292273086-05-16T16:47:06Z";
const MAX_TIME_TEXT: &str = "292277025-08-18T07:12:54.999999999Z";

/// The parameters of one request.
#[derive(Debug, Default, Clone)]
pub struct Params {
    body: Vec<(String, String)>,
    query: Vec<(String, String)>,
}

impl Params {
    /// Collects parameters from a URL query string and an optional form body.
    pub fn new(query: Option<&str>, form_body: Option<&[u8]>) -> Self {
        let parse = |bytes: &[u8]| {
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        };
        Params {
            query: query.map(|q| parse(q.as_bytes())).unwrap_or_default(),
            body: form_body.map(parse).unwrap_or_default(),
        }
    }

    /// The value of a single-valued parameter (body first); empty counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        fn find<'a>(v: &'a [(String, String)], name: &str) -> Option<&'a str> {
            v.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
        }
        find(&self.body, name)
            .or_else(|| find(&self.query, name))
            .filter(|v| !v.is_empty())
    }

    /// Every value of a repeated parameter.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.body
            .iter()
            .chain(&self.query)
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A required parameter.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| {
            ApiError::bad_data(format!("invalid parameter \"{name}\": missing value"))
        })
    }

    /// A time parameter in ms, or `default` when absent.
    pub fn time_or(&self, name: &str, default: i64) -> Result<i64, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(s) => parse_time(s).ok_or_else(|| {
                ApiError::bad_data(format!(
                    "invalid parameter \"{name}\": invalid time value for '{name}': cannot parse \"{s}\" to a valid timestamp"
                ))
            }),
        }
    }

    /// A duration parameter in ms, if present.
    pub fn duration(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|s| {
                parse_duration(s)
                    .map_err(|e| ApiError::bad_data(format!("invalid parameter \"{name}\": {e}")))
            })
            .transpose()
    }

    /// The `limit` parameter: `None` when absent or 0 (unlimited).
    pub fn limit(&self) -> Result<Option<usize>, ApiError> {
        let Some(s) = self.get("limit") else {
            return Ok(None);
        };
        match s.parse::<i64>() {
            Ok(n) if n < 0 => Err(ApiError::bad_data(
                "invalid parameter \"limit\": limit must be non-negative",
            )),
            Ok(0) => Ok(None),
            Ok(n) => Ok(Some(n as usize)),
            Err(_) => Err(ApiError::bad_data(format!(
                "invalid parameter \"limit\": cannot parse \"{s}\" to a valid integer"
            ))),
        }
    }

    /// The `match[]` selectors as matcher sets.
    pub fn matchers(&self) -> Result<Vec<Vec<Matcher>>, ApiError> {
        self.all("match[]")
            .into_iter()
            .map(parse_selector)
            .collect()
    }
}

/// Parses a series selector as `match[]` requires.
pub fn parse_selector(s: &str) -> Result<Vec<Matcher>, ApiError> {
    let expr = promql::parse(s)
        .map_err(|e| ApiError::bad_data(format!("invalid parameter \"match[]\": {e}")))?;
    let promql::Expr::VectorSelector(v) = expr else {
        return Err(ApiError::bad_data(format!(
            "invalid parameter \"match[]\": expected a series selector, got {s:?}"
        )));
    };
    if v.matchers.iter().all(Matcher::matches_empty) {
        return Err(ApiError::bad_data(
            "match[] must contain at least one non-empty matcher",
        ));
    }
    Ok(v.matchers)
}

/// A Prometheus API time: float Unix seconds or RFC 3339, in ms.
pub fn parse_time(s: &str) -> Option<i64> {
    if let Ok(f) = s.parse::<f64>() {
        if !f.is_finite() {
            return None;
        }
        let secs = f.trunc();
        let ms = ((f - secs) * 1000.0).round();
        // Far-off times (Grafana probes with milliseconds as seconds) stay valid, clamped.
        return Some((secs * 1000.0 + ms).clamp(MIN_TIME as f64, MAX_TIME as f64) as i64);
    }
    match s {
        MIN_TIME_TEXT => return Some(MIN_TIME),
        MAX_TIME_TEXT => return Some(MAX_TIME),
        _ => {}
    }
    parse_rfc3339(s)
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` in ms.
fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut ms = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let scaled: String = frac[..digits]
            .chars()
            .chain("000".chars())
            .take(3)
            .collect();
        ms = scaled.parse().ok()?;
        // Sub-millisecond digits round like Prometheus's conversion to milliseconds.
        if frac.as_bytes().get(3).is_some_and(|&c| c >= b'5') && digits > 3 {
            ms += 1;
        }
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let tz = rest.get(1..)?;
            let (oh, om) = tz.split_once(':')?;
            if oh.len() != 2 || om.len() != 2 {
                return None;
            }
            sign * (oh.parse::<i64>().ok()? * 60 + om.parse::<i64>().ok()?)
        }
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    Some(secs * 1000 + ms)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A Prometheus API duration: float seconds or a duration string (`1h30m`), in ms.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    if let Ok(f) = s.parse::<f64>() {
        let ms = f * 1000.0;
        if !ms.is_finite() || ms.abs() >= 9.2e15 {
            return Err(format!(
                "cannot parse \"{s}\" to a valid duration. It overflows int64"
            ));
        }
        return Ok(ms.round() as i64);
    }
    parse_duration_string(s).ok_or_else(|| format!("cannot parse \"{s}\" to a valid duration"))
}

/// Prometheus duration syntax: units `y w d h m s ms` from largest to smallest, each once.
pub fn parse_duration_string(s: &str) -> Option<i64> {
    const UNITS: [(&str, i64); 7] = [
        ("y", 365 * 86_400_000),
        ("w", 7 * 86_400_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ];
    if s == "0" {
        return Some(0);
    }
    let mut rest = s;
    let mut total: i64 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..letters];
        rest = &rest[letters..];
        let at = UNITS.iter().position(|(u, _)| *u == unit)?;
        if at < next_unit {
            return None;
        }
        next_unit = at + 1;
        total = total.checked_add(n.checked_mul(UNITS[at].1)?)?;
    }
    (!s.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_prometheus_accepts_them() {
        assert_eq!(parse_time("1.5e9"), Some(1_500_000_000_000));
        assert_eq!(parse_time("1500000000.1234"), Some(1_500_000_000_123));
        assert_eq!(parse_time("1435781451.781"), Some(1_435_781_451_781));
        assert_eq!(
            parse_time("2015-07-01T20:10:51.781Z"),
            Some(1_435_781_451_781)
        );
        assert_eq!(
            parse_time("2015-07-01T22:10:51+02:00"),
            Some(1_435_781_451_000)
        );
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("-1.5"), Some(-1500));
        assert!(
            parse_time("1700000000000000").is_some(),
            "ms as seconds stays valid"
        );
        assert_eq!(parse_time(MIN_TIME_TEXT), Some(MIN_TIME));
        assert_eq!(parse_time("x"), None);
        assert_eq!(parse_time("2015-13-01T00:00:00Z"), None);
    }

    #[test]
    fn durations_take_seconds_or_strings() {
        assert_eq!(parse_duration("15"), Ok(15_000));
        assert_eq!(parse_duration("0.5"), Ok(500));
        assert_eq!(parse_duration("15s"), Ok(15_000));
        assert_eq!(parse_duration("1m30s"), Ok(90_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("500ms"), Ok(500));
        assert_eq!(parse_duration("1d"), Ok(86_400_000));
        assert!(parse_duration("30s1m").is_err(), "units largest first");
        assert!(parse_duration("1.5h").is_err());
        assert!(parse_duration("abc").is_err());
    }

    #[test]
    fn params_prefer_body_and_union_repeats() {
        let p = Params::new(
            Some("query=up&match[]=a&limit=3"),
            Some(b"query=down&match[]=b"),
        );
        assert_eq!(p.get("query"), Some("down"));
        assert_eq!(p.all("match[]"), ["b", "a"]);
        assert_eq!(p.limit().expect("limit"), Some(3));
        assert!(Params::new(Some("limit=-1"), None).limit().is_err());
        assert_eq!(
            Params::new(Some("limit=0"), None).limit().expect("limit"),
            None
        );
    }

    #[test]
    fn selectors_need_a_non_empty_matcher() {
        assert!(parse_selector("up").is_ok());
        assert!(parse_selector(r#"{job=~".*"}"#).is_err());
        assert!(parse_selector("rate(up[5m])").is_err());
        assert!(parse_selector(r#"{"my.metric"}"#).is_ok());
    }
}
