//! What readers ask for and get back: trace and search requests, the span filter tree that
//! both Jaeger searches and the TraceQL subset compile to, and result types.
//!
//! A [`SpanFilter`] is a boolean tree of [`Condition`]s that **one span** must satisfy (a
//! TraceQL spanset filter `{ ... }`); a trace matches when any of its spans does. Conditions
//! compare a [`Field`] (an intrinsic such as `name` or `duration`, or a scoped or unscoped
//! attribute) with a [`Literal`] using an [`Op`]. Jaeger's search parameters are turned into
//! the same tree by [`SearchRequest::filter_tree`], so there is one evaluator (in `eval`)
//! and one index planner for both APIs.

pub(crate) mod eval;
mod results;

pub use results::{
    Dependency, MatchedSpan, Operation, ServiceStats, TagValue, Trace, TraceSummary,
};

use std::time::Duration;

use model::trace::{SpanKind, StatusCode};

/// Where an attribute is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AttrScope {
    /// Span attributes (TraceQL `span.`).
    Span,
    /// Resource attributes (TraceQL `resource.`).
    Resource,
    /// Attributes of any of the span's events (TraceQL `event.`).
    Event,
    /// Span or resource attributes (TraceQL unscoped `.key`).
    Unscoped,
    /// Span, resource or event attributes (a Jaeger tag search).
    Any,
}

impl AttrScope {
    /// The stored scopes this scope covers.
    pub(crate) fn bases(self) -> &'static [TagScope] {
        match self {
            AttrScope::Span => &[TagScope::Span],
            AttrScope::Resource => &[TagScope::Resource],
            AttrScope::Event => &[TagScope::Event],
            AttrScope::Unscoped => &[TagScope::Span, TagScope::Resource],
            AttrScope::Any => &[TagScope::Span, TagScope::Resource, TagScope::Event],
        }
    }
}

/// A scope attributes are stored (and listed) under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TagScope {
    /// Span attributes.
    Span = 0,
    /// Resource attributes.
    Resource = 1,
    /// Event attributes.
    Event = 2,
}

impl TagScope {
    /// All stored scopes.
    pub const ALL: [TagScope; 3] = [TagScope::Span, TagScope::Resource, TagScope::Event];

    /// Index into per-scope arrays.
    pub(crate) fn idx(self) -> usize {
        self as usize
    }
}

/// Span and trace properties that are not attributes (TraceQL intrinsics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intrinsic {
    /// Span name (`name`, `span:name`; Jaeger's operation).
    Name,
    /// Service of the span's resource (Jaeger's service; `resource.service.name` in TraceQL
    /// is the attribute, this also matches resources without one under
    /// [`model::trace::NO_SERVICE_NAME`]).
    Service,
    /// Status code (`status`); compare with [`Literal::Status`].
    Status,
    /// Status message (`statusMessage`).
    StatusMessage,
    /// Span kind (`kind`); compare with [`Literal::Kind`].
    Kind,
    /// Span duration in ns (`duration`).
    Duration,
    /// Trace duration in ns (`traceDuration`): last end minus first start of the trace as
    /// stored where the span was found.
    TraceDuration,
    /// Service of the trace's root span (`rootServiceName`).
    RootServiceName,
    /// Name of the trace's root span (`rootName`).
    RootName,
}

/// What a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    /// An intrinsic.
    Intrinsic(Intrinsic),
    /// An attribute.
    Attr {
        /// Where to look.
        scope: AttrScope,
        /// The attribute key.
        key: String,
    },
}

impl Field {
    /// An attribute field.
    pub fn attr(scope: AttrScope, key: impl Into<String>) -> Field {
        Field::Attr {
            scope,
            key: key.into(),
        }
    }
}

/// Comparison operators (TraceQL's). For attributes, every operator but `= nil` needs the
/// attribute to exist (`!=` included, as in Tempo); a span with several values for a key
/// matches if any value does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=~` (fully anchored); needs [`Literal::Regex`].
    Match,
    /// `!~` (fully anchored); needs [`Literal::Regex`].
    NotMatch,
}

/// A typed value to compare with.
#[derive(Debug, Clone)]
pub enum Literal {
    /// A string; matches string values only.
    Str(String),
    /// An integer; compares numerically with int and float values.
    Int(i64),
    /// A float; compares numerically with int and float values.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A duration (for `duration` and `traceDuration`).
    Duration(Duration),
    /// A status keyword.
    Status(StatusCode),
    /// A kind keyword.
    Kind(SpanKind),
    /// `nil`: with `=` the attribute is absent, with `!=` present.
    Nil,
    /// Jaeger's comparison: equal when the value's text form ([`model::trace::AnyValue::to_text`])
    /// equals this string, whatever the value's type.
    Text(String),
    /// A compiled, fully anchored regular expression (see [`Literal::regex`]).
    Regex(regex::Regex),
}

impl Literal {
    /// Compiles `pattern` anchored at both ends, as TraceQL's `=~` and `!~` require.
    pub fn regex(pattern: &str) -> Result<Literal, regex::Error> {
        regex::Regex::new(&format!("^(?:{pattern})$")).map(Literal::Regex)
    }
}

