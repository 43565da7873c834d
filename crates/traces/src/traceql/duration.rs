//! Go duration strings (`time.ParseDuration`), the form Jaeger's `minDuration`, Tempo's
//! search parameters and TraceQL duration literals share: a sequence of decimal numbers,
//! each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), such as `300ms`, `1.5h` or
//! `2h45m`. A lone `0` is zero. Negative durations are refused: no caller has a use for them.

use std::time::Duration;

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {text:?}: {reason}")]
pub struct DurationError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Nanoseconds per unit, longest unit names first so `ms` wins over `m`.
const UNITS: [(&str, u128); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Parses a Go duration string; see the [module docs](self).
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let err = |reason| DurationError {
        text: text.to_owned(),
        reason,
    };
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.starts_with('-') {
        return Err(err("negative durations are not allowed"));
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(err("empty"));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int, after) = rest.split_at(int_len);
        let (frac, after) = match after.strip_prefix('.') {
            Some(f) => {
                let n = f.bytes().take_while(u8::is_ascii_digit).count();
                f.split_at(n)
            }
            None => ("", after),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(err("expected a number"));
        }
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(after.len(), |(i, _)| i);
        let (unit, next) = after.split_at(unit_len);
        let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(if unit.is_empty() {
                err("missing unit (ns, us, ms, s, m or h)")
            } else {
                err("unknown unit (use ns, us, ms, s, m or h)")
            });
        };
        let whole = int
            .bytes()
            .try_fold(0u128, |acc, d| {
                acc.checked_mul(10)?.checked_add(u128::from(d - b'0'))
            })
            .and_then(|v| v.checked_mul(scale))
            .ok_or_else(|| err("too large"))?;
        // Digits past nanosecond precision cannot change the result; 20 of them fit u128.
        let mut part = 0u128;
        let mut div = 1u128;
        for d in frac.bytes().take(20) {
            part = part * 10 + u128::from(d - b'0');
            div *= 10;
        }
        total = total
            .checked_add(whole)
            .and_then(|t| t.checked_add(part * scale / div))
            .ok_or_else(|| err("too large"))?;
        rest = next;
    }
    let nanos = u64::try_from(total).map_err(|_| err("too large"))?;
    Ok(Duration::from_nanos(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_duration_forms_parse() {
        let ok = |s: &str| parse_duration(s).expect(s).as_nanos();
        assert_eq!(ok("0"), 0);
        assert_eq!(ok("100ms"), 100_000_000);
        assert_eq!(ok("1.2s"), 1_200_000_000);
        assert_eq!(ok("1h30m"), 5_400_000_000_000);
        assert_eq!(ok("2h45m10.5s"), 9_910_500_000_000);
        assert_eq!(ok("10us"), 10_000);
        assert_eq!(ok("10µs"), 10_000);
        assert_eq!(ok("7ns"), 7);
        assert_eq!(ok(".5s"), 500_000_000);
        assert_eq!(ok("1.s"), 1_000_000_000);
        assert_eq!(ok("+3m"), 180_000_000_000);
        assert_eq!(ok("0.0000000015s"), 1);
    }

    #[test]
    fn bad_durations_say_why() {
        for (s, why) in [
            ("", "empty"),
            ("10", "missing unit"),
            ("10x", "unknown unit"),
            ("-1s", "negative"),
            ("s", "expected a number"),
            ("1.2.3s", "missing unit"),
            ("99999999999999999999999h", "too large"),
            ("1m2", "missing unit"),
        ] {
            let e = parse_duration(s).expect_err(s);
            assert!(e.to_string().contains(why), "{s}: {e}");
        }
    }
}
