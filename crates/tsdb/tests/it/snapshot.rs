//! Snapshots copy everything, head included, into a directory that opens as a database;
//! statistics count what the head holds.

use model::Sample;
use otelstore_tsdb::{Db, SeriesSamples};

use crate::support::{dump, labels, test_options};

fn fill(db: &Db, hours: i64) {
    let series: Vec<_> = (0..20)
        .map(|i| {
            labels(&[
                ("__name__", if i % 2 == 0 { "even" } else { "odd" }),
                ("i", &i.to_string()),
            ])
        })
        .collect();
    for k in 0..hours * 60 {
        let batch: Vec<_> = series
            .iter()
            .map(|l| SeriesSamples::new(l, vec![Sample::new(k * 60_000, k as f64)]))
            .collect();
        db.append(&batch).expect("append");
    }
}

#[test]
fn snapshot_with_head_opens_with_the_same_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(dir.path().join("db"), test_options()).expect("open");
    fill(&db, 7);
    db.maintain().expect("maintain"); // some data in blocks, some in the head
    assert!(!db.blocks().is_empty());
    let before = dump(&db, i64::MIN, i64::MAX);

    let snap = dir.path().join("snap");
    db.snapshot(&snap, true).expect("snapshot");
    let copy = Db::open(&snap, test_options()).expect("open snapshot");
    assert_eq!(dump(&copy, i64::MIN, i64::MAX), before);

    let snap2 = dir.path().join("snap-blocks-only");
    db.snapshot(&snap2, false).expect("snapshot");
    let blocks_only = Db::open(&snap2, test_options()).expect("open snapshot");
    let head_start = db
        .blocks()
        .iter()
        .map(|b| b.max_time)
        .max()
        .expect("a block");
    assert_eq!(
        dump(&blocks_only, i64::MIN, i64::MAX),
        dump(&db, i64::MIN, head_start - 1)
    );
}

#[test]
fn stats_count_the_head() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(dir.path(), test_options()).expect("open");
    fill(&db, 1);
    let stats = db.stats(10);
    assert_eq!(stats.head.num_series, 20);
    assert_eq!(stats.head.num_samples, 20 * 60);
    assert_eq!(stats.head.min_time, 0);
    assert_eq!(stats.head.max_time, 59 * 60_000);
    assert_eq!(
        stats.series_count_by_metric_name,
        vec![("even".to_string(), 10), ("odd".to_string(), 10)]
    );
    assert_eq!(
        stats.label_value_count_by_label_name[0],
        ("i".to_string(), 20)
    );
    assert!(
        stats
            .series_count_by_label_value_pair
            .contains(&("__name__=even".to_string(), 10))
    );
    assert!(stats.head.chunk_count >= 20);
    assert_eq!(stats.head.num_label_pairs, 22);
}
