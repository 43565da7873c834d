//! Recursive descent over the tokens: one spanset filter `{ ... }` whose conditions combine
//! with `&&` (binding tighter) and `||`, grouped by parentheses, each condition typed
//! against its field.

use std::time::Duration;

use model::trace::{SpanKind, StatusCode};

use super::ParseError;
use super::lexer::{Tok, op_text};
use crate::query::{AttrScope, Field, Intrinsic, Literal, Op, SpanFilter};

/// Deepest parenthesis nesting accepted, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 32;

/// A literal as written, before it is typed against its field.
#[derive(Debug)]
enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Duration(Duration),
    Bool(bool),
    Nil,
    Status(StatusCode),
    Kind(SpanKind),
}

pub(super) struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
    /// Position just past the last character, for "unexpected end" errors.
    end: usize,
}

impl Parser {
    pub(super) fn new(toks: Vec<(usize, Tok)>, end: usize) -> Parser {
        Parser { toks, at: 0, end }
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(_, t)| t)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.end, |(p, _)| *p)
    }

    fn bump(&mut self) -> Option<(usize, Tok)> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn unexpected(&self, wanted: &str) -> ParseError {
        match self.peek() {
            Some(t) => ParseError::new(
                self.pos(),
                format!("expected {wanted}, found {}", t.describe()),
            ),
            None => ParseError::new(self.end, format!("expected {wanted}, found end of query")),
        }
    }

    fn expect(&mut self, tok: &Tok, wanted: &str) -> Result<(), ParseError> {
        if self.peek() == Some(tok) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.unexpected(wanted))
        }
    }

    /// `{ }` or `{ expr }`, and nothing after it.
    pub(super) fn spanset(&mut self) -> Result<SpanFilter, ParseError> {
        if self.peek().is_none() {
            return Err(ParseError::new(
                self.end,
                "empty query: expected a spanset filter such as { }",
            ));
        }
        self.expect(&Tok::LBrace, "\"{\" to open a spanset filter")?;
        let filter = if self.peek() == Some(&Tok::RBrace) {
            SpanFilter::All
        } else {
            self.or(0)?
        };
        self.expect(&Tok::RBrace, "\"&&\", \"||\" or \"}\"")?;
        match self.peek() {
            None => Ok(filter),
            Some(Tok::And | Tok::Or) => Err(ParseError::new(
                self.pos(),
                "only one spanset filter { ... } is supported: combine conditions inside it",
            )),
            Some(Tok::Op(_)) => Err(ParseError::new(
                self.pos(),
                "structural operators between spansets are not supported",
            )),
            Some(t) => Err(ParseError::new(
                self.pos(),
                format!("unexpected {} after the spanset filter", t.describe()),
            )),
        }
    }

    fn or(&mut self, depth: usize) -> Result<SpanFilter, ParseError> {
        let mut items = vec![self.and(depth)?];
        while self.peek() == Some(&Tok::Or) {
            self.at += 1;
            items.push(self.and(depth)?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or_default()
        } else {
            // `a || (b || c)` is one list.
            let mut flat = Vec::with_capacity(items.len());
            for it in items {
                match it {
                    SpanFilter::Or(inner) => flat.extend(inner),
                    x => flat.push(x),
                }
            }
            SpanFilter::Or(flat)
        })
    }

    fn and(&mut self, depth: usize) -> Result<SpanFilter, ParseError> {
        let mut f = self.primary(depth)?;
        while self.peek() == Some(&Tok::And) {
            self.at += 1;
            let next = self.primary(depth)?;
            f = f.and(next);
        }
        Ok(f)
    }

    fn primary(&mut self, depth: usize) -> Result<SpanFilter, ParseError> {
        match self.peek() {
            Some(Tok::LParen) => {
                if depth >= MAX_DEPTH {
                    return Err(ParseError::new(
                        self.pos(),
                        format!("parentheses nested deeper than {MAX_DEPTH}"),
                    ));
                }
                self.at += 1;
                let f = self.or(depth + 1)?;
                self.expect(&Tok::RParen, "\"&&\", \"||\" or \")\"")?;
                Ok(f)
            }
            Some(Tok::Word(w)) if w == "true" => {
                self.at += 1;
                Ok(SpanFilter::All)
            }
            Some(Tok::Word(w)) if w == "false" => {
                self.at += 1;
                Ok(SpanFilter::Or(Vec::new()))
            }
            Some(Tok::Word(_)) => self.comparison(),
            _ => Err(self.unexpected("a condition such as span.foo = \"bar\"")),
        }
    }

    fn comparison(&mut self) -> Result<SpanFilter, ParseError> {
        let Some((field_pos, Tok::Word(name))) = self.bump() else {
            return Err(self.unexpected("a field"));
        };
        let field = resolve_field(&name).map_err(|m| ParseError::new(field_pos, m))?;
        let op = match self.peek() {
            Some(Tok::Op(op)) => *op,
            _ => return Err(self.unexpected("a comparison operator (= != < <= > >= =~ !~)")),
        };
        self.at += 1;
        let value_pos = self.pos();
        let value = self.value()?;
        let lit = typed(&field, op, value).map_err(|m| ParseError::new(value_pos, m))?;
        Ok(SpanFilter::cond(field, op, lit))
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        let wanted = "a value (a string, number, duration, true, false, nil, a status or a kind)";
        let v = match self.peek() {
            Some(Tok::Str(s)) => Value::Str(s.clone()),
            Some(Tok::Int(i)) => Value::Int(*i),
            Some(Tok::Float(f)) => Value::Float(*f),
            Some(Tok::Duration(d)) => Value::Duration(*d),
            Some(Tok::Word(w)) => match w.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "nil" => Value::Nil,
                w => match (StatusCode::parse(w), SpanKind::parse(w)) {
                    (Some(s), _) if w == s.as_str() => Value::Status(s),
                    (_, Some(k)) if w == k.as_str() => Value::Kind(k),
                    _ => {
                        return Err(ParseError::new(
                            self.pos(),
                            format!("expected {wanted}, found {w:?} (quote strings: \"{w}\")"),
                        ));
                    }
                },
            },
            _ => return Err(self.unexpected(wanted)),
        };
        self.at += 1;
        Ok(v)
    }
}

