//! Duration expressions inside `[...]` and after `offset`: literals, `+ - * / % ^`,
//! parentheses, unary signs, `step()`, `range()`, `min_of(a, b)` and `max_of(a, b)`.
//! Constant parts are folded to catch `division by zero` and non-positive ranges at parse
//! time, as Prometheus does; expressions using `step()`/`range()` are left to the engine.

use super::ast::{Span, UnaryOp};
use super::duration::{
    Duration, DurationExpr, DurationExprKind, DurationOp, parse_duration, seconds_in_range,
    seconds_to_ms,
};
use super::error::{Error, Result};
use super::expr::Parser;
use super::literal::parse_number;
use super::token::TokenKind;

/// The context and expectation named in "unexpected ..." errors for one duration position.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DurationSite {
    pub(crate) context: &'static str,
    pub(crate) expected: &'static str,
}

pub(crate) const RANGE_SITE: DurationSite = DurationSite {
    context: "subquery or range selector",
    expected: "number, duration, step(), or range()",
};
pub(crate) const STEP_SITE: DurationSite = DurationSite {
    context: "subquery selector",
    expected: "number, duration, step(), range(), or \"]\"",
};
pub(crate) const OFFSET_SITE: DurationSite = DurationSite {
    context: "offset",
    expected: "number, duration, step(), or range()",
};

fn duration_op(kind: TokenKind) -> Option<DurationOp> {
    Some(match kind {
        TokenKind::Add => DurationOp::Add,
        TokenKind::Sub => DurationOp::Sub,
        TokenKind::Mul => DurationOp::Mul,
        TokenKind::Div => DurationOp::Div,
        TokenKind::Mod => DurationOp::Mod,
        TokenKind::Pow => DurationOp::Pow,
        _ => return None,
    })
}

