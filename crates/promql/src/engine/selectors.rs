//! Reading storage: instant-vector selectors with lookback and stale markers, and the range
//! inputs (matrix selectors and subqueries) that range functions slide their windows over.
//!
//! Each series is read once for all steps: the selection spans the union of the windows of
//! every step, and per-step windows are found with two pointers since reference times never
//! decrease.

use model::{Querier, SampleBuf, SampleSource, is_stale};

use super::error::{Error, Result};
use super::eval::{ABSENT, Evaluator, Grid, RangeSeries, Series, Sink, Val};
use super::limits::Limits;
use crate::parser::{Expr, MatrixSelector, SubqueryExpr, VectorSelector};

impl<Q: Querier> Evaluator<'_, Q> {
    /// Streams the series of an instant-vector selector. With `timestamps`, the value is the
    /// selected sample's timestamp in seconds (`timestamp(selector)`).
    pub(crate) fn stream_selector(
        &mut self,
        vs: &VectorSelector,
        g: Grid,
        timestamps: bool,
        sink: &mut Sink<'_>,
    ) -> Result<()> {
        if g.n == 0 {
            return Ok(());
        }
        let refs = self.selector_refs(vs, g)?;
        let lookback = self.ctx.lookback;
        let (mint, maxt) = (refs[0] - lookback + 1, refs[g.n - 1]);
        let series = self.select(vs, mint, maxt)?;
        let mut buf = std::mem::take(&mut self.buf);
        for mut s in series {
            self.limits.check()?;
            buf.clear();
            s.samples
                .read_into(&mut buf)
                .map_err(|e| Error::Storage(Box::new(e)))?;
            self.limits.samples_read += buf.len() as u64;
            self.limits.take(buf.len())?;
            let mut vals = vec![ABSENT; g.n];
            let mut any = 0usize;
            let mut j = 0usize;
            for (i, &r) in refs.iter().enumerate() {
                while j < buf.t.len() && buf.t[j] <= r {
                    j += 1;
                }
                if j == 0 {
                    continue;
                }
                let (t, v) = (buf.t[j - 1], buf.v[j - 1]);
                if t <= r - lookback || is_stale(v) {
                    continue;
                }
                vals[i] = if timestamps { t as f64 / 1000.0 } else { v };
                any += 1;
            }
            self.limits.give(buf.len());
            if any > 0 {
                sink(Series {
                    labels: s.labels,
                    drop_name: false,
                    vals,
                })?;
            }
        }
        self.buf = buf;
        Ok(())
    }

    /// Prepares the range argument of a function (a matrix selector or a subquery).
    pub(crate) fn range_input(&mut self, arg: &Expr, g: Grid) -> Result<RangeInput<Q::Samples>> {
        match arg {
            Expr::Paren(p) => self.range_input(&p.expr, g),
            Expr::MatrixSelector(m) => {
                let range = self.duration(&m.range)?;
                let refs = self.selector_refs(&m.selector, g)?;
                let src = if g.n == 0 {
                    Src::Sub(Vec::new().into_iter())
                } else {
                    let series = self.select(&m.selector, refs[0] - range + 1, refs[g.n - 1])?;
                    Src::Storage(series.into_iter())
                };
                Ok(RangeInput::new(refs, range, src))
            }
            Expr::Subquery(sq) => {
                let (inner, range, refs) = self.subquery_grid(sq, g)?;
                let series = if inner.n == 0 {
                    Vec::new()
                } else {
                    self.eval_vector(&sq.expr, inner)?
                };
                let mut input = RangeInput::new(refs, range, Src::Sub(series.into_iter()));
                input.inner = Some(inner);
                Ok(input)
            }
            other => Err(Error::exec(format!("expected a range vector, got {other}"))),
        }
    }

    /// The inner grid of a subquery, its range and the outer reference times.
    pub(crate) fn subquery_grid(
        &self,
        sq: &SubqueryExpr,
        g: Grid,
    ) -> Result<(Grid, i64, Vec<i64>)> {
        let range = self.duration(&sq.range)?;
        let step = match &sq.step {
            Some(s) => self.duration(s)?,
            None => self.ctx.default_step,
        };
        if step <= 0 {
            return Err(Error::exec("subquery step must be positive"));
        }
        let refs = self.refs(g, self.at(&sq.at), self.offset(&sq.offset)?);
        if g.n == 0 {
            return Ok((
                Grid {
                    start: 0,
                    step,
                    n: 0,
                },
                range,
                refs,
            ));
        }
        // The inner grid is epoch aligned: multiples of the step after the first window start.
        let lo = refs[0] - range;
        let start = (lo.div_euclid(step) + 1) * step;
        let end = refs[g.n - 1];
        let n = if end >= start {
            ((end - start) / step + 1) as usize
        } else {
            0
        };
        Ok((Grid { start, step, n }, range, refs))
    }

    /// `x[5m]` as the result of an instant query: the raw samples of the window.
    pub(crate) fn matrix_selector_value(&mut self, m: &MatrixSelector, g: Grid) -> Result<Val> {
        let arg = Expr::MatrixSelector(m.clone());
        self.range_value(&arg, g)
    }

    /// A subquery as the result of an instant query: its points inside the window.
    pub(crate) fn subquery_value(&mut self, sq: &SubqueryExpr, g: Grid) -> Result<Val> {
        let arg = Expr::Subquery(sq.clone());
        self.range_value(&arg, g)
    }

    fn range_value(&mut self, arg: &Expr, g: Grid) -> Result<Val> {
        if g.n != 1 {
            return Err(Error::BadData(
                "invalid expression type \"range vector\" for range query, must be Scalar or \
                 instant Vector"
                    .into(),
            ));
        }
        let mut input = self.range_input(arg, g)?;
        let mut out = Vec::new();
        while input.advance(&mut self.limits)? {
            let (lo, hi) = input.windows[0];
            let (lo, hi) = (lo as usize, hi as usize);
            if hi > lo {
                self.limits.take(hi - lo)?;
                out.push(RangeSeries {
                    labels: input.labels.clone(),
                    drop_name: input.drop_name,
                    t: input.data.t[lo..hi].to_vec(),
                    v: input.data.v[lo..hi].to_vec(),
                });
            }
        }
        input.release(&mut self.limits);
        Ok(Val::Matrix(out))
    }
}

