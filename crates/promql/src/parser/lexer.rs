//! The lexer: a port of the state machine in Prometheus' `lex.go`, written anew. Tokens are
//! produced on demand, so a lexing error surfaces when the parser reaches it, and error texts
//! and positions are Prometheus' own (`unexpected character: '}'`, `unclosed left
//! parenthesis`, `bad number or duration syntax: "5mm"` ...).

mod literals;
mod modes;

use super::ast::Span;
use super::error::{Error, Result};
use super::literal::go_quote_rune;
use super::token::{Token, TokenKind, keyword};

/// Where the lexer is; braces are tracked by `brace_open` as in Prometheus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Statements,
    /// Just after `[` or inside the leading part of a duration expression.
    DurationExpr,
    /// After an error or the end of input.
    Done,
}

/// Splits a query into tokens.
#[derive(Debug)]
pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    /// Width of the last character read, for `backup`.
    width: usize,
    state: State,
    paren_depth: i64,
    brace_open: bool,
    bracket_open: bool,
    got_colon: bool,
    got_duration: bool,
}

pub(super) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

pub(super) fn is_alpha(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

pub(super) fn is_alnum(c: Option<char>) -> bool {
    c.is_some_and(|c| is_alpha(c) || c.is_ascii_digit())
}

pub(super) const DIGITS: &str = "0123456789";
pub(super) const HEX_DIGITS: &str = "0123456789abcdefABCDEF";

impl<'a> Lexer<'a> {
    pub(crate) fn new(input: &'a str) -> Self {
        Lexer {
            input,
            pos: 0,
            start: 0,
            width: 0,
            state: State::Statements,
            paren_depth: 0,
            brace_open: false,
            bracket_open: false,
            got_colon: false,
            got_duration: false,
        }
    }

    fn next(&mut self) -> Option<char> {
        match self.input[self.pos..].chars().next() {
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                Some(c)
            }
            None => {
                self.width = 0;
                None
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    fn backup(&mut self) {
        self.pos -= self.width;
        self.width = 0;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(c) if valid.contains(c) => true,
            _ => {
                self.backup();
                false
            }
        }
    }

    fn is(&self, valid: &str) -> bool {
        self.peek().is_some_and(|c| valid.contains(c))
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn emit(&mut self, kind: TokenKind) -> Result<Token> {
        let tok = Token {
            kind,
            span: Span::new(self.start, self.pos),
        };
        self.start = self.pos;
        Ok(tok)
    }

    fn error(&mut self, message: impl Into<String>) -> Result<Token> {
        self.state = State::Done;
        Err(Error::new(Span::new(self.start, self.input.len()), message))
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.next();
        }
        self.start = self.pos;
    }

    /// Skips a `#` comment up to (not including) the end of the line.
    fn skip_comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' || c == '\r' {
                break;
            }
            self.next();
        }
        self.start = self.pos;
    }

    /// The next token; comments are skipped. After an error or the end, returns `Eof`.
    pub(crate) fn next_token(&mut self) -> Result<Token> {
        loop {
            self.start = self.pos;
            match self.state {
                State::Done => {
                    return Ok(Token {
                        kind: TokenKind::Eof,
                        span: self.eof_span(),
                    });
                }
                State::DurationExpr => {
                    if let Some(tok) = self.lex_duration_expr()? {
                        return Ok(tok);
                    }
                }
                State::Statements if self.brace_open => {
                    if let Some(tok) = self.lex_inside_braces()? {
                        return Ok(tok);
                    }
                }
                State::Statements => {
                    if let Some(tok) = self.lex_statements()? {
                        return Ok(tok);
                    }
                }
            }
        }
    }

    fn eof_span(&self) -> Span {
        Span::new(self.input.len(), self.input.len())
    }

    /// Returns `None` after skipping spaces or a comment.
    fn lex_statements(&mut self) -> Result<Option<Token>> {
        use TokenKind::*;
        if self.input[self.pos..].starts_with('#') {
            self.skip_comment();
            return Ok(None);
        }
        let Some(c) = self.next() else {
            if self.paren_depth != 0 {
                return self.error("unclosed left parenthesis").map(Some);
            }
            if self.bracket_open {
                return self.error("unclosed left bracket").map(Some);
            }
            self.state = State::Done;
            return self.emit(Eof).map(Some);
        };
        let tok = match c {
            ',' => self.emit(Comma),
            c if is_space(c) => {
                self.skip_spaces();
                return Ok(None);
            }
            '*' => self.emit(Mul),
            '/' => self.emit(Div),
            '%' => self.emit(Mod),
            '+' => self.emit(Add),
            '-' => self.emit(Sub),
            '^' => self.emit(Pow),
            '=' => match self.peek() {
                Some('=') => {
                    self.next();
                    self.emit(Eqlc)
                }
                Some('~') => self.error("unexpected character after '=': '~'"),
                _ => self.emit(Eql),
            },
            '!' => match self.next() {
                Some('=') => self.emit(Neq),
                t => self.error(format!(
                    "unexpected character after '!': {}",
                    go_quote_rune(t)
                )),
            },
            '<' | '>' => {
                let next = self.peek();
                if matches!(next, Some('=' | '/')) {
                    self.next();
                }
                // `</` and `>/` are the native-histogram trim operators.
                self.emit(match (c, next) {
                    ('<', Some('=')) => Lte,
                    ('<', Some('/')) => TrimUpper,
                    ('<', _) => Lss,
                    (_, Some('=')) => Gte,
                    (_, Some('/')) => TrimLower,
                    _ => Gtr,
                })
            }
            c if c.is_ascii_digit()
                || (c == '.' && self.peek().is_some_and(|p| p.is_ascii_digit())) =>
            {
                self.backup();
                self.lex_number_or_duration()
            }
            '"' | '\'' => self.lex_string(c),
            '`' => self.lex_raw_string(),
            c if is_alpha(c) || c == ':' => {
                if !self.bracket_open {
                    self.backup();
                    return self.lex_keyword_or_identifier().map(Some);
                }
                return self.lex_in_brackets(c).map(Some);
            }
            '(' => {
                self.paren_depth += 1;
                self.emit(LeftParen)
            }
            ')' => {
                let tok = self.emit(RightParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.error("unexpected right parenthesis ')'").map(Some);
                }
                tok
            }
            '{' => {
                self.brace_open = true;
                self.emit(LeftBrace)
            }
            '[' => {
                if self.bracket_open {
                    return self.error("unexpected left bracket '['").map(Some);
                }
                self.got_colon = false;
                self.got_duration = false;
                let tok = self.emit(LeftBracket);
                self.skip_spaces();
                self.bracket_open = true;
                self.state = State::DurationExpr;
                tok
            }
            ']' => {
                if !self.bracket_open {
                    return self.error("unexpected right bracket ']'").map(Some);
                }
                self.bracket_open = false;
                self.emit(RightBracket)
            }
            '@' => self.emit(At),
            c => self.error(format!("unexpected character: {}", go_quote_rune(Some(c)))),
        };
        tok.map(Some)
    }

    fn lex_keyword_or_identifier(&mut self) -> Result<Token> {
        while self
            .peek()
            .is_some_and(|c| is_alpha(c) || c.is_ascii_digit() || c == ':')
        {
            self.next();
        }
        let word = &self.input[self.start..self.pos];
        let kind = match keyword(word) {
            // fill, fill_left and fill_right are keywords only before '(' so that metrics
            // with these names keep working.
            Some(TokenKind::Fill | TokenKind::FillLeft | TokenKind::FillRight)
                if !self.followed_by_left_paren() =>
            {
                TokenKind::Identifier
            }
            Some(kind) => kind,
            None if word.contains(':') => TokenKind::MetricIdentifier,
            None => TokenKind::Identifier,
        };
        self.emit(kind)
    }

    fn followed_by_left_paren(&self) -> bool {
        self.input[self.pos..]
            .trim_start_matches(is_space)
            .starts_with('(')
    }
}

#[cfg(test)]
mod tests;
