//! Prometheus's JSON encodings of numbers and times.
//!
//! Sample values are strings in Go's shortest form (`strconv.FormatFloat(v, 'f', -1, 64)`,
//! switching to exponent form below 1e-6 and from 1e21, with at least two exponent digits),
//! and timestamps are Unix seconds written as an integer plus, only when non-zero, exactly
//! three millisecond digits. Clients (Grafana, promtool) parse these texts, so they must
//! match to the character.

use std::fmt::Write;

/// Appends `v` as Prometheus writes a sample value (without quotes).
pub fn push_value(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v == f64::INFINITY {
        out.push_str("+Inf");
    } else if v == f64::NEG_INFINITY {
        out.push_str("-Inf");
    } else if v == 0.0 {
        out.push_str(if v.is_sign_negative() { "-0" } else { "0" });
    } else {
        let a = v.abs();
        if !(1e-6..1e21).contains(&a) {
            // Rust's `{:e}` is shortest too, but writes `2.5e-7` where Go writes `2.5e-07`.
            let s = format!("{v:e}");
            let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            let _ = write!(out, "{mantissa}e{sign}{digits:0>2}");
        } else {
            let _ = write!(out, "{v}");
        }
    }
}

/// `v` as Prometheus writes a sample value.
pub fn value(v: f64) -> String {
    let mut s = String::new();
    push_value(&mut s, v);
    s
}

/// Appends a millisecond timestamp as Prometheus writes it: `1435781451`, `1435781451.050`.
pub fn push_time(out: &mut String, t_ms: i64) {
    let neg = t_ms < 0;
    let a = t_ms.unsigned_abs();
    let (secs, ms) = (a / 1000, a % 1000);
    if neg {
        out.push('-');
    }
    let _ = write!(out, "{secs}");
    if ms != 0 {
        let _ = write!(out, ".{ms:03}");
    }
}

/// Appends `s` as a JSON string literal.
pub fn push_json_str(out: &mut String, s: &str) {
    model::text::push_json_string(out, s);
}

/// Appends a label set as a JSON object with keys in byte order.
pub fn push_labels(out: &mut String, labels: &model::Labels) {
    out.push('{');
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(out, &l.name);
        out.push(':');
        push_json_str(out, &l.value);
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_go_formatting() {
        let cases = [
            (1.0, "1"),
            (0.1, "0.1"),
            (2.5e-7, "2.5e-07"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (-0.0, "-0"),
            (0.0, "0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (123.456, "123.456"),
            (1e-6, "0.000001"),
            (1.5e300, "1.5e+300"),
            (-3.25e-10, "-3.25e-10"),
            (1e100, "1e+100"),
        ];
        for (v, want) in cases {
            assert_eq!(value(v), want, "{v:?}");
        }
    }

    #[test]
    fn times_have_three_digits_only_when_needed() {
        let t = |ms| {
            let mut s = String::new();
            push_time(&mut s, ms);
            s
        };
        assert_eq!(t(1_435_781_451_000), "1435781451");
        assert_eq!(t(1_435_781_451_050), "1435781451.050");
        assert_eq!(t(1_435_781_451_781), "1435781451.781");
        assert_eq!(t(-1500), "-1.500");
        assert_eq!(t(0), "0");
    }

    #[test]
    fn labels_and_strings_are_escaped() {
        let l = model::Labels::from_pairs([("__name__", "up"), ("a", "x\"y\n")]).expect("labels");
        let mut s = String::new();
        push_labels(&mut s, &l);
        assert_eq!(s, r#"{"__name__":"up","a":"x\"y\n"}"#);
    }
}
