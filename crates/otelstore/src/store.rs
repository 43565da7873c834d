//! [`Store`]: the metrics engine and the PromQL engine behind one handle.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use model::{Exemplar, Labels, Matcher, MetricMetadata, Querier, SeriesExemplars, SeriesSamples};
use promql::{Engine, EngineOptions, QueryOptions, QueryResult};
use tsdb::{AppendOutcome, Db};

use crate::error::{Error, Result};

/// Exemplars of one series.
pub type SeriesExemplarList = (Labels, Vec<Exemplar>);

/// Directory of the metrics engine inside the data directory.
const METRICS_DIR: &str = "metrics";

/// Configuration of every part of the store; each part documents its defaults.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The metrics engine.
    pub tsdb: tsdb::Options,
    /// The PromQL engine.
    pub engine: EngineOptions,
}

/// Metrics storage and query in one handle. Thread-safe; share it behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    db: Db,
    engine: Engine,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, replaying what was acknowledged before.
    pub fn open(dir: impl AsRef<Path>, opts: Options) -> Result<Store> {
        let dir = dir.as_ref().to_path_buf();
        let db = Db::open(dir.join(METRICS_DIR), opts.tsdb)?;
        Ok(Store {
            dir,
            db,
            engine: Engine::new(opts.engine),
        })
    }

    /// Stores samples, exemplars and metadata (remote write, or already translated OTLP).
    pub fn append(
        &self,
        series: &[SeriesSamples],
        exemplars: &[SeriesExemplars],
        metadata: &[MetricMetadata],
    ) -> Result<AppendOutcome> {
        let outcome = self.db.append(series)?;
        if !exemplars.is_empty() {
            self.db.append_exemplars(exemplars)?;
        }
        if !metadata.is_empty() {
            self.db.update_metadata(metadata)?;
        }
        Ok(outcome)
    }

    /// Evaluates a PromQL query at `t` (ms).
    pub fn instant_query(&self, query: &str, t: i64) -> Result<QueryResult> {
        self.instant_query_with(query, t, &QueryOptions::default())
    }

    /// [`Store::instant_query`] with per-query options (timeout, lookback, cancellation).
    pub fn instant_query_with(
        &self,
        query: &str,
        t: i64,
        opts: &QueryOptions,
    ) -> Result<QueryResult> {
        Ok(self
            .engine
            .instant_with(&self.db.querier(), query, t, opts)?)
    }

    /// Evaluates a PromQL query at `start, start + step, ...` up to `end` (ms).
    pub fn range_query(&self, query: &str, start: i64, end: i64, step: i64) -> Result<QueryResult> {
        self.range_query_with(query, start, end, step, &QueryOptions::default())
    }

    /// [`Store::range_query`] with per-query options.
    pub fn range_query_with(
        &self,
        query: &str,
        start: i64,
        end: i64,
        step: i64,
        opts: &QueryOptions,
    ) -> Result<QueryResult> {
        Ok(self
            .engine
            .range_with(&self.db.querier(), query, start, end, step, opts)?)
    }

    /// Label sets of series matching any of the matcher sets with data in `[start, end]`,
    /// sorted and deduplicated.
    pub fn series(
        &self,
        matcher_sets: &[Vec<Matcher>],
        start: i64,
        end: i64,
    ) -> Result<Vec<Labels>> {
        let q = self.db.querier();
        let mut out = Vec::new();
        for ms in matcher_sets {
            out.extend(q.select(ms, start, end)?.into_iter().map(|s| s.labels));
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Sorted label names of series matching any of the matcher sets (all if none given).
    pub fn label_names(
        &self,
        matcher_sets: &[Vec<Matcher>],
        start: i64,
        end: i64,
    ) -> Result<Vec<String>> {
        let q = self.db.querier();
        if matcher_sets.is_empty() {
            return Ok(q.label_names(&[], start, end)?);
        }
        let mut out = Vec::new();
        for ms in matcher_sets {
            out.extend(q.label_names(ms, start, end)?);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Sorted values of label `name` over series matching any of the matcher sets.
    pub fn label_values(
        &self,
        name: &str,
        matcher_sets: &[Vec<Matcher>],
        start: i64,
        end: i64,
    ) -> Result<Vec<String>> {
        let q = self.db.querier();
        if matcher_sets.is_empty() {
            return Ok(q.label_values(name, &[], start, end)?);
        }
        let mut out = Vec::new();
        for ms in matcher_sets {
            out.extend(q.label_values(name, ms, start, end)?);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Metric metadata by family.
    pub fn metadata(
        &self,
        metric: Option<&str>,
        limit: Option<usize>,
        limit_per_metric: Option<usize>,
    ) -> BTreeMap<String, Vec<MetricMetadata>> {
        self.db.metadata(metric, limit, limit_per_metric)
    }

    /// Exemplars in `[start, end]` of the series the selectors of `query` select.
    /// `None` when the query has no selector.
    pub fn exemplars(
        &self,
        query: &str,
        start: i64,
        end: i64,
    ) -> Result<Option<Vec<SeriesExemplarList>>> {
        let expr = promql::parse(query).map_err(promql::Error::from)?;
        let sets = expr.selector_matchers();
        if sets.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.db.querier().exemplars(&sets, start, end)?))
    }

    /// Writes a consistent copy of all data into `dir` (head included unless `skip_head`).
    pub fn snapshot(&self, dir: impl AsRef<Path>, skip_head: bool) -> Result<()> {
        Ok(self
            .db
            .snapshot(dir.as_ref().join(METRICS_DIR), !skip_head)?)
    }

    /// Deletes the samples in `[start, end]` of series matching any of the matcher sets.
    pub fn delete_series(
        &self,
        matcher_sets: &[Vec<Matcher>],
        start: i64,
        end: i64,
    ) -> Result<u64> {
        if matcher_sets.is_empty() {
            return Err(Error::BadRequest("no match[] parameter provided".into()));
        }
        Ok(self.db.delete_series(matcher_sets, start, end)?)
    }

    /// Head statistics for `/api/v1/status/tsdb`.
    pub fn tsdb_stats(&self, limit: usize) -> tsdb::TsdbStats {
        self.db.stats(limit)
    }

    /// The metrics engine, for callers that need more than this API.
    pub fn metrics(&self) -> &Db {
        &self.db
    }

    /// The PromQL engine's options.
    pub fn engine_options(&self) -> &EngineOptions {
        self.engine.options()
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Flushes and closes.
    pub fn close(self) -> Result<()> {
        Ok(self.db.close()?)
    }
}
