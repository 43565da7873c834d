//! The lexer states for brackets (`[5m:step()]`, duration expressions) and braces
//! (`{a="b"}`, where keywords are plain identifiers).

use super::{Lexer, State, is_alnum, is_alpha, is_space};
use crate::parser::error::Result;
use crate::parser::literal::go_quote_rune;
use crate::parser::token::{Token, TokenKind};

impl Lexer<'_> {
    /// A letter or `:` inside `[...]` after the first number: a subquery colon or one of the
    /// duration functions.
    pub(super) fn lex_in_brackets(&mut self, c: char) -> Result<Token> {
        if c == ':' {
            if self.got_colon {
                return self.error("unexpected colon ':'");
            }
            self.got_colon = true;
            if self.peek() == Some(':') {
                self.next();
                return self.emit(TokenKind::DoubleColon);
            }
            return self.emit(TokenKind::Colon);
        }
        if matches!(c, 's' | 'S' | 'm' | 'M' | 'r' | 'R')
            && let Some(tok) = self.scan_duration_keyword()
        {
            return Ok(tok);
        }
        self.error(format!(
            "unexpected character: {}, expected ':'",
            go_quote_rune(Some(c))
        ))
    }

    /// Reads the rest of a word and returns a token if it is `step`, `range`, `min_of` or
    /// `max_of` (any case).
    pub(super) fn scan_duration_keyword(&mut self) -> Option<Token> {
        while self.peek().is_some_and(is_alpha) {
            self.next();
        }
        let kind = match self.input[self.start..self.pos]
            .to_ascii_lowercase()
            .as_str()
        {
            "step" => TokenKind::Step,
            "range" => TokenKind::Range,
            "min_of" => TokenKind::MinOf,
            "max_of" => TokenKind::MaxOf,
            _ => return None,
        };
        self.got_duration = true;
        self.emit(kind).ok()
    }

    pub(super) fn lex_duration_expr(&mut self) -> Result<Option<Token>> {
        use TokenKind::*;
        let Some(c) = self.next() else {
            return self
                .error("unexpected end of input in duration expression")
                .map(Some);
        };
        let tok = match c {
            ']' => {
                self.bracket_open = false;
                self.got_colon = false;
                self.state = State::Statements;
                self.emit(RightBracket)
            }
            ':' => {
                let tok = self.emit(Colon);
                if !self.got_duration {
                    return self
                        .error("unexpected colon before duration in duration expression")
                        .map(Some);
                }
                if self.got_colon {
                    return self
                        .error("unexpected repeated colon in duration expression")
                        .map(Some);
                }
                self.got_colon = true;
                tok
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
            c if is_space(c) => {
                self.skip_spaces();
                return Ok(None);
            }
            '+' => self.emit(Add),
            '-' => self.emit(Sub),
            '*' => self.emit(Mul),
            '/' => self.emit(Div),
            '%' => self.emit(Mod),
            '^' => self.emit(Pow),
            ',' => self.emit(Comma),
            's' | 'S' | 'm' | 'M' | 'r' | 'R' => match self.scan_duration_keyword() {
                Some(tok) => Ok(tok),
                None => self.error(format!(
                    "unexpected character in duration expression: {}",
                    go_quote_rune(Some(c))
                )),
            },
            c if c.is_ascii_digit()
                || (c == '.' && self.peek().is_some_and(|p| p.is_ascii_digit())) =>
            {
                self.backup();
                self.got_duration = true;
                self.state = State::Statements;
                self.lex_number_or_duration()
            }
            c => self.error(format!(
                "unexpected character in duration expression: {}",
                go_quote_rune(Some(c))
            )),
        };
        tok.map(Some)
    }

    pub(super) fn lex_inside_braces(&mut self) -> Result<Option<Token>> {
        use TokenKind::*;
        if self.input[self.pos..].starts_with('#') {
            self.skip_comment();
            return Ok(None);
        }
        let Some(c) = self.next() else {
            return self
                .error("unexpected end of input inside braces")
                .map(Some);
        };
        let tok = match c {
            c if is_space(c) => {
                self.skip_spaces();
                return Ok(None);
            }
            c if is_alpha(c) => {
                while is_alnum(self.peek()) {
                    self.next();
                }
                self.emit(Identifier)
            }
            ',' => self.emit(Comma),
            '"' | '\'' => self.lex_string(c),
            '`' => self.lex_raw_string(),
            '=' => {
                if self.peek() == Some('~') {
                    self.next();
                    self.emit(EqlRegex)
                } else {
                    self.emit(Eql)
                }
            }
            '!' => match self.next() {
                Some('~') => self.emit(NeqRegex),
                Some('=') => self.emit(Neq),
                t => self.error(format!(
                    "unexpected character after '!' inside braces: {}",
                    go_quote_rune(t)
                )),
            },
            '{' => self.error("unexpected left brace '{'"),
            '}' => {
                self.brace_open = false;
                self.emit(RightBrace)
            }
            c => self.error(format!(
                "unexpected character inside braces: {}",
                go_quote_rune(Some(c))
            )),
        };
        tok.map(Some)
    }
}
