//! Exemplar storage: the trace-linked observations OTLP and remote write attach to samples,
//! kept as long as the metrics they belong to.
//!
//! Exemplars are sparse (a few per series per export), so they get a simple store of their
//! own: one record file per block-duration window (`exemplars/<window start>.ex`), written
//! with one `write` per append batch so they survive a process crash at once, fsynced on every
//! maintenance pass and at close. A query reads the files of the windows it overlaps and
//! filters by matchers; windows older than the oldest retained metrics are deleted with them.
//! Layout: `docs/format/exemplars.md`.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use model::{Exemplar, Label, Labels, Matcher, SeriesExemplars};
use parking_lot::Mutex;

use crate::error::{Result, io_err};
use crate::head::append::canonical;
use crate::logfile::{LogFile, read_records};
use codec::fields::{Reader, Writer};

const MAGIC: u32 = 0x4F54_4558; // "OTEX"
const VERSION: u8 = 1;
const SUFFIX: &str = ".ex";
/// Prometheus's limit on the total length of an exemplar's label names and values, in runes.
const MAX_LABEL_RUNES: usize = 128;

/// What became of the exemplars of an append.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExemplarOutcome {
    /// Stored.
    pub appended: u64,
    /// Rejected: invalid series labels, or exemplar labels over 128 runes.
    pub invalid: u64,
}

/// The exemplar files of a database.
#[derive(Debug)]
pub(crate) struct ExemplarStore {
    dir: PathBuf,
    window_ms: i64,
    /// Open files by window start.
    files: Mutex<BTreeMap<i64, LogFile>>,
}

impl ExemplarStore {
    pub(crate) fn open(dir: &Path, window_ms: i64) -> Result<Self> {
        fs::create_dir_all(dir).map_err(io_err("create", dir))?;
        let mut files = BTreeMap::new();
        for entry in fs::read_dir(dir).map_err(io_err("list", dir))? {
            let path = entry.map_err(io_err("list", dir))?.path();
            let Some(start) = window_of(&path) else {
                continue;
            };
            // Opening repairs a torn tail.
            files.insert(start, LogFile::open(&path, MAGIC, VERSION, |_| {})?);
        }
        Ok(ExemplarStore {
            dir: dir.to_path_buf(),
            window_ms,
            files: Mutex::new(files),
        })
    }

    pub(crate) fn append(&self, batch: &[SeriesExemplars]) -> Result<ExemplarOutcome> {
        let mut out = ExemplarOutcome::default();
        let mut by_window: HashMap<i64, Vec<Vec<u8>>> = HashMap::new();
        for s in batch {
            let Ok(series) = canonical(&s.labels) else {
                out.invalid += s.exemplars.len() as u64;
                continue;
            };
            for e in &s.exemplars {
                let runes: usize = e
                    .labels
                    .iter()
                    .map(|l| l.name.chars().count() + l.value.chars().count())
                    .sum();
                if runes > MAX_LABEL_RUNES {
                    out.invalid += 1;
                    continue;
                }
                let window = e.t.div_euclid(self.window_ms) * self.window_ms;
                by_window
                    .entry(window)
                    .or_default()
                    .push(encode(&series, e));
                out.appended += 1;
            }
        }
        let mut files = self.files.lock();
        for (window, records) in by_window {
            let file = match files.entry(window) {
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => {
                    let path = self.dir.join(format!("{window}{SUFFIX}"));
                    v.insert(LogFile::open(&path, MAGIC, VERSION, |_| {})?)
                }
            };
            file.append(&records)?;
        }
        Ok(out)
    }