/// A field name as TraceQL spells it; see [`super::parse_field`].
pub(super) fn resolve_field(name: &str) -> Result<Field, String> {
    use Intrinsic as I;
    let intrinsic = match name {
        "name" | "span:name" => Some(I::Name),
        "status" | "span:status" => Some(I::Status),
        "statusMessage" | "span:statusMessage" => Some(I::StatusMessage),
        "kind" | "span:kind" => Some(I::Kind),
        "duration" | "span:duration" => Some(I::Duration),
        "traceDuration" | "trace:duration" => Some(I::TraceDuration),
        "rootName" | "trace:rootName" => Some(I::RootName),
        "rootServiceName" | "trace:rootService" => Some(I::RootServiceName),
        _ => None,
    };
    if let Some(i) = intrinsic {
        return Ok(Field::Intrinsic(i));
    }
    if name.contains(':') && !name.contains('.') {
        return Err(format!("intrinsic {name:?} is not supported"));
    }
    let scopes = [
        ("span.", Some(AttrScope::Span)),
        ("resource.", Some(AttrScope::Resource)),
        ("event.", Some(AttrScope::Event)),
        (".", Some(AttrScope::Unscoped)),
        ("link.", None),
        ("instrumentation.", None),
        ("parent.", None),
    ];
    for (prefix, scope) in scopes {
        if let Some(key) = name.strip_prefix(prefix) {
            let Some(scope) = scope else {
                return Err(format!(
                    "scope {:?} is not supported (use span., resource., event. or .)",
                    prefix.trim_end_matches('.')
                ));
            };
            if key.is_empty() {
                return Err(format!("attribute name missing after {prefix:?}"));
            }
            return Ok(Field::attr(scope, key));
        }
    }
    Err(format!(
        "unknown field {name:?}: attributes need a scope (span.{name}, resource.{name} or .{name})"
    ))
}

/// The literal for `field op value`, or why that comparison makes no sense.
fn typed(field: &Field, op: Op, value: Value) -> Result<Literal, String> {
    use Intrinsic as I;
    let regex_op = matches!(op, Op::Match | Op::NotMatch);
    let order_op = matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge);
    let text = op_text(op);
    let string_lit = |s: String| -> Result<Literal, String> {
        if regex_op {
            Literal::regex(&s).map_err(|e| format!("invalid regular expression: {}", regex_msg(&e)))
        } else {
            Ok(Literal::Str(s))
        }
    };
    match field {
        Field::Intrinsic(I::Status) => match value {
            Value::Status(s) if !regex_op && !order_op => Ok(Literal::Status(s)),
            Value::Status(_) => Err(format!(
                "status cannot be compared with {text}: use = or !="
            )),
            _ => Err("status is compared with ok, error or unset".into()),
        },
        Field::Intrinsic(I::Kind) => match value {
            Value::Kind(k) if !regex_op && !order_op => Ok(Literal::Kind(k)),
            Value::Kind(_) => Err(format!("kind cannot be compared with {text}: use = or !=")),
            _ => Err(
                "kind is compared with server, client, producer, consumer, internal or unspecified"
                    .into(),
            ),
        },
        Field::Intrinsic(I::Duration | I::TraceDuration) => match value {
            Value::Duration(d) if !regex_op => Ok(Literal::Duration(d)),
            Value::Duration(_) => Err(format!("a duration cannot be compared with {text}")),
            _ => Err("durations are compared with a duration such as 100ms or 1.5s".into()),
        },
        Field::Intrinsic(_) => match value {
            Value::Str(s) => string_lit(s),
            _ => Err("this field is a string: compare it with a quoted string".into()),
        },
        Field::Attr { .. } => match value {
            Value::Str(s) => string_lit(s),
            _ if regex_op => Err(format!("{text} needs a quoted regular expression")),
            Value::Int(i) => Ok(Literal::Int(i)),
            Value::Float(f) => Ok(Literal::Float(f)),
            Value::Duration(d) => Ok(Literal::Duration(d)),
            Value::Bool(b) if !order_op => Ok(Literal::Bool(b)),
            Value::Nil if !order_op => Ok(Literal::Nil),
            Value::Bool(_) | Value::Nil => Err(format!("{text} cannot compare true, false or nil")),
            Value::Status(s) => Err(format!(
                "{:?} is a status keyword: compare the status intrinsic, or quote it",
                s.as_str()
            )),
            Value::Kind(k) => Err(format!(
                "{:?} is a kind keyword: compare the kind intrinsic, or quote it",
                k.as_str()
            )),
        },
    }
}

/// The one-line cause of a regex error (the crate's messages span several lines).
fn regex_msg(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or_else(|| text.lines().next().unwrap_or("invalid"))
        .to_owned()
}
