//! [`Store`]: the metrics engine and the PromQL engine behind one handle.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use model::{Exemplar, Labels, Matcher, MetricMetadata, Querier, SeriesExemplars, SeriesSamples};
use promql::{Engine, EngineOptions, QueryOptions, QueryResult};
use tsdb::{AppendOutcome, Db};

use crate::error::{Error, Result};

/// Exemplars of one series.
pub type SeriesExemplarList = (Labels, Vec<Exemplar>);

/// Directory of the metrics engine inside the data directory.
const METRICS_DIR: &str = "metrics";
/// Directory of the trace store inside the data directory.
const TRACES_DIR: &str = "traces";

/// What became of the points or spans of one OTLP export request, for its
/// `partial_success` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ingested {
    /// Points or spans stored (identical resends included).
    pub accepted: u64,
    /// Points or spans not stored.
    pub rejected: u64,
    /// Why, when something was rejected.
    pub message: Option<String>,
    /// Of the rejected samples: invalid, too old, out of order, duplicate (for self-metrics).
    pub outcome: AppendOutcome,
    /// Exemplars stored.
    pub exemplars: u64,
}

/// Configuration of every part of the store; each part documents its defaults.
#[derive(Debug, Clone)]
pub struct Options {
    /// The metrics engine.
    pub tsdb: tsdb::Options,
    /// The PromQL engine.
    pub engine: EngineOptions,
    /// OTLP metric translation (names, labels, resource promotion).
    pub otlp: otlp::metrics::MetricsOptions,
    /// Delta-to-cumulative state bounds.
    pub delta: otlp::metrics::DeltaConfig,
    /// The trace store.
    pub traces: traces::Options,
    /// Samples further than this ahead of the wall clock are rejected as invalid (default
    /// 10m, as Prometheus's remote-write receiver does): a client with a broken clock must
    /// not push the head into the future. `None` accepts any time.
    pub max_future: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tsdb: tsdb::Options::default(),
            engine: EngineOptions::default(),
            otlp: otlp::metrics::MetricsOptions::default(),
            delta: otlp::metrics::DeltaConfig::default(),
            traces: traces::Options::default(),
            max_future: Some(Duration::from_secs(600)),
        }
    }
}

/// Metrics storage and query in one handle. Thread-safe; share it behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    db: Db,
    engine: Engine,
    max_future: Option<Duration>,
    traces: traces::Store,
    otlp: otlp::metrics::MetricsOptions,
    delta: otlp::metrics::DeltaState,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, replaying what was acknowledged before.
    pub fn open(dir: impl AsRef<Path>, opts: Options) -> Result<Store> {
        let dir = dir.as_ref().to_path_buf();
        let db = Db::open(dir.join(METRICS_DIR), opts.tsdb)?;
        let traces = traces::Store::open(dir.join(TRACES_DIR), opts.traces)?;
        Ok(Store {
            dir,
            db,
            engine: Engine::new(opts.engine),
            max_future: opts.max_future,
            traces,
            otlp: opts.otlp,
            delta: otlp::metrics::DeltaState::new(opts.delta),
        })
    }

    /// Stores samples, exemplars and metadata (remote write, or already translated OTLP).
    pub fn append(
        &self,
        series: &[SeriesSamples],
        exemplars: &[SeriesExemplars],
        metadata: &[MetricMetadata],
    ) -> Result<AppendOutcome> {
        let limit = self
            .max_future
            .map(|d| now_ms().saturating_add(d.as_millis() as i64));
        let too_new = |s: &SeriesSamples| limit.is_some_and(|l| s.samples.iter().any(|x| x.t > l));
        let outcome = match limit {
            Some(limit) if series.iter().any(too_new) => {
                let mut future = 0u64;
                let kept: Vec<SeriesSamples> = series
                    .iter()
                    .map(|s| {
                        let samples: Vec<_> =
                            s.samples.iter().copied().filter(|x| x.t <= limit).collect();
                        future += (s.samples.len() - samples.len()) as u64;
                        SeriesSamples {
                            labels: s.labels.clone(),
                            samples,
                        }
                    })
                    .collect();
                let mut outcome = self.db.append(&kept)?;
                outcome.invalid += future;
                outcome.first_rejection.get_or_insert_with(|| {
                    let ahead = self.max_future.map_or(0, |d| d.as_secs());
                    format!("{future} samples are timestamped more than {ahead}s in the future")
                });
                outcome
            }
            _ => self.db.append(series)?,
        };
        if !exemplars.is_empty() {
            self.db.append_exemplars(exemplars)?;
        }
        if !metadata.is_empty() {
            self.db.update_metadata(metadata)?;
        }
        Ok(outcome)
    }

    /// Translates and stores an OTLP metrics export request. Points that cannot be stored
    /// are counted and described, never fail the request; an error means nothing was
    /// acknowledged.
    pub fn ingest_otlp_metrics(
        &self,
        req: &opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest,
    ) -> Result<Ingested> {
        let t = otlp::metrics::translate(req, &self.otlp, &self.delta);
        let outcome = self.append(&t.series, &t.exemplars, &t.metadata)?;
        let mut messages = t.messages;
        if let Some(first) = &outcome.first_rejection {
            messages.push(format!(
                "{} samples rejected by storage, first: {first}",
                outcome.rejected()
            ));
        }
        let exemplars = t.exemplars.iter().map(|e| e.exemplars.len() as u64).sum();
        // Storage counts samples, translation counts points; a rejected sample rejects its point
        // at most once, so report the larger of the two views.
        let rejected = t.rejected_points + outcome.rejected().min(t.accepted_points);
        Ok(Ingested {
            accepted: t
                .accepted_points
                .saturating_sub(outcome.rejected().min(t.accepted_points)),
            rejected,
            message: (!messages.is_empty()).then(|| messages.join("; ")),
            outcome,
            exemplars,
        })
    }

    /// Translates and stores an OTLP traces export request.
    pub fn ingest_otlp_traces(
        &self,
        req: opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
    ) -> Result<Ingested> {
        let t = otlp::traces::translate(req);
        let stored = self.traces.append(&t.batch)?;
        let mut message = t.error_message();
        if let Some(first) = &stored.first_rejection {
            let m = message.get_or_insert_with(String::new);
            if !m.is_empty() {
                m.push_str("; ");
            }
            m.push_str(first);
        }
        Ok(Ingested {
            accepted: stored.accepted,
            rejected: t.rejected() + stored.rejected,
            message,
            ..Ingested::default()
        })
    }

    /// The trace store, for trace queries.
    pub fn traces(&self) -> &traces::Store {
        &self.traces
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
        union(matcher_sets, |ms| {
            Ok(q.select(ms, start, end)?
                .into_iter()
                .map(|s| s.labels)
                .collect())
        })
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
        union(matcher_sets, |ms| Ok(q.label_names(ms, start, end)?))
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
        union(matcher_sets, |ms| Ok(q.label_values(name, ms, start, end)?))
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
        self.traces.close()?;
        Ok(self.db.close()?)
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The sorted, deduplicated union of `lookup` over each matcher set (series, label names and
/// label values all combine several `match[]` sets this way).
fn union<T: Ord>(
    matcher_sets: &[Vec<Matcher>],
    mut lookup: impl FnMut(&[Matcher]) -> Result<Vec<T>>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for ms in matcher_sets {
        out.extend(lookup(ms)?);
    }
    out.sort();
    out.dedup();
    Ok(out)
}