    /// Exemplars in `[mint, maxt]` of series matching any of the matcher sets, grouped by
    /// series (sorted by labels), each series' exemplars by time, exact repeats removed.
    pub(crate) fn select(
        &self,
        matcher_sets: &[Vec<Matcher>],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<(Labels, Vec<Exemplar>)>> {
        let paths: Vec<PathBuf> = {
            let files = self.files.lock();
            files
                .iter()
                .filter(|&(&start, _)| start <= maxt && start.saturating_add(self.window_ms) > mint)
                .map(|(_, f)| f.path().to_path_buf())
                .collect()
        };
        let mut out: BTreeMap<Labels, Vec<Exemplar>> = BTreeMap::new();
        let mut err = None;
        for path in paths {
            read_records(&path, MAGIC, |rec| match decode(rec) {
                Some((series, e)) => {
                    if e.t >= mint
                        && e.t <= maxt
                        && matcher_sets
                            .iter()
                            .any(|ms| model::matches_all(&series, ms))
                    {
                        out.entry(series).or_default().push(e);
                    }
                }
                None => err = Some(path.clone()),
            })?;
        }
        if let Some(path) = err {
            tracing::warn!(path = %path.display(), "skipped undecodable exemplar records");
        }
        Ok(out
            .into_iter()
            .map(|(labels, mut ex)| {
                ex.sort_by(|a, b| a.t.cmp(&b.t).then_with(|| a.labels.cmp(&b.labels)));
                ex.dedup_by(|a, b| {
                    a.t == b.t && a.value.to_bits() == b.value.to_bits() && a.labels == b.labels
                });
                (labels, ex)
            })
            .collect())
    }

    /// Deletes the files of windows that end at or before `t`.
    pub(crate) fn drop_before(&self, t: i64) -> Result<()> {
        let mut files = self.files.lock();
        let doomed: Vec<i64> = files
            .keys()
            .copied()
            .filter(|&s| s.saturating_add(self.window_ms) <= t)
            .collect();
        for start in doomed {
            if let Some(f) = files.remove(&start) {
                fs::remove_file(f.path()).map_err(io_err("remove", f.path()))?;
            }
        }
        Ok(())
    }

    pub(crate) fn sync(&self) -> Result<()> {
        self.files.lock().values().try_for_each(LogFile::sync)
    }

    pub(crate) fn disk_bytes(&self) -> u64 {
        self.files.lock().values().map(LogFile::len).sum()
    }

    /// Copies every file into `dir`.
    pub(crate) fn copy_to(&self, dir: &Path) -> Result<()> {
        fs::create_dir_all(dir).map_err(io_err("create", dir))?;
        for f in self.files.lock().values() {
            let name = f.path().file_name().unwrap_or_default();
            fs::copy(f.path(), dir.join(name)).map_err(io_err("copy", f.path()))?;
        }
        Ok(())
    }
}

fn window_of(path: &Path) -> Option<i64> {
    path.file_name()?
        .to_str()?
        .strip_suffix(SUFFIX)?
        .parse()
        .ok()
}

fn put_labels(w: &mut Writer, labels: &[Label]) {
    w.uvarint(labels.len() as u64);
    for l in labels {
        w.str(&l.name);
        w.str(&l.value);
    }
}

fn encode(series: &[Label], e: &Exemplar) -> Vec<u8> {
    let mut w = Writer::default();
    put_labels(&mut w, series);
    w.varint(e.t);
    w.u64(e.value.to_bits());
    put_labels(&mut w, e.labels.as_slice());
    w.buf
}

fn take_labels(r: &mut Reader<'_>) -> Option<Labels> {
    let n = r.uvarint().ok()?;
    let mut pairs = Vec::with_capacity(n.min(64) as usize);
    for _ in 0..n {
        pairs.push(Label::new(r.str().ok()?, r.str().ok()?));
    }
    Labels::new(pairs).ok()
}

fn decode(rec: &[u8]) -> Option<(Labels, Exemplar)> {
    let mut r = Reader::new(rec);
    let series = take_labels(&mut r)?;
    let t = r.varint().ok()?;
    let value = f64::from_bits(r.u64().ok()?);
    let labels = take_labels(&mut r)?;
    Some((series, Exemplar { labels, value, t }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::MatchOp;

    fn ls(p: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(p.iter().copied()).expect("labels")
    }

    #[test]
    fn exemplars_round_trip_filter_and_expire() {
        let dir = tempfile::tempdir().expect("tempdir");
        let h = 3_600_000;
        let store = ExemplarStore::open(dir.path(), 2 * h).expect("open");
        let a = ls(&[("__name__", "lat_bucket"), ("le", "0.5")]);
        let b = ls(&[("__name__", "req_total")]);
        let ex = |t: i64, v: f64| Exemplar {
            labels: ls(&[("trace_id", "ab"), ("span_id", "cd")]),
            value: v,
            t,
        };
        let batch = vec![
            SeriesExemplars {
                labels: a.as_slice().to_vec(),
                exemplars: vec![ex(10, 0.3), ex(3 * h, 0.4)],
            },
            SeriesExemplars {
                labels: b.as_slice().to_vec(),
                exemplars: vec![ex(20, 1.0), ex(20, 1.0)],
            },
            SeriesExemplars {
                labels: vec![Label::new("x", "y")],
                exemplars: vec![ex(1, 1.0)],
            },
        ];
        let out = store.append(&batch).expect("append");
        assert_eq!(
            out,
            ExemplarOutcome {
                appended: 4,
                invalid: 1
            }
        );
        drop(store);
        let store = ExemplarStore::open(dir.path(), 2 * h).expect("reopen");
        let all = vec![vec![
            Matcher::new(MatchOp::Regex, "__name__", ".+").expect("m"),
        ]];
        let got = store.select(&all, 0, 4 * h).expect("select");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, a);
        assert_eq!(got[0].1.len(), 2);
        assert_eq!(got[1].1.len(), 1, "exact repeats removed");
        let only_b = vec![vec![Matcher::equal("__name__", "req_total")]];
        assert_eq!(store.select(&only_b, 0, 4 * h).expect("select").len(), 1);
        assert!(store.select(&all, 100, h).expect("select").is_empty());
        store.drop_before(2 * h).expect("drop");
        let got = store.select(&all, 0, 4 * h).expect("select");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1[0].t, 3 * h);
    }
}
