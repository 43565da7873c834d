//! PromQL for otelstore: the parser (this crate's `parser` module) and the engine (`engine`)
//! that evaluates parsed expressions against a `model::Querier`.
//!
//! The parser reproduces Prometheus 3's grammar, type checks and error messages, so that the
//! answers (and the failures) users see match Prometheus.

pub mod engine;
pub mod parser;

pub use engine::{
    CancelHandle, Engine, EngineOptions, Error, IntoQuery, Query, QueryOptions, QueryResult,
    QueryStats, Value,
};

pub use parser::{
    AggregateExpr, AggregateOp, AtModifier, BinaryExpr, BinaryOp, Call, Duration, DurationContext,
    DurationError, DurationExpr, DurationExprKind, DurationOp, Expr, FUNCTIONS, Function,
    MatrixSelector, NumberLiteral, ParenExpr, ParseError, SeqValue, Span, StringLiteral,
    SubqueryExpr, UnaryExpr, UnaryOp, ValueType, VectorMatchCardinality, VectorMatching,
    VectorSelector, function, parse, parse_series_desc, prettify,
};
