//! Literals as Go reads and writes them: numbers (`strconv.ParseInt(s, 0, 64)` falling back to
//! `ParseFloat`), quoted strings (`strconv.Unquote` plus single-quoted strings) and `%q`
//! quoting, which both the printer and the error messages use.

/// A string value after unescaping. Go strings may hold any bytes (`"\xff"`), Rust strings
/// may not, so invalid UTF-8 is kept aside in `invalid_utf8`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unquoted {
    pub(crate) value: String,
    pub(crate) invalid_utf8: Option<Vec<u8>>,
}

/// Unquotes a string token the lexer has already validated (`"..."`, `'...'` or `` `...` ``).
pub(crate) fn unquote(token: &str) -> Unquoted {
    let bytes = token.as_bytes();
    let quote = bytes.first().copied().unwrap_or(b'"');
    let body = token.get(1..token.len().saturating_sub(1)).unwrap_or("");
    let out: Vec<u8> = if quote == b'`' {
        // Go drops carriage returns from raw strings.
        body.bytes().filter(|&b| b != b'\r').collect()
    } else {
        unescape(body)
    };
    match String::from_utf8(out) {
        Ok(value) => Unquoted {
            value,
            invalid_utf8: None,
        },
        Err(e) => {
            let bytes = e.into_bytes();
            Unquoted {
                value: String::from_utf8_lossy(&bytes).into_owned(),
                invalid_utf8: Some(bytes),
            }
        }
    }
}

