//! The syntax tree. Node types follow Prometheus' `promql/parser/ast.go`; every node carries
//! the byte span it was parsed from so the engine can point annotations at `(line:col)`.

use model::Matcher;

use super::duration::Duration;
use super::functions::Function;

mod ops;

pub use ops::{AggregateOp, BinaryOp, UnaryOp, VectorMatchCardinality, VectorMatching};

/// A byte range `start..end` in the query text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The range `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// The type of value an expression evaluates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// A single number.
    Scalar,
    /// An instant vector.
    Vector,
    /// A range vector.
    Matrix,
    /// A string.
    String,
}

impl ValueType {
    /// The name used in type errors ("instant vector", "range vector", ...).
    pub fn documented(self) -> &'static str {
        match self {
            ValueType::Scalar => "scalar",
            ValueType::Vector => "instant vector",
            ValueType::Matrix => "range vector",
            ValueType::String => "string",
        }
    }

    /// The short name Prometheus uses in API responses and a few messages ("matrix").
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Scalar => "scalar",
            ValueType::Vector => "vector",
            ValueType::Matrix => "matrix",
            ValueType::String => "string",
        }
    }
}

/// A PromQL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `1`, `2.5e3`, `Inf`, `5m` (a duration used as a number of seconds).
    NumberLiteral(NumberLiteral),
    /// `"text"`.
    StringLiteral(StringLiteral),
    /// `metric{label="value"}`.
    VectorSelector(VectorSelector),
    /// `metric[5m]`.
    MatrixSelector(MatrixSelector),
    /// `expr[range:step]`.
    Subquery(SubqueryExpr),
    /// `(expr)`.
    Paren(ParenExpr),
    /// `-expr`, `+expr`.
    Unary(UnaryExpr),
    /// `lhs op lhs`.
    Binary(BinaryExpr),
    /// `sum by (job) (expr)`.
    Aggregate(AggregateExpr),
    /// `rate(expr)`.
    Call(Call),
}

/// A number literal.
#[derive(Debug, Clone)]
pub struct NumberLiteral {
    /// The value (seconds for durations).
    pub value: f64,
    /// Whether it was written as a duration (`5m`); the printer writes it back that way.
    pub duration: bool,
    /// Where it was written, including a folded sign.
    pub span: Span,
}

impl PartialEq for NumberLiteral {
    fn eq(&self, other: &Self) -> bool {
        let same = self.value == other.value || (self.value.is_nan() && other.value.is_nan());
        same && self.duration == other.duration && self.span == other.span
    }
}

/// A string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLiteral {
    /// The unescaped value (with U+FFFD for bytes that are not UTF-8, see `invalid_utf8`).
    pub value: String,
    /// The exact bytes when escapes such as `\xff` made the value invalid UTF-8. Prometheus
    /// keeps such bytes, and e.g. reports them as invalid label names at evaluation time.
    pub invalid_utf8: Option<Vec<u8>>,
    /// Where it was written.
    pub span: Span,
}

/// The `@` modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtModifier {
    /// `@ <timestamp>`, in milliseconds.
    Timestamp(i64),
    /// `@ start()`.
    Start,
    /// `@ end()`.
    End,
}

/// An instant vector selector.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorSelector {
    /// The metric name when written before the braces (`foo{...}`); `None` for `{...}` forms,
    /// even `{"foo"}` or `{__name__="foo"}` (as in Prometheus).
    pub name: Option<String>,
    /// All matchers, including the `__name__` matcher for `name` (last).
    pub matchers: Vec<Matcher>,
    /// `offset`; `None` also for `offset 0`, which Prometheus does not distinguish.
    pub offset: Option<Duration>,
    /// `@`.
    pub at: Option<AtModifier>,
    /// The experimental `anchored` modifier.
    pub anchored: bool,
    /// The experimental `smoothed` modifier.
    pub smoothed: bool,
    /// Set for the label-only selector given to `info()`, which may match the empty string.
    pub bypass_empty_matcher_check: bool,
    /// From the name to the closing brace or the last modifier.
    pub span: Span,
}

