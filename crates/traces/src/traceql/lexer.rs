//! Splits a TraceQL query into tokens, each with the 1-based character position it starts
//! at (what error messages point to).

use std::time::Duration;

use super::ParseError;
use super::duration::parse_duration;
use crate::query::Op;

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LBrace,
    RBrace,
    LParen,
    RParen,
    And,
    Or,
    Op(Op),
    /// A quoted string, unescaped.
    Str(String),
    Int(i64),
    Float(f64),
    Duration(Duration),
    /// A bare word: a field (`span.http.method`, `.x`, `name`, `span:status`) or a keyword
    /// (`true`, `nil`, `error`, `server`). `span."a b"` arrives as `span.a b`.
    Word(String),
}

impl Tok {
    /// How the token reads in an error message.
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::LBrace => "\"{\"".into(),
            Tok::RBrace => "\"}\"".into(),
            Tok::LParen => "\"(\"".into(),
            Tok::RParen => "\")\"".into(),
            Tok::And => "\"&&\"".into(),
            Tok::Or => "\"||\"".into(),
            Tok::Op(op) => format!("operator \"{}\"", op_text(*op)),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Int(i) => format!("number {i}"),
            Tok::Float(f) => format!("number {f}"),
            Tok::Duration(d) => format!("duration {d:?}"),
            Tok::Word(w) => format!("{w:?}"),
        }
    }
}

/// The operator as written.
pub(super) fn op_text(op: Op) -> &'static str {
    match op {
        Op::Eq => "=",
        Op::Ne => "!=",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Gt => ">",
        Op::Ge => ">=",
        Op::Match => "=~",
        Op::NotMatch => "!~",
    }
}

/// Characters that end a bare word.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || "{}()=!<>&|~,\"`".contains(c)
}

/// The query as tokens with their positions.
pub(super) fn lex(query: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        let next = chars.get(i + 1).copied();
        let two = |t: Tok| -> (usize, Tok) { (2, t) };
        let (len, tok) = match (c, next) {
            (c, _) if c.is_whitespace() => {
                i += 1;
                continue;
            }
            ('{', _) => (1, Tok::LBrace),
            ('}', _) => (1, Tok::RBrace),
            ('(', _) => (1, Tok::LParen),
            (')', _) => (1, Tok::RParen),
            ('&', Some('&')) => two(Tok::And),
            ('|', Some('|')) => two(Tok::Or),
            ('=', Some('~')) => two(Tok::Op(Op::Match)),
            ('!', Some('~')) => two(Tok::Op(Op::NotMatch)),
            ('!', Some('=')) => two(Tok::Op(Op::Ne)),
            ('<', Some('=')) => two(Tok::Op(Op::Le)),
            ('>', Some('=')) => two(Tok::Op(Op::Ge)),
            ('=', _) => (1, Tok::Op(Op::Eq)),
            ('<', _) => (1, Tok::Op(Op::Lt)),
            ('>', _) => (1, Tok::Op(Op::Gt)),
            ('|', _) => {
                return Err(ParseError::new(
                    pos,
                    "pipelines (\"|\") are not supported: use one spanset filter { ... }",
                ));
            }
            ('!', _) => {
                return Err(ParseError::new(
                    pos,
                    "negation (\"!\") is not supported: use != or !~",
                ));
            }
            ('"' | '`', _) => string(&chars, i)?,
            (c, _)
                if c.is_ascii_digit()
                    || (c == '-' && next.is_some_and(|n| n.is_ascii_digit() || n == '.')) =>
            {
                number(&chars, i)?
            }
            (c, _) if c.is_alphanumeric() || c == '_' || c == '.' => word(&chars, i)?,
            (c, _) => {
                return Err(ParseError::new(pos, format!("unexpected character {c:?}")));
            }
        };
        out.push((pos, tok));
        i += len;
    }
    Ok(out)
}

/// A string in double quotes (with `\"`, `\\`, `\n`, `\t`, `\r` escapes) or backticks (raw).
fn string(chars: &[char], start: usize) -> Result<(usize, Tok), ParseError> {
    let quote = chars[start];
    let mut s = String::new();
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        if c == quote {
            return Ok((i + 1 - start, Tok::Str(s)));
        }
        if c == '\\' && quote == '"' {
            let Some(&e) = chars.get(i + 1) else { break };
            s.push(match e {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '"' | '\\' => e,
                _ => {
                    return Err(ParseError::new(
                        i + 1,
                        format!("unknown escape sequence \\{e} in string"),
                    ));
                }
            });
            i += 2;
            continue;
        }
        s.push(c);
        i += 1;
    }
    Err(ParseError::new(start + 1, "unterminated string"))
}

/// An integer, a float or a duration (`-3`, `2.5`, `1e3`, `100ms`, `1h30m`).
fn number(chars: &[char], start: usize) -> Result<(usize, Tok), ParseError> {
    let mut i = start + usize::from(chars[start] == '-');
    while let Some(&c) = chars.get(i) {
        let exp_sign = (c == '+' || c == '-')
            && matches!(chars.get(i - 1), Some('e' | 'E'))
            && chars
                .get(i.wrapping_sub(2))
                .is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() || c == '.' || exp_sign {
            i += 1;
        } else {
            break;
        }
    }
    let text: String = chars[start..i].iter().collect();
    let len = i - start;
    if let Ok(v) = text.parse::<i64>() {
        return Ok((len, Tok::Int(v)));
    }
    if text
        .bytes()
        .all(|b| b.is_ascii_digit() || b".eE+-".contains(&b))
        && let Ok(v) = text.parse::<f64>()
        && v.is_finite()
    {
        return Ok((len, Tok::Float(v)));
    }
    match parse_duration(&text) {
        Ok(d) => Ok((len, Tok::Duration(d))),
        Err(e) if text.bytes().any(|b| b.is_ascii_alphabetic()) => {
            Err(ParseError::new(start + 1, e.to_string()))
        }
        Err(_) => Err(ParseError::new(
            start + 1,
            format!("invalid number {text:?}"),
        )),
    }
}

/// A bare word, with `scope."quoted name"` joined into one word.
fn word(chars: &[char], start: usize) -> Result<(usize, Tok), ParseError> {
    let mut i = start;
    while chars.get(i).is_some_and(|&c| !ends_word(c)) {
        i += 1;
    }
    let mut text: String = chars[start..i].iter().collect();
    if text.ends_with('.') && matches!(chars.get(i), Some('"')) {
        let (len, tok) = string(chars, i)?;
        let Tok::Str(name) = tok else {
            return Err(ParseError::new(i + 1, "expected a quoted attribute name"));
        };
        text.push_str(&name);
        i += len;
    }
    Ok((i - start, Tok::Word(text)))
}