enum Src<S> {
    Storage(std::vec::IntoIter<model::Series<S>>),
    Sub(std::vec::IntoIter<Series>),
}

/// The series of a range argument, loaded one at a time, with each step's window.
pub(crate) struct RangeInput<S> {
    /// Reference time (window end) per step.
    pub(crate) refs: Vec<i64>,
    /// Window length.
    pub(crate) range: i64,
    /// The subquery's inner grid, when the input is a subquery.
    pub(crate) inner: Option<Grid>,
    src: Src<S>,
    /// Current series.
    pub(crate) labels: model::Labels,
    pub(crate) drop_name: bool,
    /// Its samples, stale markers removed.
    pub(crate) data: SampleBuf,
    /// Per step: the samples `[lo, hi)` inside `(ref - range, ref]`.
    pub(crate) windows: Vec<(u32, u32)>,
    held: usize,
}

impl<S> std::fmt::Debug for RangeInput<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RangeInput")
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

impl<S: SampleSource> RangeInput<S> {
    fn new(refs: Vec<i64>, range: i64, src: Src<S>) -> Self {
        RangeInput {
            refs,
            range,
            inner: None,
            src,
            labels: model::Labels::empty(),
            drop_name: false,
            data: SampleBuf::new(),
            windows: Vec::new(),
            held: 0,
        }
    }

    /// Loads the next series; false when there are no more.
    pub(crate) fn advance(&mut self, limits: &mut Limits) -> Result<bool> {
        limits.check()?;
        self.release(limits);
        self.data.clear();
        match &mut self.src {
            Src::Storage(it) => {
                let Some(mut s) = it.next() else {
                    return Ok(false);
                };
                s.samples
                    .read_into(&mut self.data)
                    .map_err(|e| Error::Storage(Box::new(e)))?;
                limits.samples_read += self.data.len() as u64;
                if self.data.v.iter().any(|v| is_stale(*v)) {
                    let SampleBuf { t, v } = &mut self.data;
                    let mut k = 0;
                    for j in 0..t.len() {
                        if !is_stale(v[j]) {
                            t[k] = t[j];
                            v[k] = v[j];
                            k += 1;
                        }
                    }
                    t.truncate(k);
                    v.truncate(k);
                }
                self.labels = s.labels;
                self.drop_name = false;
            }
            Src::Sub(it) => {
                let Some(s) = it.next() else { return Ok(false) };
                let g = self.inner.unwrap_or(Grid {
                    start: 0,
                    step: 0,
                    n: 0,
                });
                for (i, &v) in s.vals.iter().enumerate() {
                    if !super::eval::is_absent(v) {
                        self.data.push(g.t(i), v);
                    }
                }
                limits.give(self.data.len());
                self.labels = s.labels;
                self.drop_name = s.drop_name;
            }
        }
        self.held = self.data.len();
        limits.take(self.held)?;
        self.compute_windows();
        Ok(true)
    }

    /// Returns the current series' samples to the budget.
    pub(crate) fn release(&mut self, limits: &mut Limits) {
        limits.give(self.held);
        self.held = 0;
    }

    fn compute_windows(&mut self) {
        self.windows.clear();
        let ts = &self.data.t;
        let (mut lo, mut hi) = (0usize, 0usize);
        for &r in &self.refs {
            while hi < ts.len() && ts[hi] <= r {
                hi += 1;
            }
            while lo < hi && ts[lo] <= r - self.range {
                lo += 1;
            }
            self.windows.push((lo as u32, hi as u32));
        }
    }
}
