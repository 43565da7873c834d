//! Postfix modifiers (`[range]`, `[range:step]`, `offset`, `@`, `anchored`, `smoothed`) and
//! the modifiers of binary operators (`bool`, `on`, `ignoring`, `group_left`, `group_right`,
//! `fill`). Error texts and positions follow Prometheus' grammar actions.

use super::ast::{AtModifier, Expr, MatrixSelector, SubqueryExpr, VectorMatchCardinality};
use super::ast::{VectorMatching, VectorSelector};
use super::duration::Duration;
use super::error::{Error, Result};
use super::expr::Parser;
use super::literal::parse_number;
use super::parse_duration::{RANGE_SITE, STEP_SITE};
use super::token::TokenKind;

const OFFSET_TARGET: &str = "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery";
const AT_TARGET: &str = "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery";

/// Go's `%f`: six decimals, and `+Inf`, `-Inf`, `NaN`.
fn go_f(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        format!("{v:.6}")
    }
}

impl Parser<'_> {
    /// `expr[range]` or `expr[range:step]`; the `[` is next.
    pub(crate) fn parse_range_or_subquery(&mut self, expr: Expr) -> Result<Expr> {
        let open = self.next()?;
        let range = self.parse_duration_expr(0, RANGE_SITE)?;
        let t = self.next()?;
        match t.kind {
            TokenKind::RightBracket => {
                let range = self.finish_duration(range, true)?;
                let brackets = open.span.to(t.span);
                let Expr::VectorSelector(selector) = expr else {
                    return Err(Error::new(
                        brackets,
                        "ranges only allowed for vector selectors",
                    ));
                };
                if selector.offset.is_some() {
                    return Err(Error::new(
                        brackets,
                        "no offset modifiers allowed before range",
                    ));
                }
                if selector.at.is_some() {
                    return Err(Error::new(brackets, "no @ modifiers allowed before range"));
                }
                let span = selector.span.to(t.span);
                Ok(Expr::MatrixSelector(MatrixSelector {
                    selector,
                    range,
                    span,
                }))
            }
            TokenKind::Colon => {
                let range = self.finish_duration(range, true)?;
                let step = if self.peek_kind()? == TokenKind::RightBracket {
                    None
                } else {
                    let step = self.parse_duration_expr(0, STEP_SITE)?;
                    Some(self.finish_duration(step, true)?)
                };
                let close = self.next()?;
                if close.kind != TokenKind::RightBracket {
                    return Err(self.unexpected(close, "subquery selector", "\"]\""));
                }
                let span = expr.span().to(close.span);
                Ok(Expr::Subquery(SubqueryExpr {
                    expr: Box::new(expr),
                    range,
                    step,
                    offset: None,
                    at: None,
                    span,
                }))
            }
            _ => Err(self.unexpected(t, "subquery or range", "\":\" or \"]\"")),
        }
    }

    /// `expr offset <duration>`; `offset` is next.
    pub(crate) fn parse_offset(&mut self, mut expr: Expr) -> Result<Expr> {
        self.next()?;
        let d = self.parse_offset_duration()?;
        let d = self.finish_duration(d, false)?;
        let end = self.last_closing;
        let span = expr.span();
        let (slot, span_end) = match &mut expr {
            Expr::VectorSelector(vs) => (&mut vs.offset, &mut vs.span.end),
            Expr::MatrixSelector(ms) => (&mut ms.selector.offset, &mut ms.span.end),
            Expr::Subquery(sq) => (&mut sq.offset, &mut sq.span.end),
            _ => return Err(Error::new(span, OFFSET_TARGET)),
        };
        if slot.is_some() {
            return Err(Error::new(span, "offset may not be set multiple times"));
        }
        // Prometheus cannot tell `offset 0` from no offset, and neither do we.
        if d != Duration::Fixed(0) {
            *slot = Some(d);
        }
        *span_end = end;
        Ok(expr)
    }

    /// `expr @ <timestamp>`, `@ start()`, `@ end()`; `@` is next.
    pub(crate) fn parse_at(&mut self, mut expr: Expr) -> Result<Expr> {
        self.next()?;
        let t = self.next()?;
        let at = match t.kind {
            TokenKind::Number | TokenKind::Duration => self.at_timestamp(&expr, t, 1.0)?,
            TokenKind::Add | TokenKind::Sub => {
                let n = self.next()?;
                if !matches!(n.kind, TokenKind::Number | TokenKind::Duration) {
                    return Err(self.unexpected(n, "@", "timestamp"));
                }
                self.at_timestamp(&expr, n, if t.kind == TokenKind::Sub { -1.0 } else { 1.0 })?
            }
            TokenKind::Start | TokenKind::End => {
                for kind in [TokenKind::LeftParen, TokenKind::RightParen] {
                    let p = self.next()?;
                    if p.kind != kind {
                        return Err(self.unexpected(p, "@", "timestamp"));
                    }
                }
                if t.kind == TokenKind::Start {
                    AtModifier::Start
                } else {
                    AtModifier::End
                }
            }
            _ => return Err(self.unexpected(t, "@", "timestamp")),
        };
        let end = self.last_closing;
        let span = expr.span();
        let (slot, span_end) = match &mut expr {
            Expr::VectorSelector(vs) => (&mut vs.at, &mut vs.span.end),
            Expr::MatrixSelector(ms) => (&mut ms.selector.at, &mut ms.span.end),
            Expr::Subquery(sq) => (&mut sq.at, &mut sq.span.end),
            _ => return Err(Error::new(span, AT_TARGET)),
        };
        if slot.is_some() {
            return Err(Error::new(
                span,
                "@ <timestamp> may not be set multiple times",
            ));
        }
        *slot = Some(at);
        *span_end = end;
        Ok(expr)
    }

    fn at_timestamp(&self, expr: &Expr, t: super::token::Token, sign: f64) -> Result<AtModifier> {
        let text = self.text(t);
        let secs = if t.kind == TokenKind::Duration {
            super::duration::parse_duration(text).map_err(|e| Error::new(t.span, e))? as f64
                / 1000.0
        } else {
            parse_number(text)
                .map_err(|e| Error::new(t.span, format!("error parsing number: {e}")))?
        } * sign;
        if !secs.is_finite() || secs >= i64::MAX as f64 || secs <= i64::MIN as f64 {
            let msg = format!("timestamp out of bounds for @ modifier: {}", go_f(secs));
            return Err(Error::new(expr.span(), msg));
        }
        Ok(AtModifier::Timestamp((secs * 1000.0).round() as i64))
    }

    /// The experimental `anchored` / `smoothed` modifiers; the keyword is next.
    pub(crate) fn parse_extended_modifier(&mut self, mut expr: Expr) -> Result<Expr> {
        let t = self.next()?;
        let anchored = t.kind == TokenKind::Anchored;
        let name = if anchored { "anchored" } else { "smoothed" };
        let span = expr.span();
        let selector: &mut VectorSelector = match &mut expr {
            Expr::VectorSelector(vs) => vs,
            Expr::MatrixSelector(ms) => &mut ms.selector,
            Expr::Subquery(_) => {
                return Err(Error::new(
                    span,
                    format!("{name} modifier is not supported for subqueries"),
                ));
            }
            _ => return Err(Error::new(span, format!("{name} modifier not implemented"))),
        };
        if (anchored && selector.smoothed) || (!anchored && selector.anchored) {
            return Err(Error::new(
                span,
                "anchored and smoothed modifiers cannot be used together",
            ));
        }
        if anchored {
            selector.anchored = true;
        } else {
            selector.smoothed = true;
        }
        Ok(expr)
    }

    /// `bool`, `on(...)`/`ignoring(...)`, `group_left(...)`/`group_right(...)` and `fill`
    /// modifiers after a binary operator.
    pub(crate) fn parse_bin_modifiers(&mut self) -> Result<(bool, VectorMatching)> {
        let mut m = VectorMatching::default();
        let return_bool = self.eat(TokenKind::Bool)?.is_some();
        if matches!(self.peek_kind()?, TokenKind::On | TokenKind::Ignoring) {
            m.on = self.next()?.kind == TokenKind::On;
            m.matching_labels = self.parse_grouping_labels()?;
            if matches!(
                self.peek_kind()?,
                TokenKind::GroupLeft | TokenKind::GroupRight
            ) {
                m.card = if self.next()?.kind == TokenKind::GroupLeft {
                    VectorMatchCardinality::ManyToOne
                } else {
                    VectorMatchCardinality::OneToMany
                };
                if self.peek_kind()? == TokenKind::LeftParen {
                    m.include = self.parse_grouping_labels()?;
                }
            }
        }
        while matches!(
            self.peek_kind()?,
            TokenKind::Fill | TokenKind::FillLeft | TokenKind::FillRight
        ) {
            let t = self.next()?;
            let value = self.parse_fill_value()?;
            let (left, right) = match t.kind {
                TokenKind::Fill => (true, true),
                TokenKind::FillLeft => (true, false),
                _ => (false, true),
            };
            if (left && m.fill_lhs.is_some()) || (right && m.fill_rhs.is_some()) {
                return Err(Error::new(
                    t.span,
                    "fill modifiers may not be set multiple times",
                ));
            }
            if left {
                m.fill_lhs = Some(value);
            }
            if right {
                m.fill_rhs = Some(value);
            }
        }
        Ok((return_bool, m))
    }

    /// `(<signed number>)` after `fill`.
    fn parse_fill_value(&mut self) -> Result<f64> {
        let open = self.next()?;
        if open.kind != TokenKind::LeftParen {
            return Err(self.unexpected(open, "fill modifier", "\"(\""));
        }
        let mut t = self.next()?;
        let mut sign = 1.0;
        if matches!(t.kind, TokenKind::Add | TokenKind::Sub) {
            if t.kind == TokenKind::Sub {
                sign = -1.0;
            }
            t = self.next()?;
        }
        if t.kind != TokenKind::Number {
            return Err(self.unexpected(t, "fill modifier", "number"));
        }
        let v = parse_number(self.text(t))
            .map_err(|e| Error::new(t.span, format!("error parsing number: {e}")))?;
        let close = self.next()?;
        if close.kind != TokenKind::RightParen {
            return Err(self.unexpected(close, "fill modifier", "\")\""));
        }
        Ok(v * sign)
    }
}