/// One comparison.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The field.
    pub field: Field,
    /// The operator.
    pub op: Op,
    /// The value.
    pub value: Literal,
}

impl Condition {
    /// A condition.
    pub fn new(field: Field, op: Op, value: Literal) -> Condition {
        Condition { field, op, value }
    }
}

/// A boolean tree of conditions on one span.
#[derive(Debug, Clone, Default)]
pub enum SpanFilter {
    /// Every span (TraceQL `{}`).
    #[default]
    All,
    /// A leaf.
    Cond(Condition),
    /// All children hold.
    And(Vec<SpanFilter>),
    /// Any child holds.
    Or(Vec<SpanFilter>),
}

impl SpanFilter {
    /// A leaf.
    pub fn cond(field: Field, op: Op, value: Literal) -> SpanFilter {
        SpanFilter::Cond(Condition::new(field, op, value))
    }

    /// `self && other`, flattening nested ands and dropping `All`.
    pub fn and(self, other: SpanFilter) -> SpanFilter {
        match (self, other) {
            (SpanFilter::All, x) | (x, SpanFilter::All) => x,
            (SpanFilter::And(mut a), SpanFilter::And(b)) => {
                a.extend(b);
                SpanFilter::And(a)
            }
            (SpanFilter::And(mut a), x) | (x, SpanFilter::And(mut a)) => {
                a.push(x);
                SpanFilter::And(a)
            }
            (a, b) => SpanFilter::And(vec![a, b]),
        }
    }
}

/// A trace search (Jaeger parameters, a TraceQL-subset filter, or both, all on one span).
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// Service of the span's resource.
    pub service: Option<String>,
    /// Span name.
    pub operation: Option<String>,
    /// Jaeger tags: each must match a span, resource or event attribute by text; `error=true`
    /// means status ERROR (`false`: not ERROR); `span.kind=server` matches the kind; a
    /// `resource.` prefix restricts the tag to resource attributes.
    pub tags: Vec<(String, String)>,
    /// Smallest span duration.
    pub min_duration: Option<Duration>,
    /// Largest span duration.
    pub max_duration: Option<Duration>,
    /// Window on the matching span's start, ns since the epoch, inclusive.
    pub start_unix_nano: u64,
    /// End of the window, inclusive.
    pub end_unix_nano: u64,
    /// Further conditions on the same span (the TraceQL subset).
    pub filter: SpanFilter,
    /// Most traces returned (newest first).
    pub limit: usize,
    /// Most matching spans reported per trace (Tempo's `spss`; at least one is).
    pub spans_per_trace: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            service: None,
            operation: None,
            tags: Vec::new(),
            min_duration: None,
            max_duration: None,
            start_unix_nano: 0,
            end_unix_nano: u64::MAX,
            filter: SpanFilter::All,
            limit: 20,
            spans_per_trace: 3,
        }
    }
}

impl SearchRequest {
    /// Everything but the time window as one filter tree.
    pub fn filter_tree(&self) -> SpanFilter {
        use Intrinsic as I;
        let mut f = self.filter.clone();
        if let Some(s) = &self.service {
            f = f.and(SpanFilter::cond(
                Field::Intrinsic(I::Service),
                Op::Eq,
                Literal::Str(s.clone()),
            ));
        }
        if let Some(o) = &self.operation {
            f = f.and(SpanFilter::cond(
                Field::Intrinsic(I::Name),
                Op::Eq,
                Literal::Str(o.clone()),
            ));
        }
        for (k, v) in &self.tags {
            f = f.and(jaeger_tag(k, v));
        }
        if let Some(d) = self.min_duration {
            let cond =
                SpanFilter::cond(Field::Intrinsic(I::Duration), Op::Ge, Literal::Duration(d));
            f = f.and(cond);
        }
        if let Some(d) = self.max_duration {
            let cond =
                SpanFilter::cond(Field::Intrinsic(I::Duration), Op::Le, Literal::Duration(d));
            f = f.and(cond);
        }
        f
    }
}

/// A Jaeger `key=value` tag as a condition, with its pseudo-tags.
fn jaeger_tag(key: &str, value: &str) -> SpanFilter {
    let status = Field::Intrinsic(Intrinsic::Status);
    match key {
        "error" if value.eq_ignore_ascii_case("true") => {
            SpanFilter::cond(status, Op::Eq, Literal::Status(StatusCode::Error))
        }
        "error" if value.eq_ignore_ascii_case("false") => {
            SpanFilter::cond(status, Op::Ne, Literal::Status(StatusCode::Error))
        }
        "span.kind" if SpanKind::parse(value).is_some() => SpanFilter::cond(
            Field::Intrinsic(Intrinsic::Kind),
            Op::Eq,
            Literal::Kind(SpanKind::parse(value).unwrap_or_default()),
        ),
        // Jaeger's `resource.` prefix restricts a tag to resource attributes.
        _ => match key.strip_prefix("resource.") {
            Some(k) => SpanFilter::cond(
                Field::attr(AttrScope::Resource, k),
                Op::Eq,
                Literal::Text(value.to_owned()),
            ),
            None => SpanFilter::cond(
                Field::attr(AttrScope::Any, key),
                Op::Eq,
                Literal::Text(value.to_owned()),
            ),
        },
    }
}
