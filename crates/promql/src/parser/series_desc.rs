//! Series descriptions, the `load` lines of the promqltest format:
//! `metric{label="value"} 1 2+3x4 _ _x2 stale -1-2x3`.
//!
//! The series part uses the expression lexer; the values are parsed with nom following
//! Prometheus' series grammar (`vxN` is N+1 values, `_xN` is N omitted slots, `a+bxN` counts
//! from `a` in steps of `b`).

use model::{Label, Labels, METRIC_NAME};
use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while, take_while1};
use nom::character::complete::{char, digit1};
use nom::combinator::{map, opt, value};
use nom::{IResult, Parser as _};

use super::ast::Span;
use super::error::{Error, ParseError, Result};
use super::expr::Parser;
use super::literal::{parse_number, unquote};
use super::token::TokenKind;

/// One value of a series description.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SeqValue {
    /// `_`: no sample at this step.
    Omitted,
    /// A float sample; `stale` is the stale-marker NaN (`model::stale_nan`).
    Value(f64),
}

/// Parses a series description into its labels and expanded values.
pub fn parse_series_desc(line: &str) -> std::result::Result<(Labels, Vec<SeqValue>), ParseError> {
    parse_desc(line).map_err(|e| ParseError::new(line, e))
}

fn parse_desc(line: &str) -> Result<(Labels, Vec<SeqValue>)> {
    let (labels, rest_at) = parse_metric(line)?;
    let values = parse_values(line, rest_at)?;
    Ok((labels, values))
}

/// The metric name and label set; returns the labels and where the values start.
fn parse_metric(line: &str) -> Result<(Labels, usize)> {
    let name_len = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let mut pairs: Vec<(String, String)> = Vec::new();
    if name_len > 0 {
        pairs.push((METRIC_NAME.to_string(), line[..name_len].to_string()));
    }
    if !line[name_len..].starts_with('{') {
        return Ok((make_labels(pairs, line, name_len)?, name_len));
    }
    // Reuse the expression lexer for the braces: it knows quoting and escapes.
    let mut p = Parser::new(line);
    if name_len > 0 {
        p.next()?;
    }
    p.next()?; // `{`
    let end;
    loop {
        let t = p.next()?;
        match t.kind {
            TokenKind::RightBrace => {
                end = t.span.end;
                break;
            }
            TokenKind::Identifier | TokenKind::String => {
                let name = match t.kind {
                    TokenKind::String => unquote(p.text(t)).value,
                    _ => p.text(t).to_string(),
                };
                if t.kind == TokenKind::String && p.peek_kind()? != TokenKind::Eql {
                    pairs.push((METRIC_NAME.to_string(), name));
                } else {
                    let eq = p.next()?;
                    if eq.kind != TokenKind::Eql {
                        return Err(p.unexpected(eq, "label set", "\"=\""));
                    }
                    let v = p.next()?;
                    if v.kind != TokenKind::String {
                        return Err(p.unexpected(v, "label set", "string"));
                    }
                    pairs.push((name, unquote(p.text(v)).value));
                }
                let sep = p.next()?;
                match sep.kind {
                    TokenKind::Comma => continue,
                    TokenKind::RightBrace => {
                        end = sep.span.end;
                        break;
                    }
                    _ => return Err(p.unexpected(sep, "label set", "\",\" or \"}\"")),
                }
            }
            _ => return Err(p.unexpected(t, "label set", "identifier or \"}\"")),
        }
    }
    Ok((make_labels(pairs, line, end)?, end))
}

fn make_labels(pairs: Vec<(String, String)>, line: &str, end: usize) -> Result<Labels> {
    let pairs: Vec<Label> = pairs.into_iter().map(|(n, v)| Label::new(n, v)).collect();
    Labels::new(pairs).map_err(|e| Error::new(Span::new(0, end.min(line.len())), e.to_string()))
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// A number as the series lexer scans it: decimal digits with `.`, `_` and an exponent (no
/// hex, so that `x` can follow), or `Inf`/`NaN`.
fn number(input: &str) -> IResult<&str, f64> {
    let word = alt((tag_no_case("inf"), tag_no_case("nan")));
    let digits = take_while1(|c: char| c.is_ascii_digit() || c == '.' || c == '_');
    let exponent = (
        alt((char('e'), char('E'))),
        opt(alt((char('+'), char('-')))),
        digit1,
    );
    let decimal = nom::combinator::recognize((digits, opt(exponent)));
    let (rest, text) = alt((decimal, word)).parse(input)?;
    match parse_number(text) {
        Ok(v) => Ok((rest, v)),
        Err(_) => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Float,
        ))),
    }
}

fn signed_number(input: &str) -> IResult<&str, f64> {
    let (rest, sign) = alt((value(1.0, char('+')), value(-1.0, char('-')))).parse(input)?;
    map(number, move |v| v * sign).parse(rest)
}

