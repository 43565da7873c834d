//! Parse errors, rendered exactly as Prometheus renders them:
//! `<line>:<col>: parse error: <message>`.

use std::fmt;

use super::ast::Span;

/// An error found while parsing or type checking a query.
///
/// Only the first error is kept, which is also the only one Prometheus shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    span: Span,
    message: String,
    /// `(line, column)`, both 1-based, or `None` for an empty query (Prometheus then prints
    /// "unknown position").
    line_col: Option<(usize, usize)>,
}

impl ParseError {
    pub(crate) fn new(query: &str, err: Error) -> Self {
        let line_col = (!query.is_empty()).then(|| line_col(query, err.span.start));
        ParseError {
            span: err.span,
            message: err.message,
            line_col,
        }
    }

    /// Byte offset in the query where the error starts.
    pub fn position(&self) -> usize {
        self.span.start
    }

    /// Byte range of the offending part of the query.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The message without position or prefix, e.g. `unexpected end of input`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// 1-based line and column (in bytes, counted from the last newline) of the error start.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        self.line_col
    }
}

/// Line and column as Prometheus' `PositionRange.StartPosInput` computes them.
fn line_col(query: &str, pos: usize) -> (usize, usize) {
    let bytes = &query.as_bytes()[..pos.min(query.len())];
    let line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(nl) => pos - nl,
        None => pos + 1,
    };
    (line, col)
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_col {
            Some((line, col)) => write!(f, "{line}:{col}: parse error: {}", self.message),
            None => write!(f, "unknown position: parse error: {}", self.message),
        }
    }
}

impl std::error::Error for ParseError {}

/// The error type used inside the parser, before it is tied to the query text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error {
    pub(crate) span: Span,
    pub(crate) message: String,
}

impl Error {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> Self {
        Error {
            span,
            message: message.into(),
        }
    }
}

/// Result type of the parser internals.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;
