//! The recursive-descent parser: token plumbing, operator precedence and primary
//! expressions. Selectors, modifiers, calls and durations live in the `parse_*` modules.
//!
//! Prometheus uses a yacc grammar; this parser accepts the same language and produces the
//! same first error, reporting it as soon as it is found.

use super::ast::{BinaryExpr, BinaryOp, Expr, NumberLiteral, ParenExpr, Span, StringLiteral};
use super::ast::{UnaryExpr, UnaryOp};
use super::duration::parse_duration;
use super::error::{Error, Result};
use super::lexer::Lexer;
use super::literal::{parse_number, unquote};
use super::token::{Token, TokenKind, describe};

/// Deepest nesting (parentheses, calls, unary operators) accepted. Prometheus has no limit;
/// ours keeps recursion far from the stack's end on hostile input.
pub(crate) const MAX_DEPTH: usize = 100;

/// Parser state over one query.
#[derive(Debug)]
pub(crate) struct Parser<'a> {
    pub(crate) input: &'a str,
    lexer: Lexer<'a>,
    peeked: Option<Token>,
    /// End of the last closing token consumed (`)`, `}`, `]`, a number or a duration): where
    /// aggregations, calls and modified selectors end.
    pub(crate) last_closing: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(input: &'a str) -> Self {
        Parser {
            input,
            lexer: Lexer::new(input),
            peeked: None,
            last_closing: 0,
            depth: 0,
        }
    }

    pub(crate) fn peek(&mut self) -> Result<Token> {
        if let Some(t) = self.peeked {
            return Ok(t);
        }
        let t = self.lexer.next_token()?;
        self.peeked = Some(t);
        Ok(t)
    }

    pub(crate) fn peek_kind(&mut self) -> Result<TokenKind> {
        self.peek().map(|t| t.kind)
    }

    pub(crate) fn next(&mut self) -> Result<Token> {
        let t = self.peek()?;
        self.peeked = None;
        use TokenKind::*;
        if matches!(
            t.kind,
            RightParen | RightBrace | RightBracket | Number | Duration
        ) {
            self.last_closing = t.span.end;
        }
        Ok(t)
    }

    /// Consumes the next token if it has this kind.
    pub(crate) fn eat(&mut self, kind: TokenKind) -> Result<Option<Token>> {
        if self.peek_kind()? == kind {
            return self.next().map(Some);
        }
        Ok(None)
    }

    pub(crate) fn text(&self, t: Token) -> &'a str {
        t.text(self.input)
    }

    /// `unexpected <token>[ in <context>][, expected <expected>]`.
    pub(crate) fn unexpected(&self, t: Token, context: &str, expected: &str) -> Error {
        let mut msg = format!("unexpected {}", describe(t, self.input));
        if !context.is_empty() {
            msg.push_str(" in ");
            msg.push_str(context);
        }
        if !expected.is_empty() {
            msg.push_str(", expected ");
            msg.push_str(expected);
        }
        Error::new(t.span, msg)
    }

    /// Consumes a token of this kind or fails with a context-free "unexpected" error.
    pub(crate) fn expect(&mut self, kind: TokenKind) -> Result<Token> {
        let t = self.peek()?;
        if t.kind != kind {
            return Err(self.unexpected(t, "", ""));
        }
        self.next()
    }

    pub(crate) fn enter(&mut self, at: Span) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::new(
                at,
                format!("expression nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The whole query.
    pub(crate) fn parse_query(&mut self) -> Result<Expr> {
        let first = self.peek()?;
        if first.kind == TokenKind::Eof {
            return Err(Error::new(Span::new(0, 0), "no expression found in input"));
        }
        let expr = self.parse_expr(0)?;
        let t = self.peek()?;
        if t.kind != TokenKind::Eof {
            return Err(self.unexpected(t, "", ""));
        }
        Ok(expr)
    }

    /// An expression whose binary operators all bind at least as tightly as `min_prec`.
    pub(crate) fn parse_expr(&mut self, min_prec: u8) -> Result<Expr> {
        let mut lhs = self.parse_unary()?;
        while let Some(op) = binary_op(self.peek_kind()?) {
            if op.precedence() < min_prec {
                break;
            }
            let op_token = self.next()?;
            let (return_bool, matching) = self.parse_bin_modifiers()?;
            let next_min = if op.is_right_associative() {
                op.precedence()
            } else {
                op.precedence() + 1
            };
            self.enter(op_token.span)?;
            let rhs = self.parse_expr(next_min);
            self.leave();
            let rhs = rhs?;
            let span = lhs.span().to(rhs.span());
            lhs = Expr::Binary(BinaryExpr {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                return_bool,
                matching: Some(matching),
                span,
            });
        }
        Ok(lhs)
    }

    /// A unary expression, which binds like `*`: its operand only absorbs `^`.
    fn parse_unary(&mut self) -> Result<Expr> {
        let t = self.peek()?;
        let op = match t.kind {
            TokenKind::Add => UnaryOp::Pos,
            TokenKind::Sub => UnaryOp::Neg,
            _ => return self.parse_postfix(),
        };
        self.next()?;
        self.enter(t.span)?;
        let operand = self.parse_expr(BinaryOp::Pow.precedence());
        self.leave();
        let operand = operand?;
        let span = t.span.to(operand.span());
        Ok(match operand {
            // Signs fold into number literals, as in Prometheus.
            Expr::NumberLiteral(mut n) => {
                if op == UnaryOp::Neg {
                    n.value = -n.value;
                }
                n.span = span;
                Expr::NumberLiteral(n)
            }
            e => Expr::Unary(UnaryExpr {
                op,
                expr: Box::new(e),
                span,
            }),
        })
    }

    /// A primary expression followed by any `[...]`, `offset`, `@`, `anchored`, `smoothed`.
    fn parse_postfix(&mut self) -> Result<Expr> {
        let mut expr = self.parse_primary()?;
        loop {
            expr = match self.peek_kind()? {
                TokenKind::LeftBracket => self.parse_range_or_subquery(expr)?,
                TokenKind::Offset => self.parse_offset(expr)?,
                TokenKind::At => self.parse_at(expr)?,
                TokenKind::Anchored | TokenKind::Smoothed => self.parse_extended_modifier(expr)?,
                _ => return Ok(expr),
            };
        }
    }

    fn parse_primary(&mut self) -> Result<Expr> {
        use TokenKind::*;
        let t = self.peek()?;
        match t.kind {
            Number | Duration | String => self.parse_literal(),
            LeftParen => self.parse_paren(),
            LeftBrace => self.parse_vector_selector(None).map(Expr::VectorSelector),
            Agg(op) => {
                self.next()?;
                if matches!(self.peek_kind()?, LeftParen | By | Without) {
                    return self.parse_aggregation(op, t);
                }
                self.parse_vector_selector(Some(t))
                    .map(Expr::VectorSelector)
            }
            Identifier | Start | End | Step | Range => {
                self.next()?;
                if self.peek_kind()? == LeftParen {
                    return self.parse_call(t);
                }
                self.parse_vector_selector(Some(t))
                    .map(Expr::VectorSelector)
            }
            k if k.is_metric_name() => {
                self.next()?;
                self.parse_vector_selector(Some(t))
                    .map(Expr::VectorSelector)
            }
            _ => Err(self.unexpected(t, "", "")),
        }
    }

    /// A number, duration or string literal.
    fn parse_literal(&mut self) -> Result<Expr> {
        let t = self.next()?;
        let text = self.text(t);
        Ok(match t.kind {
            TokenKind::Number => {
                let value = parse_number(text)
                    .map_err(|e| Error::new(t.span, format!("error parsing number: {e}")))?;
                Expr::NumberLiteral(NumberLiteral {
                    value,
                    duration: false,
                    span: t.span,
                })
            }
            TokenKind::Duration => {
                let ms = parse_duration(text).map_err(|e| Error::new(t.span, e))?;
                let value = ms as f64 / 1000.0;
                Expr::NumberLiteral(NumberLiteral {
                    value,
                    duration: true,
                    span: t.span,
                })
            }
            _ => {
                let u = unquote(text);
                Expr::StringLiteral(StringLiteral {
                    value: u.value,
                    invalid_utf8: u.invalid_utf8,
                    span: t.span,
                })
            }
        })
    }

    fn parse_paren(&mut self) -> Result<Expr> {
        let open = self.next()?;
        self.enter(open.span)?;
        let inner = self.parse_expr(0);
        self.leave();
        let inner = inner?;
        let close = self.expect(TokenKind::RightParen)?;
        Ok(Expr::Paren(ParenExpr {
            expr: Box::new(inner),
            span: open.span.to(close.span),
        }))
    }
}

/// The binary operator a token stands for.
pub(crate) fn binary_op(kind: TokenKind) -> Option<BinaryOp> {
    use TokenKind::*;
    Some(match kind {
        Add => BinaryOp::Add,
        Sub => BinaryOp::Sub,
        Mul => BinaryOp::Mul,
        Div => BinaryOp::Div,
        Mod => BinaryOp::Mod,
        Pow => BinaryOp::Pow,
        Atan2 => BinaryOp::Atan2,
        Eqlc => BinaryOp::Eql,
        Neq => BinaryOp::Neq,
        Gtr => BinaryOp::Gtr,
        Lss => BinaryOp::Lss,
        Gte => BinaryOp::Gte,
        Lte => BinaryOp::Lte,
        TrimUpper => BinaryOp::TrimUpper,
        TrimLower => BinaryOp::TrimLower,
        Land => BinaryOp::And,
        Lor => BinaryOp::Or,
        Lunless => BinaryOp::Unless,
        _ => return None,
    })
}
