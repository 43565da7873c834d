//! The PromQL parser: `parse` turns a query into an [`Expr`] tree, type checked as in
//! Prometheus 3; `Display` prints the canonical form and [`prettify`] the multi-line one;
//! [`parse_series_desc`] reads the `load` lines of promqltest scripts.
//!
//! The language is Prometheus 3.14's float side, experimental parts included: duration
//! expressions (`[5m*2]`, `offset step()`), `anchored`/`smoothed` selectors and the `fill`
//! binary-operator modifiers. Errors display as Prometheus shows them,
//! `1:5: parse error: unexpected end of input`.
//!
//! Module map: `lexer` and `token` split the text; `expr` (operators, primaries),
//! `parse_selector`, `parse_modifiers`, `parse_duration` and `parse_call` build the tree;
//! `check` type checks it; `printer` and `prettier` write it back.

mod ast;
mod check;
mod duration;
mod error;
mod expr;
mod functions;
mod lexer;
mod literal;
mod parse_call;
mod parse_duration;
mod parse_modifiers;
mod parse_selector;
mod prettier;
mod printer;
mod series_desc;
mod token;

#[cfg(test)]
mod tests;

pub use ast::{
    AggregateExpr, AggregateOp, AtModifier, BinaryExpr, BinaryOp, Call, Expr, MatrixSelector,
    NumberLiteral, ParenExpr, Span, StringLiteral, SubqueryExpr, UnaryExpr, UnaryOp, ValueType,
    VectorMatchCardinality, VectorMatching, VectorSelector,
};
pub use duration::{
    Duration, DurationContext, DurationError, DurationExpr, DurationExprKind, DurationOp,
    format_duration, go_max, go_min,
};
pub use error::ParseError;
pub use functions::{FUNCTIONS, Function, function};
pub use prettier::prettify;
pub use series_desc::{SeqValue, parse_series_desc};

/// Parses and type checks a PromQL query.
///
/// ```
/// let expr = otelstore_promql::parse("sum by (job) (rate(http_requests_total[5m]))")
///     .expect("valid query");
/// assert_eq!(expr.to_string(), "sum by (job) (rate(http_requests_total[5m]))");
/// let err = otelstore_promql::parse("rate(x)").expect_err("needs a range");
/// assert_eq!(
///     err.to_string(),
///     r#"1:6: parse error: expected type range vector in call to function "rate", got instant vector"#
/// );
/// ```
pub fn parse(query: &str) -> Result<Expr, ParseError> {
    let mut parser = expr::Parser::new(query);
    parser
        .parse_query()
        .and_then(|mut e| check::check(&mut e, query).map(|_| e))
        .map_err(|e| ParseError::new(query, e))
}
