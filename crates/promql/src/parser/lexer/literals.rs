//! Scanners for string, number and duration literals, following Prometheus' lexer so that
//! the same inputs are accepted and the same texts are reported as bad.

use super::{DIGITS, HEX_DIGITS, Lexer, is_alnum};
use crate::parser::error::Result;
use crate::parser::literal::{go_quote, go_unicode};
use crate::parser::token::{Token, TokenKind};

impl Lexer<'_> {
    pub(super) fn lex_string(&mut self, quote: char) -> Result<Token> {
        loop {
            match self.next() {
                Some('\\') => self.lex_escape(quote)?,
                Some('\u{FFFD}') => return self.error("invalid UTF-8 rune"),
                None | Some('\n') => return self.error("unterminated quoted string"),
                Some(c) if c == quote => return self.emit(TokenKind::String),
                Some(_) => {}
            }
        }
    }

    pub(super) fn lex_raw_string(&mut self) -> Result<Token> {
        loop {
            match self.next() {
                Some('\u{FFFD}') => return self.error("invalid UTF-8 rune"),
                None => return self.error("unterminated raw string"),
                Some('`') => return self.emit(TokenKind::String),
                Some(_) => {}
            }
        }
    }

    /// Validates one escape sequence; the backslash has been read.
    pub(super) fn lex_escape(&mut self, quote: char) -> Result<()> {
        let mut ch = self.next();
        let (mut n, base, max) = match ch {
            Some('a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '\\') => return Ok(()),
            Some(c) if c == quote => return Ok(()),
            Some('0'..='7') => (3, 8, 255),
            Some('x') => {
                ch = self.next();
                (2, 16, 255)
            }
            Some('u') => {
                ch = self.next();
                (4, 16, 0x10FFFF)
            }
            Some('U') => {
                ch = self.next();
                (8, 16, 0x10FFFF)
            }
            None => return self.error("escape sequence not terminated").map(|_| ()),
            Some(c) => {
                return self
                    .error(format!("unknown escape sequence {}", go_unicode(Some(c))))
                    .map(|_| ());
            }
        };
        let mut x: u32 = 0;
        while n > 0 {
            let d = ch
                .and_then(|c| c.to_digit(16))
                .filter(|&d| d < base)
                .unwrap_or(16);
            if d >= base {
                let msg = match ch {
                    None => "escape sequence not terminated".to_string(),
                    Some(c) => format!(
                        "illegal character {} in escape sequence",
                        go_unicode(Some(c))
                    ),
                };
                return self.error(msg).map(|_| ());
            }
            x = x * base + d;
            n -= 1;
            if n > 0 {
                ch = self.next();
            }
        }
        if x > max || (0xD800..0xE000).contains(&x) {
            return self
                .error("escape sequence is an invalid Unicode code point")
                .map(|_| ());
        }
        Ok(())
    }

    pub(super) fn lex_number_or_duration(&mut self) -> Result<Token> {
        if self.scan_number() {
            return self.emit(TokenKind::Number);
        }
        if self.accept_remaining_duration() {
            self.backup();
            return self.emit(TokenKind::Duration);
        }
        let text = go_quote(&self.input[self.start..self.pos]);
        self.error(format!("bad number or duration syntax: {text}"))
    }

    /// After the digits of a duration: units, optionally more digit-unit groups, and no
    /// letter or digit right after. Bad units (`hs`) are reported when the duration is parsed.
    pub(super) fn accept_remaining_duration(&mut self) -> bool {
        if !self.accept("smhdwy") {
            return false;
        }
        self.accept("s");
        while self.accept(DIGITS) {
            self.accept_run(DIGITS);
            if !self.accept("smhdw") {
                return false;
            }
            self.accept("s");
        }
        let next = self.next();
        !is_alnum(next)
    }

    /// Scans decimal, hex and float numbers; the result is validated when parsed.
    pub(super) fn scan_number(&mut self) -> bool {
        let initial = self.pos;
        let mut digits = DIGITS;
        if self.accept("0") && self.accept("xX") {
            self.accept("_");
            digits = HEX_DIGITS;
        }
        self.accept(".");
        self.accept(digits);
        let mut dot = false;
        let mut exponent = false;
        let any = format!("{digits}._eE");
        while self.is(&any) {
            if self.is(".") && dot {
                self.accept(".");
                return false;
            }
            if self.is("eE") && exponent {
                self.accept("eE");
                return false;
            }
            if self.accept(".") {
                dot = true;
                if self.accept("_.") || digits.len() > DIGITS.len() {
                    return false;
                }
                continue;
            }
            if self.accept("eE") {
                exponent = true;
                self.accept("+-");
                if self.accept("._eE") || self.peek().is_none() {
                    return false;
                }
                continue;
            }
            if self.accept("_") {
                if self.accept("._eE") || self.peek().is_none() {
                    return false;
                }
                continue;
            }
            self.accept_run(digits);
        }
        self.pos != initial && !is_alnum(self.peek())
    }
}
