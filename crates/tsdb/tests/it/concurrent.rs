//! Appenders on several threads at once, sharing series and creating new ones, with a reader
//! beside them: no deadlock, no lost or doubled sample, and the WAL replays to the same data.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use model::{Label, MatchOp, Matcher, Querier, Sample, SampleBuf, SampleSource};
use otelstore_tsdb::{Db, SeriesSamples};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::support::{dump, reopen, test_options};

const THREADS: i64 = 4;
const BATCHES: i64 = 150;
/// Series each batch carries: more than one lookup window, so windows and their boundaries
/// are crossed.
const PER_BATCH: usize = 300;
const T0: i64 = 1_700_000_000_000;

/// Series `i`'s labels, in canonical order, or reversed (which the head must sort) for some.
fn series_labels(i: usize, reversed: bool) -> Vec<Label> {
    let mut l = vec![
        Label::new("__name__", format!("m{}", i % 7)),
        Label::new("job", "j"),
        Label::new("series", format!("{i:05}")),
    ];
    if reversed {
        l.reverse();
    }
    l
}

fn value(series: usize, t: i64) -> f64 {
    (series as f64) * 1000.0 + (t - T0) as f64
}

/// Thread `k` appends batches at `T0 + step * THREADS + k`, over a pool of series that grows
/// as it goes, so threads create series the others then append to.
fn appender(db: &Db, k: i64) -> BTreeMap<usize, Vec<i64>> {
    let mut rng = SmallRng::seed_from_u64(k as u64);
    let mut sent: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
    for step in 0..BATCHES {
        let t = T0 + step * 1000 * THREADS + k;
        let pool = 400 + step as usize * 8;
        let mut ids: Vec<usize> = (0..pool).collect();
        ids.shuffle(&mut rng);
        ids.truncate(PER_BATCH);
        let batch: Vec<SeriesSamples> = ids
            .iter()
            .map(|&i| SeriesSamples {
                labels: series_labels(i, rng.gen_bool(0.05)),
                samples: vec![Sample::new(t, value(i, t))],
            })
            .collect();
        let out = db.append(&batch).expect("append");
        assert_eq!(
            out.appended, PER_BATCH as u64,
            "thread {k} step {step}: {out:?}"
        );
        for i in ids {
            sent.entry(i).or_default().push(t);
        }
    }
    sent
}

#[test]
fn concurrent_appenders_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Arc::new(Db::open(dir.path(), test_options()).expect("open"));
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn({
        let db = Arc::clone(&db);
        move || {
            let stop = AtomicBool::new(false);
            let sent = std::thread::scope(|s| {
                let reader = s.spawn(|| {
                    // Reads while appends land: every series it sees reads back in order.
                    let m = [Matcher::new(MatchOp::Equal, "job", "j").expect("matcher")];
                    let mut queries = 0;
                    while !stop.load(Ordering::Acquire) {
                        for mut series in
                            db.querier().select(&m, i64::MIN, i64::MAX).expect("select")
                        {
                            let mut buf = SampleBuf::new();
                            series.samples.read_into(&mut buf).expect("read");
                            assert!(buf.iter().zip(buf.iter().skip(1)).all(|(a, b)| a.t < b.t));
                        }
                        queries += 1;
                    }
                    queries
                });
                let threads: Vec<_> = (0..THREADS)
                    .map(|k| {
                        s.spawn({
                            let db = &db;
                            move || appender(db, k)
                        })
                    })
                    .collect();
                let sent: Vec<_> = threads
                    .into_iter()
                    .map(|h| h.join().expect("appender"))
                    .collect();
                stop.store(true, Ordering::Release);
                assert!(reader.join().expect("reader") > 0);
                sent
            });
            done.send(sent).expect("send");
        }
    });
    // A deadlock between appenders would hang here: fail instead.
    let sent = match finished.recv_timeout(Duration::from_secs(300)) {
        Ok(sent) => sent,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("appenders still running after 5 minutes"),
        // The worker panicked (a failed assertion in a thread): report that panic.
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().expect_err("worker panicked"))
        }
    };
    worker.join().expect("worker");

    let mut want: BTreeMap<String, Vec<(i64, u64)>> = BTreeMap::new();
    for per_thread in sent {
        for (i, ts) in per_thread {
            let key = format!("{i:05}");
            for t in ts {
                want.entry(key.clone())
                    .or_default()
                    .push((t, value(i, t).to_bits()));
            }
        }
    }
    for v in want.values_mut() {
        v.sort_unstable();
    }
    let check = |db: &Db, when: &str| {
        let got: BTreeMap<String, Vec<(i64, u64)>> = dump(db, i64::MIN, i64::MAX)
            .into_iter()
            .map(|(l, s)| (l.get("series").expect("series label").to_string(), s))
            .collect();
        assert_eq!(got.len(), want.len(), "{when}: series count");
        for (k, w) in &want {
            let g = got.get(k).map(Vec::as_slice).unwrap_or_default();
            let first_diff = w.iter().zip(g).find(|(a, b)| a != b);
            assert!(
                g.len() == w.len() && first_diff.is_none(),
                "{when}: series {k} has {} samples, wants {}; first difference (want, got): {first_diff:?}",
                g.len(),
                w.len()
            );
        }
    };
    check(&db, "live");
    let db = Arc::into_inner(db).expect("no other handle");
    let db = reopen(db, test_options());
    check(&db, "after WAL replay");
}
