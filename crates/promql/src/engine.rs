//! The PromQL engine: evaluates parsed queries against any [`model::Querier`] with Prometheus
//! 3 semantics (left-open windows, 5m lookback, stale markers, delayed `__name__` removal).
//!
//! ```
//! use model::{Labels, memory::MemStore};
//! use otelstore_promql::{Engine, EngineOptions, Value};
//!
//! let mut store = MemStore::new();
//! let labels = Labels::from_pairs([("__name__", "up"), ("job", "api")]).expect("labels");
//! store.insert(&labels, 0, 1.0);
//! let engine = Engine::new(EngineOptions::default());
//! let res = engine.instant(&store, "up", 60_000).expect("query");
//! assert_eq!(res.value, Value::Vector(vec![(labels, 60_000, 1.0)]));
//! ```
//!
//! Module map: `eval` (tree walk, grids, dense series), `selectors` (storage reads, windows),
//! `rate` and `over_time` (range functions), `aggregate`, `binary`, `functions`,
//! `histogram_quantile`, `annotations`, `limits`, `error`, `value`.

mod aggregate;
mod annotations;
mod binary;
mod error;
mod eval;
mod functions;
mod histogram_quantile;
mod kahan;
mod limits;
mod over_time;
mod rate;
mod selectors;
mod value;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use model::{Labels, Querier};

use crate::parser::{DurationContext, Expr, ValueType, parse};
pub use error::{Error, Result};
use eval::{Ctx, Evaluator, Grid, SCHEMA_LABELS, Series, Val, is_absent};
pub use limits::CancelHandle;
use limits::Limits;
pub use value::{QueryResult, QueryStats, Value};

/// Engine configuration.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// How far back an instant selector looks for the latest sample (default 5m).
    pub lookback_delta: Duration,
    /// Most samples a query may hold in memory at once (default 50,000,000): samples of the
    /// series being read from storage plus the points of intermediate and final results alive
    /// at the same time. Streaming aggregations keep this small.
    pub max_samples: u64,
    /// Longest a query may run (default 2m).
    pub timeout: Duration,
    /// Most steps between a range query's start and end (default 11,000). As in Prometheus,
    /// `(end - start) / step` is compared, so 11,000 steps (11,001 points) are still allowed.
    pub max_points_per_series: u64,
    /// Step of subqueries written without one, `x[5m:]` (default 1m, Prometheus' default
    /// evaluation interval).
    pub default_subquery_step: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            lookback_delta: Duration::from_secs(300),
            max_samples: 50_000_000,
            timeout: Duration::from_secs(120),
            max_points_per_series: 11_000,
            default_subquery_step: Duration::from_secs(60),
        }
    }
}

impl EngineOptions {
    /// Sets [`EngineOptions::lookback_delta`].
    #[must_use]
    pub fn lookback_delta(mut self, d: Duration) -> Self {
        self.lookback_delta = d;
        self
    }

    /// Sets [`EngineOptions::max_samples`].
    #[must_use]
    pub fn max_samples(mut self, n: u64) -> Self {
        self.max_samples = n;
        self
    }

    /// Sets [`EngineOptions::timeout`].
    #[must_use]
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
}

/// Per-query settings beyond the expression and times.
#[derive(Debug, Clone, Default)]
pub struct QueryOptions {
    /// Overrides [`EngineOptions::lookback_delta`].
    pub lookback_delta: Option<Duration>,
    /// Overrides [`EngineOptions::timeout`].
    pub timeout: Option<Duration>,
    /// Lets the caller stop the query.
    pub cancel: Option<CancelHandle>,
}

/// A query to run: a parsed expression and, when known, the text it came from (annotations
/// point into it with `(line:col)`).
#[derive(Debug, Clone)]
pub struct Query<'a> {
    expr: std::borrow::Cow<'a, Expr>,
    text: Option<&'a str>,
}

impl<'a> Query<'a> {
    /// Parses `text`.
    pub fn parse(text: &'a str) -> Result<Self> {
        Ok(Query {
            expr: std::borrow::Cow::Owned(parse(text)?),
            text: Some(text),
        })
    }