impl VectorSelector {
    /// The metric name: `name`, or the value of an `__name__="..."` matcher.
    pub fn metric_name(&self) -> Option<&str> {
        self.name.as_deref().or_else(|| {
            self.matchers
                .iter()
                .find(|m| m.name == model::METRIC_NAME && m.op == model::MatchOp::Equal)
                .map(|m| m.value.as_str())
        })
    }
}

/// A range vector selector; `offset` and `@` live in the inner selector.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixSelector {
    /// The selector.
    pub selector: VectorSelector,
    /// The range.
    pub range: Duration,
    /// From the selector to the closing bracket or the last modifier.
    pub span: Span,
}

/// A subquery.
#[derive(Debug, Clone, PartialEq)]
pub struct SubqueryExpr {
    /// The instant-vector expression evaluated at each step.
    pub expr: Box<Expr>,
    /// The range.
    pub range: Duration,
    /// The step; `None` means the default evaluation interval (`[5m:]`).
    pub step: Option<Duration>,
    /// `offset`.
    pub offset: Option<Duration>,
    /// `@`.
    pub at: Option<AtModifier>,
    /// From the expression to the closing bracket or the last modifier.
    pub span: Span,
}

/// A parenthesised expression.
#[derive(Debug, Clone, PartialEq)]
pub struct ParenExpr {
    /// The inner expression.
    pub expr: Box<Expr>,
    /// Including the parentheses.
    pub span: Span,
}

/// A unary expression (never on a number literal: `-1` is folded into the literal).
#[derive(Debug, Clone, PartialEq)]
pub struct UnaryExpr {
    /// The operator.
    pub op: UnaryOp,
    /// The operand.
    pub expr: Box<Expr>,
    /// From the operator to the end of the operand.
    pub span: Span,
}

/// A binary expression.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryExpr {
    /// The operator.
    pub op: BinaryOp,
    /// Left operand.
    pub lhs: Box<Expr>,
    /// Right operand.
    pub rhs: Box<Expr>,
    /// `bool` modifier of comparisons.
    pub return_bool: bool,
    /// Vector matching; `None` when an operand is a scalar (set by the type checker).
    pub matching: Option<VectorMatching>,
    /// From the left operand to the end of the right one.
    pub span: Span,
}

/// An aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateExpr {
    /// The operator.
    pub op: AggregateOp,
    /// The aggregated vector.
    pub expr: Box<Expr>,
    /// The parameter of `topk`, `quantile`, `count_values` ...
    pub param: Option<Box<Expr>>,
    /// The `by`/`without` labels.
    pub grouping: Vec<String>,
    /// `without` rather than `by`.
    pub without: bool,
    /// From the operator to the closing parenthesis.
    pub span: Span,
}

/// A function call.
#[derive(Debug, Clone)]
pub struct Call {
    /// The function, from the table in `functions`.
    pub func: &'static Function,
    /// Arguments.
    pub args: Vec<Expr>,
    /// From the name to the closing parenthesis.
    pub span: Span,
}

impl PartialEq for Call {
    fn eq(&self, other: &Self) -> bool {
        self.func.name == other.func.name && self.args == other.args && self.span == other.span
    }
}

impl Expr {
    /// The type of value the expression evaluates to.
    pub fn value_type(&self) -> ValueType {
        match self {
            Expr::NumberLiteral(_) => ValueType::Scalar,
            Expr::StringLiteral(_) => ValueType::String,
            Expr::VectorSelector(_) => ValueType::Vector,
            Expr::MatrixSelector(_) | Expr::Subquery(_) => ValueType::Matrix,
            Expr::Paren(p) => p.expr.value_type(),
            Expr::Unary(u) => u.expr.value_type(),
            Expr::Binary(b) => {
                if b.lhs.value_type() == ValueType::Scalar
                    && b.rhs.value_type() == ValueType::Scalar
                {
                    ValueType::Scalar
                } else {
                    ValueType::Vector
                }
            }
            Expr::Aggregate(_) => ValueType::Vector,
            Expr::Call(c) => c.func.return_type,
        }
    }