impl Parser<'_> {
    /// A full duration expression (as inside brackets or parentheses).
    pub(crate) fn parse_duration_expr(
        &mut self,
        min_prec: u8,
        site: DurationSite,
    ) -> Result<DurationExpr> {
        let mut lhs = self.parse_duration_unary(true, site)?;
        loop {
            let t = self.peek()?;
            let Some(op) = duration_op(t.kind) else { break };
            if op.precedence() < min_prec {
                break;
            }
            self.next()?;
            let next_min = if op == DurationOp::Pow {
                op.precedence()
            } else {
                op.precedence() + 1
            };
            self.enter(t.span)?;
            let rhs = self.parse_duration_expr(next_min, site);
            self.leave();
            let rhs = rhs?;
            if rhs.constant_seconds() == Some(0.0) {
                match op {
                    DurationOp::Div => return Err(Error::new(t.span, "division by zero")),
                    DurationOp::Mod => return Err(Error::new(t.span, "modulo by zero")),
                    _ => {}
                }
            }
            let span = lhs.span.to(rhs.span);
            lhs = DurationExpr {
                kind: DurationExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        Ok(lhs)
    }

    /// The duration after `offset`: a literal, a parenthesised expression or a function,
    /// with optional signs. Binary operators after it belong to the enclosing expression
    /// (`foo offset 5s - 8` subtracts 8 from the selector).
    pub(crate) fn parse_offset_duration(&mut self) -> Result<DurationExpr> {
        self.parse_duration_unary(false, OFFSET_SITE)
    }

    fn parse_duration_unary(&mut self, full: bool, site: DurationSite) -> Result<DurationExpr> {
        let t = self.peek()?;
        let op = match t.kind {
            TokenKind::Add => UnaryOp::Pos,
            TokenKind::Sub => UnaryOp::Neg,
            _ => return self.parse_duration_primary(site),
        };
        self.next()?;
        self.enter(t.span)?;
        // Like unary minus on expressions, a sign binds tighter than everything but `^`.
        let operand = if full {
            self.parse_duration_expr(DurationOp::Pow.precedence(), site)
        } else {
            self.parse_duration_unary(false, site)
        };
        self.leave();
        let operand = operand?;
        let span = t.span.to(operand.span);
        Ok(match operand.kind {
            DurationExprKind::Number { value, duration } => {
                let value = if op == UnaryOp::Neg { -value } else { value };
                DurationExpr {
                    kind: DurationExprKind::Number { value, duration },
                    span,
                }
            }
            kind => DurationExpr {
                kind: DurationExprKind::Unary(
                    op,
                    Box::new(DurationExpr {
                        kind,
                        span: operand.span,
                    }),
                ),
                span,
            },
        })
    }

    fn parse_duration_primary(&mut self, site: DurationSite) -> Result<DurationExpr> {
        let t = self.next()?;
        let text = self.text(t);
        let kind = match t.kind {
            TokenKind::Number => {
                let value = parse_number(text)
                    .map_err(|e| Error::new(t.span, format!("error parsing number: {e}")))?;
                DurationExprKind::Number {
                    value,
                    duration: false,
                }
            }
            TokenKind::Duration => {
                let ms = parse_duration(text).map_err(|e| Error::new(t.span, e))?;
                DurationExprKind::Number {
                    value: ms as f64 / 1000.0,
                    duration: true,
                }
            }
            TokenKind::LeftParen => {
                self.enter(t.span)?;
                let inner = self.parse_duration_expr(0, site);
                self.leave();
                let inner = inner?;
                let close = self.next()?;
                if close.kind != TokenKind::RightParen {
                    return Err(self.unexpected(close, site.context, site.expected));
                }
                return Ok(DurationExpr {
                    kind: DurationExprKind::Paren(Box::new(inner)),
                    span: t.span.to(close.span),
                });
            }
            TokenKind::Step | TokenKind::Range => {
                let close = self.expect_empty_parens(site)?;
                let kind = if t.kind == TokenKind::Step {
                    DurationExprKind::Step
                } else {
                    DurationExprKind::Range
                };
                return Ok(DurationExpr {
                    kind,
                    span: t.span.to(close),
                });
            }
            TokenKind::MinOf | TokenKind::MaxOf | TokenKind::Identifier
                if matches!(text.to_ascii_lowercase().as_str(), "min_of" | "max_of") =>
            {
                return self.parse_min_max(t.span, text.eq_ignore_ascii_case("min_of"), site);
            }
            _ => return Err(self.unexpected(t, site.context, site.expected)),
        };
        Ok(DurationExpr { kind, span: t.span })
    }

    /// `()` after `step`/`range`; returns the span of `)`.
    fn expect_empty_parens(&mut self, site: DurationSite) -> Result<Span> {
        self.expect_in(TokenKind::LeftParen, site)?;
        self.expect_in(TokenKind::RightParen, site).map(|t| t.span)
    }

    fn expect_in(&mut self, kind: TokenKind, site: DurationSite) -> Result<super::token::Token> {
        let t = self.next()?;
        if t.kind != kind {
            return Err(self.unexpected(t, site.context, site.expected));
        }
        Ok(t)
    }

    /// `min_of(a, b)` / `max_of(a, b)` after the name.
    fn parse_min_max(
        &mut self,
        start: Span,
        min: bool,
        site: DurationSite,
    ) -> Result<DurationExpr> {
        let open = self.expect_in(TokenKind::LeftParen, site)?;
        self.enter(open.span)?;
        let args = self.parse_min_max_args(site);
        self.leave();
        let (a, b) = args?;
        let close = self.expect_in(TokenKind::RightParen, site)?;
        let (a, b) = (Box::new(a), Box::new(b));
        let kind = if min {
            DurationExprKind::MinOf(a, b)
        } else {
            DurationExprKind::MaxOf(a, b)
        };
        Ok(DurationExpr {
            kind,
            span: start.to(close.span),
        })
    }

    fn parse_min_max_args(&mut self, site: DurationSite) -> Result<(DurationExpr, DurationExpr)> {
        let a = self.parse_duration_expr(0, site)?;
        self.expect_in(TokenKind::Comma, site)?;
        let b = self.parse_duration_expr(0, site)?;
        Ok((a, b))
    }

    /// Turns a parsed duration into the AST form: a plain literal becomes `Fixed`
    /// milliseconds. Ranges and steps (`positive`) must be greater than zero when known.
    pub(crate) fn finish_duration(&self, e: DurationExpr, positive: bool) -> Result<Duration> {
        let (value, literal) = match e.kind {
            DurationExprKind::Number { value, .. } => (Some(value), true),
            _ => (e.constant_seconds(), false),
        };
        if let Some(v) = value {
            if !seconds_in_range(v) {
                return Err(Error::new(e.span, "duration out of range"));
            }
            if positive && v <= 0.0 {
                return Err(Error::new(e.span, "duration must be greater than 0"));
            }
            if literal {
                return Ok(Duration::Fixed(seconds_to_ms(v)));
            }
        }
        Ok(Duration::Expr(Box::new(e)))
    }
}