/// Resolves Go escape sequences. Unknown or malformed escapes were rejected by the lexer; here
/// they are copied through unchanged.
fn unescape(body: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let Some((_, e)) = chars.next() else { break };
        let simple = match e {
            'a' => Some(0x07),
            'b' => Some(0x08),
            'f' => Some(0x0c),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(0x0b),
            '\\' => Some(b'\\'),
            '\'' => Some(b'\''),
            '"' => Some(b'"'),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        let (digits, radix, first) = match e {
            '0'..='7' => (3, 8, Some(e)),
            'x' => (2, 16, None),
            'u' => (4, 16, None),
            'U' => (8, 16, None),
            other => {
                out.push(b'\\');
                let mut buf = [0u8; 4];
                out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
                continue;
            }
        };
        let mut value: u32 = 0;
        let mut taken = 0;
        if let Some(d) = first.and_then(|c| c.to_digit(radix)) {
            value = d;
            taken = 1;
        }
        while taken < digits {
            match chars.peek().and_then(|&(_, c)| c.to_digit(radix)) {
                Some(d) => {
                    value = value.wrapping_mul(radix).wrapping_add(d);
                    taken += 1;
                    chars.next();
                }
                None => break,
            }
        }
        if matches!(e, 'x' | '0'..='7') {
            // Byte escapes produce raw bytes, which may not be valid UTF-8.
            out.push(value as u8);
        } else if let Some(ch) = char::from_u32(value) {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
    }
    out
}

/// Go's `unicode.IsPrint`, approximated: graphic characters and the ASCII space.
pub(crate) fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let format_or_private = matches!(u,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x08E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFDD0..=0xFDEF | 0xFEFF | 0xFFF9..=0xFFFB | 0xFFFE | 0xFFFF
        | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0001 | 0xE0020..=0xE007F | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF);
    !format_or_private
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if is_print(c) => out.push(c),
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// Go's `strconv.Quote` (and `%q`).
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Go's `strconv.Quote` of arbitrary bytes: invalid UTF-8 becomes `\xNN`.
pub(crate) fn go_quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped(&mut out, c, '"');
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

/// `%.10q...` for long token texts, `%q` otherwise, as in Prometheus' `Item.String`.
pub(crate) fn go_quote_truncated(s: &str) -> String {
    if s.len() > 10 {
        let head: String = s.chars().take(10).collect();
        format!("{}...", go_quote(&head))
    } else {
        go_quote(s)
    }
}

/// Go's `%q` of a rune (`'x'`); `None` stands for end of input, which Go prints as U+FFFD.
pub(crate) fn go_quote_rune(c: Option<char>) -> String {
    let c = c.unwrap_or('\u{FFFD}');
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

/// Go's `%#U` of a rune: `U+0063 'c'`, without the quoted character if it is not printable.
pub(crate) fn go_unicode(c: Option<char>) -> String {
    let c = c.unwrap_or('\u{FFFD}');
    if is_print(c) {
        format!("U+{:04X} '{c}'", c as u32)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// Parses a number token like Prometheus: integers (decimal, `0x` hex, leading-zero octal)
/// first, then floats, `Inf` and `NaN`. The error is the text after "error parsing number: ".
pub(crate) fn parse_number(s: &str) -> Result<f64, String> {
    if let Some(v) = parse_go_int(s) {
        return Ok(v as f64);
    }
    parse_go_float(s)
}

/// `strconv.ParseInt(s, 0, 64)` for unsigned input; `None` on any error.
fn parse_go_int(s: &str) -> Option<i64> {
    let (digits, radix) = if let Some(rest) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))
    {
        (rest.strip_prefix('_').unwrap_or(rest), 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() || !underscores_ok(digits) {
        return None;
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if !clean.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    i64::from_str_radix(&clean, radix).ok()
}

/// Underscores may only sit between two digits.
fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, &c)| {
        c != b'_'
            || (i > 0
                && i + 1 < b.len()
                && b[i - 1].is_ascii_alphanumeric()
                && b[i + 1].is_ascii_alphanumeric())
    })
}

/// `strconv.ParseFloat(s, 64)` for the shapes the lexer produces.
fn parse_go_float(s: &str) -> Result<f64, String> {
    let invalid = || {
        format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            go_quote(s)
        )
    };
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => return Ok(f64::INFINITY),
        "-inf" | "-infinity" => return Ok(f64::NEG_INFINITY),
        "nan" => return Ok(f64::NAN),
        _ => {}
    }
    if lower.starts_with("0x") || !underscores_ok(s) {
        // Hex floats need a 'p' exponent, which the lexer never lets through.
        return Err(invalid());
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    if !clean
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return Err(invalid());
    }
    let v: f64 = clean.parse().map_err(|_| invalid())?;
    if v.is_infinite() {
        return Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            go_quote(s)
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_go_rules() {
        assert_eq!(parse_number("0755"), Ok(493.0));
        assert_eq!(parse_number("0x8f"), Ok(143.0));
        assert_eq!(parse_number("089"), Ok(89.0));
        assert_eq!(parse_number("1_000"), Ok(1000.0));
        assert_eq!(parse_number(".5"), Ok(0.5));
        assert_eq!(parse_number("5."), Ok(5.0));
        assert_eq!(parse_number("1e3"), Ok(1000.0));
        assert_eq!(parse_number("Inf"), Ok(f64::INFINITY));
        assert!(parse_number("NaN").is_ok_and(f64::is_nan));
        assert!(
            parse_number(&"9".repeat(400))
                .unwrap_err()
                .ends_with("value out of range")
        );
    }

    #[test]
    fn quoting_matches_go() {
        assert_eq!(go_quote("a\"b\\c\n\u{7}é"), r#""a\"b\\c\n\aé""#);
        assert_eq!(go_quote("\u{0}\u{200b}"), r#""\x00\u200b""#);
        assert_eq!(go_quote_bytes(b"a\xc5z"), r#""a\xc5z""#);
        assert_eq!(go_quote_rune(Some('~')), "'~'");
        assert_eq!(go_unicode(Some('c')), "U+0063 'c'");
        assert_eq!(go_quote_truncated("\"long string\""), r#""\"long stri"..."#);
    }

    #[test]
    fn unquoting_handles_escapes_and_bytes() {
        assert_eq!(unquote(r#""a\tb\u00e9\x41""#).value, "a\tbéA");
        assert_eq!(unquote(r"'it\'s'").value, "it's");
        assert_eq!(unquote("`a\\n\r`").value, "a\\n");
        let bad = unquote(r#""a\xc5z""#);
        assert_eq!(bad.invalid_utf8.as_deref(), Some(&b"a\xc5z"[..]));
    }
}
