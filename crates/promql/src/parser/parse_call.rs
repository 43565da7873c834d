//! Function calls (`rate(x[5m])`) and aggregations (`sum by (job) (x)`, `topk(3, x) by (a)`).

use super::ast::{AggregateExpr, AggregateOp, Call, Expr, Span};
use super::error::{Error, Result};
use super::expr::Parser;
use super::functions::function;
use super::literal::go_quote;
use super::token::{Token, TokenKind};

impl Parser<'_> {
    /// `( arg, ... )`; a trailing comma is an error, as in Prometheus.
    fn parse_call_args(&mut self) -> Result<Vec<Expr>> {
        let open = self.next()?;
        if open.kind != TokenKind::LeftParen {
            return Err(self.unexpected(open, "", ""));
        }
        self.enter(open.span)?;
        let args = self.parse_call_args_inner();
        self.leave();
        args
    }

    fn parse_call_args_inner(&mut self) -> Result<Vec<Expr>> {
        let mut args = Vec::new();
        if self.eat(TokenKind::RightParen)?.is_some() {
            return Ok(args);
        }
        loop {
            args.push(self.parse_expr(0)?);
            let t = self.next()?;
            match t.kind {
                TokenKind::RightParen => return Ok(args),
                TokenKind::Comma if self.peek_kind()? == TokenKind::RightParen => {
                    return Err(Error::new(
                        t.span,
                        "trailing commas not allowed in function call args",
                    ));
                }
                TokenKind::Comma => {}
                _ => return Err(self.unexpected(t, "", "")),
            }
        }
    }

    /// A function call; the name has been consumed and `(` is next.
    pub(crate) fn parse_call(&mut self, name: Token) -> Result<Expr> {
        let args = self.parse_call_args()?;
        let text = self.text(name);
        // `start()`, `end()`, `step()`, `range()` are keywords, matched in any case.
        let lookup = if name.kind == TokenKind::Identifier {
            text.to_string()
        } else {
            text.to_ascii_lowercase()
        };
        let Some(func) = function(&lookup) else {
            return Err(Error::new(
                name.span,
                format!("unknown function with name {}", go_quote(text)),
            ));
        };
        let span = Span::new(name.span.start, self.last_closing);
        Ok(Expr::Call(Call { func, args, span }))
    }

    /// An aggregation; the operator has been consumed and `(`, `by` or `without` is next.
    pub(crate) fn parse_aggregation(&mut self, op: AggregateOp, op_tok: Token) -> Result<Expr> {
        let mut grouping = None;
        if matches!(self.peek_kind()?, TokenKind::By | TokenKind::Without) {
            let without = self.next()?.kind == TokenKind::Without;
            grouping = Some((without, self.parse_grouping_labels()?));
        }
        let body = self.peek()?;
        if body.kind != TokenKind::LeftParen {
            return Err(self.unexpected(body, "aggregation", ""));
        }
        let mut args = self.parse_call_args()?;
        if grouping.is_none() && matches!(self.peek_kind()?, TokenKind::By | TokenKind::Without) {
            let without = self.next()?.kind == TokenKind::Without;
            grouping = Some((without, self.parse_grouping_labels()?));
        }
        let span = Span::new(op_tok.span.start, self.last_closing);
        if args.is_empty() {
            return Err(Error::new(
                span,
                "no arguments for aggregate expression provided",
            ));
        }
        let wanted = if op.has_param() { 2 } else { 1 };
        if args.len() != wanted {
            return Err(Error::new(
                span,
                format!(
                    "wrong number of arguments for aggregate expression provided, expected {wanted}, got {}",
                    args.len()
                ),
            ));
        }
        let expr = args.pop().map(Box::new);
        let param = args.pop().map(Box::new);
        let (without, grouping) = grouping.unwrap_or_default();
        let Some(expr) = expr else {
            return Err(Error::new(
                span,
                "no arguments for aggregate expression provided",
            ));
        };
        Ok(Expr::Aggregate(AggregateExpr {
            op,
            expr,
            param,
            grouping,
            without,
            span,
        }))
    }
}