fn times(input: &str) -> IResult<&str, u64> {
    let (rest, _) = char('x').parse(input)?;
    nom::combinator::map_res(digit1, str::parse::<u64>).parse(rest)
}

/// One whitespace-separated item, expanded.
fn item(input: &str) -> IResult<&str, Vec<SeqValue>> {
    let blank = map((char('_'), opt(times)), |(_, n)| {
        vec![SeqValue::Omitted; n.map_or(1, |n| n as usize)]
    });
    let first = alt((
        value(model::stale_nan(), tag("stale")),
        number,
        signed_number,
    ));
    let series = map(
        (first, opt((opt(signed_number), times))),
        |(v, rep)| match rep {
            None => vec![SeqValue::Value(v)],
            Some((step, n)) => {
                let step = step.unwrap_or(0.0);
                let mut cur = v;
                let mut out = Vec::with_capacity(n as usize + 1);
                for _ in 0..=n {
                    out.push(SeqValue::Value(cur));
                    cur += step;
                }
                out
            }
        },
    );
    alt((blank, series)).parse(input)
}

/// More values than this in one description is surely a typo (`1x99999999999`).
const MAX_VALUES: usize = 1 << 24;

fn parse_values(line: &str, start: usize) -> Result<Vec<SeqValue>> {
    let mut rest = &line[start..];
    let mut out = Vec::new();
    loop {
        let (after, spaces) = take_while::<_, _, nom::error::Error<&str>>(is_blank)
            .parse(rest)
            .unwrap_or((rest, ""));
        rest = after;
        if rest.is_empty() {
            return Ok(out);
        }
        let pos = line.len() - rest.len();
        // Every value, the first included, follows some whitespace.
        if spaces.is_empty() {
            return Err(values_error(line, pos));
        }
        if rest.starts_with("{{") {
            return Err(Error::new(
                Span::new(pos, line.len()),
                "native histograms are not supported in series descriptions",
            ));
        }
        let Ok((after, values)) = item(rest) else {
            return Err(values_error(line, pos));
        };
        if after.chars().next().is_some_and(|c| !is_blank(c)) {
            return Err(values_error(line, line.len() - after.len()));
        }
        if out.len() + values.len() > MAX_VALUES {
            return Err(Error::new(
                Span::new(pos, line.len()),
                "too many values in series description",
            ));
        }
        out.extend(values);
        rest = after;
    }
}

fn values_error(line: &str, pos: usize) -> Error {
    let shown: String = line[pos..].chars().take_while(|&c| !is_blank(c)).collect();
    Error::new(
        Span::new(pos, line.len()),
        format!(
            "unexpected {} in series values",
            super::literal::go_quote(&shown)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(line: &str) -> Vec<SeqValue> {
        parse_series_desc(line).expect("valid description").1
    }

    fn floats(vs: &[f64]) -> Vec<SeqValue> {
        vs.iter().map(|&v| SeqValue::Value(v)).collect()
    }

    #[test]
    fn expands_value_sequences() {
        assert_eq!(values("{} 1 2 3"), floats(&[1.0, 2.0, 3.0]));
        assert_eq!(
            values(r#"m{a="b"} 1 2 3-10x4"#),
            floats(&[1.0, 2.0, 3.0, -7.0, -17.0, -27.0, -37.0])
        );
        assert_eq!(values("{} 1x0"), floats(&[1.0]));
        assert_eq!(values("{} 1x3").len(), 4);
        assert_eq!(values("{} _x3"), vec![SeqValue::Omitted; 3]);
        assert_eq!(
            values("m 1 -1 -3-10x1 +5"),
            floats(&[1.0, -1.0, -3.0, -13.0, 5.0])
        );
        assert_eq!(values("m 1 2 3    "), floats(&[1.0, 2.0, 3.0]));
        let stale = values("m stale Inf -Inf");
        assert!(matches!(stale[0], SeqValue::Value(v) if model::is_stale(v)));
        assert_eq!(stale[1..], floats(&[f64::INFINITY, f64::NEG_INFINITY]));
    }

    #[test]
    fn rejects_malformed_values() {
        for bad in [
            "{} 1+1",
            r#"m{a="b"} 1 3 _ 5 _a4"#,
            "m -3-3 -3",
            "m -3 _-2",
            "m -3 3+3x4-4",
            "m {{schema:1}}",
        ] {
            assert!(parse_series_desc(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_labels_in_all_forms() {
        let (l, _) = parse_series_desc(r#"{"http.requests", "service.name"="api", x='y'} 0+50x2"#)
            .expect("parses");
        assert_eq!(l.metric_name(), Some("http.requests"));
        assert_eq!(l.get("service.name"), Some("api"));
        assert_eq!(l.get("x"), Some("y"));
        let (l, v) = parse_series_desc(r#"my_metric{a="\u70ac"} 1"#).expect("parses");
        assert_eq!(l.get("a"), Some("炬"));
        assert_eq!(v, floats(&[1.0]));
        assert!(parse_series_desc(r#"{"http.requests"xx} 1"#).is_err());
    }
}
