//! Metric metadata (type, unit, help per metric family), kept for `/api/v1/metadata`.
//!
//! A family may be reported differently by different sources, so up to a few distinct entries
//! are kept per family, as Prometheus does across targets. Changes are appended to one record
//! file (`metadata`); the file is rewritten once most of its records are superseded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use model::{MetricMetadata, MetricType};
use parking_lot::Mutex;

use crate::error::{Result, io_err};
use crate::logfile::LogFile;
use codec::fields::{Reader, Writer};

const MAGIC: u32 = 0x4F54_4D44; // "OTMD"
const VERSION: u8 = 1;
/// Distinct entries kept per family; the oldest goes first.
const MAX_PER_FAMILY: usize = 8;

#[derive(Debug)]
struct State {
    families: BTreeMap<String, Vec<MetricMetadata>>,
    log: LogFile,
    records: usize,
}

/// Metadata of every family seen.
#[derive(Debug)]
pub(crate) struct MetadataStore {
    path: PathBuf,
    state: Mutex<State>,
}

impl MetadataStore {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let mut families: BTreeMap<String, Vec<MetricMetadata>> = BTreeMap::new();
        let mut records = 0;
        let log = LogFile::open(path, MAGIC, VERSION, |rec| {
            records += 1;
            if let Some(m) = decode(rec) {
                insert(&mut families, m);
            }
        })?;
        Ok(MetadataStore {
            path: path.to_path_buf(),
            state: Mutex::new(State {
                families,
                log,
                records,
            }),
        })
    }

    /// Records entries not seen before.
    pub(crate) fn update(&self, entries: &[MetricMetadata]) -> Result<()> {
        let mut st = self.state.lock();
        let fresh: Vec<Vec<u8>> = entries
            .iter()
            .filter(|m| !st.families.get(&m.family).is_some_and(|v| v.contains(m)))
            .map(encode)
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        for m in entries {
            insert(&mut st.families, m.clone());
        }
        st.log.append(&fresh)?;
        st.records += fresh.len();
        let live: usize = st.families.values().map(Vec::len).sum();
        if st.records > 2 * live + 1024 {
            self.rewrite(&mut st)?;
        }
        Ok(())
    }

    fn rewrite(&self, st: &mut State) -> Result<()> {
        let tmp = self.path.with_extension("tmp");
        std::fs::remove_file(&tmp).ok();
        let mut log = LogFile::open(&tmp, MAGIC, VERSION, |_| {})?;
        let all: Vec<Vec<u8>> = st.families.values().flatten().map(encode).collect();
        log.append(&all)?;
        log.sync()?;
        drop(log);
        std::fs::rename(&tmp, &self.path).map_err(io_err("rename", &tmp))?;
        st.log = LogFile::open(&self.path, MAGIC, VERSION, |_| {})?;
        st.records = all.len();
        Ok(())
    }

    /// Entries by family, optionally only `metric`, at most `limit` families and
    /// `limit_per_metric` entries each.
    pub(crate) fn get(
        &self,
        metric: Option<&str>,
        limit: Option<usize>,
        limit_per_metric: Option<usize>,
    ) -> BTreeMap<String, Vec<MetricMetadata>> {
        let st = self.state.lock();
        st.families
            .iter()
            .filter(|(f, _)| metric.is_none_or(|m| m == f.as_str()))
            .take(limit.unwrap_or(usize::MAX))
            .map(|(f, v)| {
                (
                    f.clone(),
                    v.iter()
                        .take(limit_per_metric.unwrap_or(usize::MAX))
                        .cloned()
                        .collect(),
                )
            })
            .collect()
    }

    pub(crate) fn sync(&self) -> Result<()> {
        self.state.lock().log.sync()
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

fn insert(families: &mut BTreeMap<String, Vec<MetricMetadata>>, m: MetricMetadata) {
    let v = families.entry(m.family.clone()).or_default();
    if !v.contains(&m) {
        if v.len() == MAX_PER_FAMILY {
            v.remove(0);
        }
        v.push(m);
    }
}

fn type_code(t: MetricType) -> u8 {
    match t {
        MetricType::Counter => 1,
        MetricType::Gauge => 2,
        MetricType::Histogram => 3,
        MetricType::GaugeHistogram => 4,
        MetricType::Summary => 5,
        MetricType::Info => 6,
        MetricType::StateSet => 7,
        MetricType::Unknown => 0,
    }
}

fn type_of(code: u8) -> MetricType {
    match code {
        1 => MetricType::Counter,
        2 => MetricType::Gauge,
        3 => MetricType::Histogram,
        4 => MetricType::GaugeHistogram,
        5 => MetricType::Summary,
        6 => MetricType::Info,
        7 => MetricType::StateSet,
        _ => MetricType::Unknown,
    }
}

fn encode(m: &MetricMetadata) -> Vec<u8> {
    let mut w = Writer::default();
    w.str(&m.family);
    w.u8(type_code(m.metric_type));
    w.str(&m.unit);
    w.str(&m.help);
    w.buf
}

fn decode(rec: &[u8]) -> Option<MetricMetadata> {
    let mut r = Reader::new(rec);
    let family = r.str().ok()?.to_string();
    let metric_type = type_of(r.u8().ok()?);
    let unit = r.str().ok()?.to_string();
    let help = r.str().ok()?.to_string();
    Some(MetricMetadata {
        family,
        metric_type,
        unit,
        help,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(f: &str, t: MetricType, help: &str) -> MetricMetadata {
        MetricMetadata {
            family: f.into(),
            metric_type: t,
            unit: "seconds".into(),
            help: help.into(),
        }
    }

    #[test]
    fn metadata_persists_and_filters() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("metadata");
        let store = MetadataStore::open(&path).expect("open");
        store
            .update(&[
                md("a", MetricType::Counter, "A"),
                md("b", MetricType::Gauge, "B"),
            ])
            .expect("update");
        store
            .update(&[md("a", MetricType::Counter, "A")])
            .expect("same again");
        store
            .update(&[md("a", MetricType::Counter, "A2")])
            .expect("second variant");
        drop(store);
        let store = MetadataStore::open(&path).expect("reopen");
        let all = store.get(None, None, None);
        assert_eq!(all["a"].len(), 2);
        assert_eq!(all["b"][0].metric_type, MetricType::Gauge);
        assert_eq!(store.get(Some("b"), None, None).len(), 1);
        assert_eq!(store.get(None, Some(1), None).len(), 1);
        assert_eq!(store.get(None, None, Some(1))["a"].len(), 1);
    }

    #[test]
    fn superseded_records_are_compacted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("metadata");
        let store = MetadataStore::open(&path).expect("open");
        for i in 0..3000 {
            store
                .update(&[md("a", MetricType::Gauge, &format!("help {i}"))])
                .expect("update");
        }
        drop(store);
        let mut records = 0;
        crate::logfile::read_records(&path, MAGIC, |_| records += 1).expect("read");
        assert!(records < 2000, "{records} records on disk");
        let store = MetadataStore::open(&path).expect("reopen");
        assert_eq!(store.get(None, None, None)["a"].len(), MAX_PER_FAMILY);
    }
}
