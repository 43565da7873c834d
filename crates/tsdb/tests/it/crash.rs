//! Crash safety: a child process appending is killed with SIGKILL; every sample it saw
//! acknowledged must be there when the database is reopened.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use model::{Querier, SampleBuf, SampleSource};
use otelstore_tsdb::{Db, SeriesSamples, SyncPolicy};

use crate::support::{labels, test_options};

const CHILD_ENV: &str = "OTELSTORE_TSDB_CRASH_CHILD";
const SERIES: usize = 50;

fn options(sync: &str) -> otelstore_tsdb::Options {
    let policy = match sync {
        "batch" => SyncPolicy::EveryBatch,
        _ => SyncPolicy::Interval(Duration::from_millis(200)),
    };
    // Small blocks so the child also cuts blocks and checkpoints while it is killed.
    test_options()
        .block_duration(Duration::from_secs(600))
        .out_of_order_window(Duration::from_secs(60))
        .wal(
            otelstore_tsdb::WalOptions::default()
                .segment_size(1 << 20)
                .sync(policy),
        )
}

/// The child role: append batches forever, printing each acknowledged batch number.
#[test]
fn crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (dir, sync) = spec.split_once('|').expect("dir|sync");
    let db = Db::open(dir, options(sync)).expect("child open");
    let series: Vec<_> = (0..SERIES)
        .map(|i| labels(&[("__name__", "m"), ("i", &i.to_string())]))
        .collect();
    let mut out = std::io::stdout().lock();
    for batch in 0i64.. {
        let t = batch * 1000;
        let entries: Vec<_> = series
            .iter()
            .map(|l| SeriesSamples::new(l, vec![model::Sample::new(t, batch as f64)]))
            .collect();
        let res = db.append(&entries).expect("append");
        assert_eq!(res.appended, SERIES as u64);
        writeln!(out, "{batch}").expect("stdout");
        out.flush().expect("flush");
        if batch % 200 == 0 {
            db.maintain().expect("maintain");
        }
    }
}

fn crash_once(sync: &str, kill_after: Duration) {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = format!("{}|{sync}", dir.path().display());
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "crash::crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut acked = -1i64;
        for line in BufReader::new(stdout).lines() {
            match line.ok().and_then(|l| l.trim().parse::<i64>().ok()) {
                Some(n) => acked = n,
                None => continue,
            }
        }
        acked
    });
    let start = Instant::now();
    while start.elapsed() < kill_after {
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let acked = reader.join().expect("reader");
    assert!(
        acked >= 0,
        "the child acknowledged nothing in {kill_after:?}"
    );

    let db = Db::open(dir.path(), options(sync)).expect("reopen after kill");
    let all = [model::Matcher::new(model::MatchOp::Equal, "__name__", "m").expect("matcher")];
    let series = db.querier().select(&all, 0, acked * 1000).expect("select");
    assert_eq!(series.len(), SERIES);
    for mut s in series {
        let mut buf = SampleBuf::new();
        s.samples.read_into(&mut buf).expect("read");
        assert_eq!(
            buf.len() as i64,
            acked + 1,
            "series {} lost acknowledged samples",
            s.labels
        );
        for (i, x) in buf.iter().enumerate() {
            assert_eq!((x.t, x.v), (i as i64 * 1000, i as f64));
        }
    }
}

#[test]
fn sigkill_loses_no_acknowledged_sample() {
    for (i, ms) in [150u64, 700, 1500].into_iter().enumerate() {
        let sync = if i % 2 == 0 { "interval" } else { "batch" };
        crash_once(sync, Duration::from_millis(ms));
    }
}
