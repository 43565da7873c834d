//! The TraceQL subset the Tempo API accepts, compiled to a [`SpanFilter`].
//!
//! One spanset filter `{ ... }`: conditions joined by `&&` (binding tighter) and `||`, grouped
//! with parentheses; `{}` (or `{ true }`) matches every span. A condition is
//! `field op value`:
//!
//! - fields: scoped attributes `span.x`, `resource.x`, `event.x`, unscoped `.x` (span or
//!   resource), quoted names `span."a b"`; intrinsics `name`, `status`, `statusMessage`,
//!   `kind`, `duration`, `traceDuration`, `rootName`, `rootServiceName` and their scoped
//!   spellings (`span:name`, `trace:duration`, `trace:rootService`, ...);
//! - operators `= != < <= > >= =~ !~` (regular expressions are fully anchored);
//! - values: strings (`"..."` with escapes, or raw in backticks), integers, floats, Go
//!   durations (`100ms`, `1.5s`, `1h30m`), `true`, `false`, `nil`, status keywords
//!   (`ok`, `error`, `unset`) and kind keywords (`server`, `client`, ...).
//!
//! Each condition is type-checked against its field (`status` only with a status keyword and
//! `=`/`!=`, `duration` only with a duration, regexes only with strings, ...). Anything else
//! (pipelines, structural operators, several spansets, arithmetic) is an error naming the
//! character where it starts: `parse error at char 12: ...`. Parsing never panics and stays
//! linear in the query length, with nesting bounded.

mod duration;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

pub use duration::{DurationError, parse_duration};

use crate::query::{Field, SpanFilter};

/// Why a query was refused, with the 1-based character position it points at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parse error at char {pos}: {message}")]
pub struct ParseError {
    /// 1-based character (not byte) position; one past the end for "unexpected end".
    pub pos: usize,
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(pos: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            pos,
            message: message.into(),
        }
    }
}

/// Parses a query into the filter one span must satisfy; see the [module docs](self).
pub fn parse(query: &str) -> Result<SpanFilter, ParseError> {
    let toks = lexer::lex(query)?;
    let end = query.chars().count() + 1;
    parser::Parser::new(toks, end).spanset()
}

/// Parses a field name as TraceQL spells it (`span.http.method`, `resource.service.name`,
/// `.foo`, `name`, `status`, `trace:rootService`, ...): the tag of Tempo's tag-values API.
/// The attribute name is taken verbatim after the scope, so it may hold any character.
pub fn parse_field(name: &str) -> Result<Field, ParseError> {
    parser::resolve_field(name).map_err(|m| ParseError::new(1, m))
}
