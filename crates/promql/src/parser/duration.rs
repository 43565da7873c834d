//! Durations: the `5m`/`1h30m` literal syntax (Prometheus' `model.ParseDuration` and
//! `model.Duration.String`), and the duration expressions allowed in `[...]` and after
//! `offset` (`[5m*2]`, `offset (1h/2)`, `[step()]`, `[min_of(range(), 1h)]`).

use std::fmt;

use nom::character::complete::digit1;
use nom::combinator::all_consuming;
use nom::multi::many1;
use nom::{IResult, Parser};

mod expr;

pub use expr::{DurationExpr, DurationExprKind, DurationOp, go_max, go_min};

const MS_PER_SECOND: i64 = 1000;

/// Units in the order they must appear, with their size in milliseconds.
const UNITS: [(&str, i64); 7] = [
    ("y", 365 * 24 * 3_600_000),
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1000),
    ("ms", 1),
];

/// One `<digits><unit>` group; the unit is any run of non-digits, validated afterwards so the
/// error can name it.
fn group(input: &str) -> IResult<&str, (&str, &str)> {
    let unit = nom::bytes::complete::take_while1(|c: char| !c.is_ascii_digit());
    (digit1, unit).parse(input)
}

/// Parses a duration literal into milliseconds (`model.ParseDuration`).
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    match s {
        "0" => return Ok(0),
        "" => return Err("empty duration string".to_string()),
        _ => {}
    }
    let invalid = || {
        format!(
            "not a valid duration string: {}",
            super::literal::go_quote(s)
        )
    };
    let (_, groups) = all_consuming(many1(group))
        .parse(s)
        .map_err(|_| invalid())?;
    // Nanoseconds, to apply the same overflow rule as Go's time.Duration.
    let mut total_ns: u128 = 0;
    let mut last_unit = None;
    for (digits, unit) in groups {
        let Some(idx) = UNITS.iter().position(|(u, _)| *u == unit) else {
            let q = super::literal::go_quote;
            return Err(format!("unknown unit {} in duration {}", q(unit), q(s)));
        };
        if last_unit.is_some_and(|last| idx <= last) {
            return Err(invalid());
        }
        last_unit = Some(idx);
        let v: u128 = digits.parse().map_err(|_| invalid())?;
        let mult_ns = UNITS[idx].1 as u128 * 1_000_000;
        if v > (1u128 << 63) / mult_ns {
            return Err("duration out of range".to_string());
        }
        total_ns += v * mult_ns;
        if total_ns > i64::MAX as u128 {
            return Err("duration out of range".to_string());
        }
    }
    Ok((total_ns / 1_000_000) as i64)
}

/// Formats milliseconds like `model.Duration.String` (`1h30m`, `90d`, `0s`); negative values
/// get a leading `-`, as the Prometheus printer writes negative offsets.
pub fn format_duration(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", format_duration(ms.checked_neg().unwrap_or(i64::MAX)));
    }
    if ms == 0 {
        return "0s".to_string();
    }
    let mut rest = ms;
    let mut out = String::new();
    for (i, (unit, size)) in UNITS.iter().enumerate() {
        // Years and weeks only when they divide exactly: "90d" reads better than "12w6d".
        if i < 2 && rest % size != 0 {
            continue;
        }
        let v = rest / size;
        if v > 0 {
            out.push_str(&format!("{v}{unit}"));
            rest -= v * size;
        }
    }
    out
}

/// Whether a literal in seconds fits Go's `time.Duration`.
pub(crate) fn seconds_in_range(secs: f64) -> bool {
    secs.is_finite() && secs.abs() <= i64::MAX as f64 / 1e9
}

/// Seconds to milliseconds, rounding to the nearest millisecond.
pub(crate) fn seconds_to_ms(secs: f64) -> i64 {
    (secs * MS_PER_SECOND as f64).round() as i64
}

/// A duration position in the AST: a range, a subquery step or an offset.
#[derive(Debug, Clone, PartialEq)]
pub enum Duration {
    /// A plain number or duration literal, in milliseconds.
    Fixed(i64),
    /// An arithmetic expression, kept as written so it prints back the same way.
    Expr(Box<DurationExpr>),
}

impl Duration {
    /// The value in milliseconds if it does not depend on the query (no `step()`/`range()`).
    pub fn fixed_millis(&self) -> Option<i64> {
        match self {
            Duration::Fixed(ms) => Some(*ms),
            Duration::Expr(e) => e.constant_seconds().map(|s| (s * 1000.0) as i64),
        }
    }

    /// Evaluates to milliseconds for a query with this step and range (end - start).
    pub fn evaluate(&self, ctx: DurationContext) -> Result<i64, DurationError> {
        match self {
            Duration::Fixed(ms) => Ok(*ms),
            Duration::Expr(e) => {
                let secs = e.eval_seconds(ctx)?;
                if !seconds_in_range(secs) {
                    return Err(DurationError::OutOfRange);
                }
                // Prometheus truncates toward zero here.
                Ok((secs * 1000.0) as i64)
            }
        }
    }

    pub(crate) fn clear_spans(&mut self) {
        if let Duration::Expr(e) = self {
            e.clear_spans();
        }
    }
}

/// What `step()` and `range()` evaluate to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DurationContext {
    /// The query step in milliseconds (0 for instant queries).
    pub step_ms: i64,
    /// The query range (end - start) in milliseconds (0 for instant queries).
    pub range_ms: i64,
}

/// Why a duration expression cannot be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationError {
    /// `x / 0`.
    DivisionByZero,
    /// `x % 0`.
    ModuloByZero,
    /// Beyond what fits in nanoseconds in an i64.
    OutOfRange,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DurationError::DivisionByZero => "division by zero",
            DurationError::ModuloByZero => "modulo by zero",
            DurationError::OutOfRange => "duration out of range",
        })
    }
}

impl std::error::Error for DurationError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_model_parse_duration() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("54s321ms"), Ok(54_321));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("1y"), Ok(365 * 86_400_000));
        assert_eq!(
            parse_duration("5m1h"),
            Err(r#"not a valid duration string: "5m1h""#.into())
        );
        assert_eq!(
            parse_duration("5y1hs"),
            Err(r#"unknown unit "hs" in duration "5y1hs""#.into())
        );
        assert_eq!(
            parse_duration("1.5m"),
            Err(r#"unknown unit "." in duration "1.5m""#.into())
        );
        assert_eq!(parse_duration("300y"), Err("duration out of range".into()));
    }

    #[test]
    fn formats_like_model_duration_string() {
        assert_eq!(format_duration(5_400_000), "1h30m");
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(90 * 86_400_000), "90d");
        assert_eq!(format_duration(14 * 86_400_000), "2w");
        assert_eq!(format_duration(61_001), "1m1s1ms");
        assert_eq!(format_duration(-300_000), "-5m");
    }
}
