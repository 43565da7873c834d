//! Vector selectors (`foo{a="b"}`, `{"utf8.name", x=~"re"}`) and label lists
//! (`by (a, "b.c")`, `on (x)`).

use model::{METRIC_NAME, MatchOp, Matcher};

use super::ast::{Span, VectorSelector};
use super::error::{Error, Result};
use super::expr::Parser;
use super::literal::{go_quote, go_quote_bytes, unquote};
use super::token::{Token, TokenKind};

impl Parser<'_> {
    /// A selector after its (already consumed) metric name, or starting at `{`.
    pub(crate) fn parse_vector_selector(&mut self, name: Option<Token>) -> Result<VectorSelector> {
        let mut matchers = Vec::new();
        let mut span = name.map(|t| t.span);
        if self.peek_kind()? == TokenKind::LeftBrace {
            let (m, braces) = self.parse_label_matchers()?;
            matchers = m;
            span = Some(span.map_or(braces, |s| s.to(braces)));
        }
        let name = name.map(|t| self.text(t).to_string());
        if let Some(n) = &name {
            matchers.push(Matcher::equal(METRIC_NAME, n.clone()));
        }
        Ok(VectorSelector {
            name,
            matchers,
            offset: None,
            at: None,
            anchored: false,
            smoothed: false,
            bypass_empty_matcher_check: false,
            span: span.unwrap_or_default(),
        })
    }

    /// `{ matcher, ... }` with an optional trailing comma; returns the matchers and the span
    /// of the braces.
    fn parse_label_matchers(&mut self) -> Result<(Vec<Matcher>, Span)> {
        let open = self.expect(TokenKind::LeftBrace)?;
        let mut matchers = Vec::new();
        if let Some(close) = self.eat(TokenKind::RightBrace)? {
            return Ok((matchers, open.span.to(close.span)));
        }
        loop {
            matchers.push(self.parse_label_matcher()?);
            let t = self.next()?;
            match t.kind {
                TokenKind::RightBrace => return Ok((matchers, open.span.to(t.span))),
                TokenKind::Comma => {
                    if let Some(close) = self.eat(TokenKind::RightBrace)? {
                        return Ok((matchers, open.span.to(close.span)));
                    }
                }
                _ => return Err(self.unexpected(t, "label matching", "\",\" or \"}\"")),
            }
        }
    }

    /// `name op "value"`, `"quoted name" op "value"` or a quoted metric name alone.
    fn parse_label_matcher(&mut self) -> Result<Matcher> {
        let t = self.next()?;
        let name = match t.kind {
            TokenKind::Identifier => self.text(t).to_string(),
            TokenKind::String => unquote(self.text(t)).value,
            _ => return Err(self.unexpected(t, "label matching", "identifier or \"}\"")),
        };
        let op_tok = self.peek()?;
        let op = match op_tok.kind {
            TokenKind::Eql => MatchOp::Equal,
            TokenKind::Neq => MatchOp::NotEqual,
            TokenKind::EqlRegex => MatchOp::Regex,
            TokenKind::NeqRegex => MatchOp::NotRegex,
            _ if t.kind == TokenKind::String => {
                // `{"metric.name"}`: a metric name inside the braces.
                return Ok(Matcher::equal(METRIC_NAME, name));
            }
            _ => return Err(self.unexpected(op_tok, "label matching", "label matching operator")),
        };
        self.next()?;
        let value_tok = self.next()?;
        if value_tok.kind != TokenKind::String {
            return Err(self.unexpected(value_tok, "label matching", "string"));
        }
        let value = unquote(self.text(value_tok)).value;
        Matcher::new(op, name, value)
            .map_err(|e| Error::new(t.span.to(value_tok.span), e.to_string()))
    }

    /// `( label, ... )` of `by`, `without`, `on`, `ignoring`, `group_left`, `group_right`.
    pub(crate) fn parse_grouping_labels(&mut self) -> Result<Vec<String>> {
        let open = self.next()?;
        if open.kind != TokenKind::LeftParen {
            return Err(self.unexpected(open, "grouping opts", "\"(\""));
        }
        let mut labels = Vec::new();
        if self.eat(TokenKind::RightParen)?.is_some() {
            return Ok(labels);
        }
        loop {
            let t = self.next()?;
            let label = match t.kind {
                k if k.is_word() => self.text(t).to_string(),
                TokenKind::String => {
                    let u = unquote(self.text(t));
                    if u.value.is_empty() || u.invalid_utf8.is_some() {
                        let shown = match &u.invalid_utf8 {
                            Some(bytes) => go_quote_bytes(bytes),
                            None => go_quote(&u.value),
                        };
                        return Err(Error::new(
                            t.span,
                            format!("invalid label name for grouping: {shown}"),
                        ));
                    }
                    u.value
                }
                _ => return Err(self.unexpected(t, "grouping opts", "label")),
            };
            labels.push(label);
            let sep = self.next()?;
            match sep.kind {
                TokenKind::RightParen => return Ok(labels),
                TokenKind::Comma => {
                    if self.eat(TokenKind::RightParen)?.is_some() {
                        return Ok(labels);
                    }
                }
                _ => return Err(self.unexpected(sep, "grouping opts", "\",\" or \")\"")),
            }
        }
    }
}