    /// An already parsed expression and the text its spans refer to.
    pub fn with_text(expr: &'a Expr, text: &'a str) -> Self {
        Query {
            expr: std::borrow::Cow::Borrowed(expr),
            text: Some(text),
        }
    }
}

/// What [`Engine::instant`] and [`Engine::range`] accept: query text or a parsed expression.
pub trait IntoQuery<'a> {
    /// Converts, parsing text.
    fn into_query(self) -> Result<Query<'a>>;
}

impl<'a> IntoQuery<'a> for &'a str {
    fn into_query(self) -> Result<Query<'a>> {
        Query::parse(self)
    }
}

impl<'a> IntoQuery<'a> for &'a String {
    fn into_query(self) -> Result<Query<'a>> {
        Query::parse(self)
    }
}

/// A bare expression: annotations carry no position, as its source text is unknown.
impl<'a> IntoQuery<'a> for &'a Expr {
    fn into_query(self) -> Result<Query<'a>> {
        Ok(Query {
            expr: std::borrow::Cow::Borrowed(self),
            text: None,
        })
    }
}

impl<'a> IntoQuery<'a> for Query<'a> {
    fn into_query(self) -> Result<Query<'a>> {
        Ok(self)
    }
}

/// Evaluates PromQL queries. Cheap to share: it holds only options.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    opts: EngineOptions,
}

impl Engine {
    /// An engine with `opts`.
    pub fn new(opts: EngineOptions) -> Self {
        Engine { opts }
    }

    /// The options.
    pub fn options(&self) -> &EngineOptions {
        &self.opts
    }

    /// Evaluates `query` at `t_ms`.
    pub fn instant<'a, Q: Querier>(
        &self,
        q: &Q,
        query: impl IntoQuery<'a>,
        t_ms: i64,
    ) -> Result<QueryResult> {
        self.instant_with(q, query, t_ms, &QueryOptions::default())
    }

    /// [`Engine::instant`] with per-query options.
    pub fn instant_with<'a, Q: Querier>(
        &self,
        q: &Q,
        query: impl IntoQuery<'a>,
        t_ms: i64,
        opts: &QueryOptions,
    ) -> Result<QueryResult> {
        let query = query.into_query()?;
        self.run(q, &query, t_ms, t_ms, 0, opts)
    }

    /// Evaluates `query` at `start_ms, start_ms + step_ms, ...` up to `end_ms`.
    pub fn range<'a, Q: Querier>(
        &self,
        q: &Q,
        query: impl IntoQuery<'a>,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<QueryResult> {
        self.range_with(
            q,
            query,
            start_ms,
            end_ms,
            step_ms,
            &QueryOptions::default(),
        )
    }

    /// [`Engine::range`] with per-query options.
    pub fn range_with<'a, Q: Querier>(
        &self,
        q: &Q,
        query: impl IntoQuery<'a>,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
        opts: &QueryOptions,
    ) -> Result<QueryResult> {
        if step_ms <= 0 {
            return Err(Error::BadData(
                "zero or negative query resolution step widths are not accepted. Try a positive \
                 integer"
                    .into(),
            ));
        }
        if end_ms < start_ms {
            return Err(Error::BadData(
                "end timestamp must not be before start time".into(),
            ));
        }
        if ((end_ms - start_ms) / step_ms) as u64 > self.opts.max_points_per_series {
            return Err(Error::TooManyPoints);
        }
        let query = query.into_query()?;
        match query.expr.value_type() {
            ValueType::Scalar | ValueType::Vector => {}
            t => {
                return Err(Error::BadData(format!(
                    "invalid expression type \"{}\" for range query, must be Scalar or instant \
                     Vector",
                    t.documented()
                )));
            }
        }
        self.run(q, &query, start_ms, end_ms, step_ms, opts)
    }

    fn run<Q: Querier>(
        &self,
        q: &Q,
        query: &Query<'_>,
        start: i64,
        end: i64,
        step: i64,
        opts: &QueryOptions,
    ) -> Result<QueryResult> {
        let timeout = opts.timeout.unwrap_or(self.opts.timeout);
        let deadline = Instant::now().checked_add(timeout);
        let mut limits = Limits::new(deadline, opts.cancel.clone(), self.opts.max_samples);
        limits.check_now()?;
        let lookback = opts.lookback_delta.unwrap_or(self.opts.lookback_delta);
        let ctx = Ctx {
            start,
            end,
            range_query: step > 0,
            lookback: lookback.as_millis() as i64,
            default_step: self.opts.default_subquery_step.as_millis() as i64,
            dctx: DurationContext {
                step_ms: step,
                range_ms: end - start,
            },
        };
        let n = if step > 0 {
            ((end - start) / step + 1) as usize
        } else {
            1
        };
        let grid = Grid { start, step, n };
        let mut ev = Evaluator::new(q, ctx, limits);
        let val = ev.eval(&query.expr, grid)?;
        ev.limits.check_now()?;
        let value = finish(val, grid)?;
        let (warnings, infos) = ev.annos.render(query.text);
        let stats = QueryStats {
            samples_read: ev.limits.samples_read,
            peak_samples: ev.limits.peak,
        };
        Ok(QueryResult {
            value,
            warnings,
            infos,
            stats,
        })
    }
}