    /// Where the expression was written.
    pub fn span(&self) -> Span {
        match self {
            Expr::NumberLiteral(e) => e.span,
            Expr::StringLiteral(e) => e.span,
            Expr::VectorSelector(e) => e.span,
            Expr::MatrixSelector(e) => e.span,
            Expr::Subquery(e) => e.span,
            Expr::Paren(e) => e.span,
            Expr::Unary(e) => e.span,
            Expr::Binary(e) => e.span,
            Expr::Aggregate(e) => e.span,
            Expr::Call(e) => e.span,
        }
    }

    /// The matchers of every vector and range selector in the expression, in the order they
    /// appear (what `/api/v1/query_exemplars` and `/api/v1/series`-style lookups need).
    pub fn selector_matchers(&self) -> Vec<Vec<Matcher>> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match e {
                Expr::VectorSelector(v) => out.push(v.matchers.clone()),
                Expr::MatrixSelector(m) => out.push(m.selector.matchers.clone()),
                _ => stack.extend(e.children().into_iter().rev()),
            }
        }
        out
    }

    /// Direct sub-expressions, in source order.
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::NumberLiteral(_)
            | Expr::StringLiteral(_)
            | Expr::VectorSelector(_)
            | Expr::MatrixSelector(_) => Vec::new(),
            Expr::Subquery(e) => vec![&e.expr],
            Expr::Paren(e) => vec![&e.expr],
            Expr::Unary(e) => vec![&e.expr],
            Expr::Binary(e) => vec![&e.lhs, &e.rhs],
            Expr::Aggregate(e) => e.param.iter().map(|p| &**p).chain([&*e.expr]).collect(),
            Expr::Call(e) => e.args.iter().collect(),
        }
    }

    /// Direct sub-expressions, mutably, in source order.
    pub fn children_mut(&mut self) -> Vec<&mut Expr> {
        match self {
            Expr::NumberLiteral(_)
            | Expr::StringLiteral(_)
            | Expr::VectorSelector(_)
            | Expr::MatrixSelector(_) => Vec::new(),
            Expr::Subquery(e) => vec![&mut e.expr],
            Expr::Paren(e) => vec![&mut e.expr],
            Expr::Unary(e) => vec![&mut e.expr],
            Expr::Binary(e) => vec![&mut e.lhs, &mut e.rhs],
            Expr::Aggregate(e) => {
                let mut out: Vec<&mut Expr> = Vec::new();
                if let Some(p) = e.param.as_deref_mut() {
                    out.push(p);
                }
                out.push(&mut e.expr);
                out
            }
            Expr::Call(e) => e.args.iter_mut().collect(),
        }
    }

    /// A copy with every span zeroed, selector matchers sorted and unary plus dropped (it
    /// evaluates to its operand): two queries that print the same have equal normal forms, and
    /// so do `+Inf ^ 2` and `Inf ^ 2`, which print the same way but parse differently because
    /// unary operators bind looser than `^`.
    pub fn normalized(&self) -> Expr {
        let mut e = self.clone();
        e.normalize();
        e
    }

    fn normalize(&mut self) {
        while let Expr::Unary(u) = self {
            if u.op != UnaryOp::Pos {
                break;
            }
            let inner = (*u.expr).clone();
            *self = inner;
        }
        fn selector(vs: &mut VectorSelector) {
            vs.span = Span::default();
            vs.matchers.sort_by_cached_key(|m| m.to_string());
            for d in vs.offset.iter_mut() {
                d.clear_spans();
            }
        }
        match self {
            Expr::NumberLiteral(e) => e.span = Span::default(),
            Expr::StringLiteral(e) => e.span = Span::default(),
            Expr::VectorSelector(e) => selector(e),
            Expr::MatrixSelector(e) => {
                e.span = Span::default();
                selector(&mut e.selector);
                e.range.clear_spans();
            }
            Expr::Subquery(e) => {
                e.span = Span::default();
                e.range.clear_spans();
                for d in e.step.iter_mut().chain(e.offset.iter_mut()) {
                    d.clear_spans();
                }
            }
            Expr::Paren(e) => e.span = Span::default(),
            Expr::Unary(e) => e.span = Span::default(),
            Expr::Binary(e) => e.span = Span::default(),
            Expr::Aggregate(e) => e.span = Span::default(),
            Expr::Call(e) => e.span = Span::default(),
        }
        for child in self.children_mut() {
            child.normalize();
        }
    }
}
