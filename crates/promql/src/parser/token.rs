//! Tokens, and the way Prometheus names them in "unexpected ..." messages.

use super::ast::{AggregateOp, Span};
use super::literal::{go_quote, go_quote_truncated};

/// Kinds of token. The groups mirror Prometheus' item types because error messages depend on
/// the group: keywords print as `<by>`, operators as `<op:+>`, aggregators as `<aggr:sum>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Eof,
    Identifier,
    MetricIdentifier,
    Number,
    Duration,
    String,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    Comma,
    Colon,
    DoubleColon,
    Eql,
    // Operators.
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eqlc,
    Neq,
    Lte,
    Lss,
    Gte,
    Gtr,
    TrimUpper,
    TrimLower,
    EqlRegex,
    NeqRegex,
    At,
    Atan2,
    Land,
    Lor,
    Lunless,
    // Aggregators.
    Agg(AggregateOp),
    // Keywords.
    Bool,
    By,
    GroupLeft,
    GroupRight,
    Ignoring,
    Offset,
    On,
    Without,
    Smoothed,
    Anchored,
    Fill,
    FillLeft,
    FillRight,
    // Preprocessors and duration functions.
    Start,
    End,
    Step,
    Range,
    MinOf,
    MaxOf,
}

/// One token: its kind and where it is in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) span: Span,
}

impl Token {
    pub(crate) fn text<'a>(&self, input: &'a str) -> &'a str {
        &input[self.span.start..self.span.end]
    }
}

/// The token kind of a word outside braces, if it is a keyword (case-insensitive).
pub(crate) fn keyword(word: &str) -> Option<TokenKind> {
    use TokenKind::*;
    let lower = word.to_ascii_lowercase();
    if let Some(op) = AggregateOp::from_name(&lower) {
        return Some(Agg(op));
    }
    Some(match lower.as_str() {
        "and" => Land,
        "or" => Lor,
        "unless" => Lunless,
        "atan2" => Atan2,
        "offset" => Offset,
        "smoothed" => Smoothed,
        "anchored" => Anchored,
        "by" => By,
        "without" => Without,
        "on" => On,
        "ignoring" => Ignoring,
        "group_left" => GroupLeft,
        "group_right" => GroupRight,
        "fill" => Fill,
        "fill_left" => FillLeft,
        "fill_right" => FillRight,
        "bool" => Bool,
        "start" => Start,
        "end" => End,
        "step" => Step,
        "range" => Range,
        "inf" | "nan" => Number,
        _ => return None,
    })
}

impl TokenKind {
    fn is_keyword(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            Bool | By
                | GroupLeft
                | GroupRight
                | Ignoring
                | Offset
                | On
                | Without
                | Smoothed
                | Anchored
                | Fill
                | FillLeft
                | FillRight
        )
    }

    fn is_operator(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            Add | Sub
                | Mul
                | Div
                | Mod
                | Pow
                | Eqlc
                | Neq
                | Lte
                | Lss
                | Gte
                | Gtr
                | TrimUpper
                | TrimLower
                | EqlRegex
                | NeqRegex
                | At
                | Atan2
                | Land
                | Lor
                | Lunless
        )
    }

    /// Whether the token can be used where a label name is expected (grouping lists): every
    /// word the lexer may have turned into a keyword.
    pub(crate) fn is_word(self) -> bool {
        use TokenKind::*;
        self.is_keyword()
            || matches!(
                self,
                Identifier
                    | MetricIdentifier
                    | Agg(_)
                    | Land
                    | Lor
                    | Lunless
                    | Atan2
                    | Start
                    | End
                    | Step
                    | Range
                    | MinOf
                    | MaxOf
            )
    }

    /// Whether the token can name a metric outside braces (`sum`, `offset`, `start` ... are
    /// valid metric names when not used as keywords).
    pub(crate) fn is_metric_name(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            Identifier
                | MetricIdentifier
                | Agg(_)
                | By
                | Without
                | Land
                | Lor
                | Lunless
                | Offset
                | Start
                | End
                | Step
                | Range
                | Smoothed
                | Anchored
        )
    }
}

/// How Prometheus describes a token in "unexpected ..." messages (`Item.desc`).
pub(crate) fn describe(tok: Token, input: &str) -> String {
    use TokenKind::*;
    let text = tok.text(input);
    match tok.kind {
        Eof => "end of input".to_string(),
        Identifier => format!("identifier {}", go_quote(text)),
        MetricIdentifier => format!("metric identifier {}", go_quote(text)),
        Number => format!("number {}", go_quote_truncated(text)),
        Duration => format!("duration {}", go_quote_truncated(text)),
        String => format!("string {}", go_quote_truncated(text)),
        k if k.is_keyword() => format!("<{text}>"),
        k if k.is_operator() => format!("<op:{text}>"),
        Agg(_) => format!("<aggr:{text}>"),
        _ => go_quote_truncated(text),
    }
}