/// Turns the top-level value into the API value: names flagged for removal are dropped, series
/// that now share labels are merged (overlaps are an error), range results are sorted.
fn finish(val: Val, g: Grid) -> Result<Value> {
    let range = g.step > 0;
    Ok(match val {
        Val::Str(s) => Value::String(g.start, s),
        Val::Scalar(v) if !range => Value::Scalar(g.start, v.first().copied().unwrap_or(f64::NAN)),
        Val::Scalar(v) => Value::Matrix(vec![(
            Labels::empty(),
            v.iter().enumerate().map(|(i, &x)| (g.t(i), x)).collect(),
        )]),
        Val::Vector(series) => {
            let series = merge_dropped(series)?;
            if range {
                let mut m: Vec<(Labels, Vec<(i64, f64)>)> = series
                    .into_iter()
                    .map(|s| {
                        let pts = s
                            .vals
                            .iter()
                            .enumerate()
                            .filter(|(_, v)| !is_absent(**v))
                            .map(|(i, &v)| (g.t(i), v))
                            .collect();
                        (s.labels, pts)
                    })
                    .collect();
                m.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Matrix(m)
            } else {
                Value::Vector(
                    series
                        .into_iter()
                        .map(|s| (s.labels, g.start, s.vals[0]))
                        .collect(),
                )
            }
        }
        Val::Matrix(m) => {
            let mut out: Vec<(Labels, Vec<(i64, f64)>)> = Vec::with_capacity(m.len());
            let mut index: HashMap<Labels, usize> = HashMap::new();
            for s in m {
                let labels = if s.drop_name {
                    s.labels.without(&SCHEMA_LABELS)
                } else {
                    s.labels
                };
                let pts: Vec<(i64, f64)> = s.t.into_iter().zip(s.v).collect();
                match index.get(&labels) {
                    Some(&i) => {
                        out[i].1.extend(pts);
                        out[i].1.sort_by_key(|p| p.0);
                        if out[i].1.windows(2).any(|w| w[0].0 == w[1].0) {
                            return Err(Error::exec(error::DUPLICATE_LABELSET));
                        }
                    }
                    None => {
                        index.insert(labels.clone(), out.len());
                        out.push((labels, pts));
                    }
                }
            }
            Value::Matrix(out)
        }
    })
}

/// Drops flagged names and merges series that end up with equal labels.
fn merge_dropped(series: Vec<Series>) -> Result<Vec<Series>> {
    let series: Vec<Series> = series
        .into_iter()
        .filter(|s| s.vals.iter().any(|v| !is_absent(*v)))
        .map(|mut s| {
            if s.drop_name {
                s.labels = s.labels.without(&SCHEMA_LABELS);
                s.drop_name = false;
            }
            s
        })
        .collect();
    functions::merge_same_labels(series)
}

#[cfg(test)]
mod tests;
