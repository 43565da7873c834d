//! Segment round trips (spans, summaries), index-planned search against brute force, and
//! damaged files.

use std::sync::Arc;

use model::trace::{
    AnyValue, KeyValue, Resource, Scope, Span, SpanId, SpanKind, StatusCode, TraceId,
};
use proptest::prelude::*;

use super::Segment;
use super::build::{BuildOptions, BuildTrace, write_segment};
use super::read::SearchBounds;
use crate::head::read::HeadSearch;
use crate::head::{HeadSpan, HeadTrace, Origin};
use crate::query::{AttrScope, Field, Intrinsic, Literal, Op, SpanFilter};
use crate::record::strategies;

fn origins() -> Vec<Arc<Origin>> {
    (0..3)
        .map(|i| {
            let resource = Resource {
                attributes: vec![
                    KeyValue::new("service.name", format!("svc{}", i % 2)),
                    KeyValue::new("host", format!("h{i}")),
                ],
                dropped_attributes_count: i,
            };
            let scope = Scope {
                name: format!("lib{i}"),
                version: "1".into(),
                ..Scope::default()
            };
            Arc::new(Origin::new(resource, "r".into(), scope, "s".into()))
        })
        .collect()
}

/// Traces with the given spans, each assigned an origin round-robin.
fn traces(spans: Vec<Vec<Span>>) -> Vec<(TraceId, Vec<HeadSpan>)> {
    let os = origins();
    spans
        .into_iter()
        .enumerate()
        .map(|(i, ss)| {
            let id = TraceId((i as u128 + 1).to_le_bytes());
            let hs = ss
                .into_iter()
                .enumerate()
                .map(|(j, mut s)| {
                    s.trace_id = id;
                    HeadSpan {
                        origin: Arc::clone(&os[(i + j) % os.len()]),
                        span: s,
                    }
                })
                .collect();
            (id, hs)
        })
        .collect()
}

fn opts(block_spans: usize, cap: usize) -> BuildOptions {
    BuildOptions {
        block_spans,
        index_max_values: cap,
        tag_values_cap: 100,
        zstd_level: 1,
    }
}

fn write(dir: &std::path::Path, ts: &[(TraceId, Vec<HeadSpan>)], o: BuildOptions) -> Segment {
    let path = dir.join("0000000000000-00000001.seg");
    let build = ts.iter().map(|(id, s)| BuildTrace::new(*id, s)).collect();
    write_segment(&path, build, 0, 1, o).expect("write");
    Segment::open(&path).expect("open")
}

/// What a read must return: first copy of each span id, by start, attributes by key.
fn normalize(mut spans: Vec<Span>) -> Vec<Span> {
    let mut seen = std::collections::HashSet::new();
    spans.retain(|s| seen.insert(s.span_id));
    for s in &mut spans {
        s.attributes.sort_by(|a, b| a.key.cmp(&b.key));
    }
    spans.sort_by_key(|s| (s.start_time_unix_nano, s.span_id));
    spans
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn spans_round_trip(
        spans in proptest::collection::vec(proptest::collection::vec(strategies::span(), 1..6), 1..12),
        block in 1usize..8,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let ts = traces(spans);
        let seg = write(dir.path(), &ts, opts(block, 3));
        for (id, hs) in &ts {
            let got = seg.trace(id).expect("read").expect("found");
            for (o, s) in &got {
                let want = hs.iter().find(|h| h.span.span_id == s.span_id).expect("known span");
                prop_assert_eq!(&**o, &*want.origin);
            }
            let got = normalize(got.into_iter().map(|(_, s)| s).collect());
            prop_assert_eq!(got, normalize(hs.iter().map(|h| h.span.clone()).collect()));
            let sum = seg.summary(id).expect("summary").expect("found");
            prop_assert_eq!(sum.summary.span_count as usize, normalize(hs.iter().map(|h| h.span.clone()).collect()).len());
        }
        prop_assert!(seg.trace(&TraceId([0xee; 16])).expect("read").is_none());
    }
}

fn workload_span(rng: &mut impl FnMut() -> u64, i: u64) -> Span {
    let kinds = [SpanKind::Server, SpanKind::Client, SpanKind::Internal];
    let mut attributes = vec![
        KeyValue::new("model", format!("m{}", rng() % 4)),
        KeyValue::new("code", 200 + (rng() % 3) as i64 * 100),
        KeyValue::new("req", format!("id-{}", rng() % 1000)),
    ];
    if rng().is_multiple_of(3) {
        attributes.push(KeyValue::new("flag", rng().is_multiple_of(2)));
    }
    Span {
        span_id: SpanId((i + 1).to_le_bytes()),
        parent_span_id: (!i.is_multiple_of(4)).then(|| SpanId(i.to_le_bytes())),
        name: format!("op{}", rng() % 5),
        kind: kinds[(rng() % 3) as usize],
        start_time_unix_nano: 1_000_000 + rng() % 1_000_000,
        end_time_unix_nano: 3_000_000 + rng() % 1_000_000,
        attributes,
        events: if rng().is_multiple_of(4) {
            vec![model::trace::Event {
                time_unix_nano: 2_000_000,
                name: "exception".into(),
                attributes: vec![KeyValue::new("exception.type", format!("E{}", rng() % 2))],
                dropped_attributes_count: 0,
            }]
        } else {
            Vec::new()
        },
        status: model::trace::Status {
            code: if rng().is_multiple_of(5) {
                StatusCode::Error
            } else {
                StatusCode::Unset
            },
            message: String::new(),
        },
        ..Span::default()
    }
}

fn filter_strategy() -> impl Strategy<Value = SpanFilter> {
    let str_lit =
        |p: &'static str, n: u64| (0..n).prop_map(move |i| Literal::Str(format!("{p}{i}")));
    let leaf = prop_oneof![
        str_lit("m", 5).prop_map(|l| SpanFilter::cond(
            Field::attr(AttrScope::Span, "model"),
            Op::Eq,
            l
        )),
        str_lit("id-", 1000).prop_map(|l| SpanFilter::cond(
            Field::attr(AttrScope::Unscoped, "req"),
            Op::Ne,
            l
        )),
        (200i64..500).prop_map(|c| SpanFilter::cond(
            Field::attr(AttrScope::Span, "code"),
            Op::Ge,
            Literal::Int(c)
        )),
        (0i64..3).prop_map(|c| SpanFilter::cond(
            Field::attr(AttrScope::Any, "code"),
            Op::Eq,
            Literal::Text(format!("{}", 200 + c * 100))
        )),
        str_lit("op", 6).prop_map(|l| SpanFilter::cond(
            Field::Intrinsic(Intrinsic::Name),
            Op::Eq,
            l
        )),
        str_lit("svc", 3).prop_map(|l| SpanFilter::cond(
            Field::Intrinsic(Intrinsic::Service),
            Op::Eq,
            l
        )),
        str_lit("h", 3).prop_map(|l| SpanFilter::cond(
            Field::attr(AttrScope::Resource, "host"),
            Op::Eq,
            l
        )),
        str_lit("E", 3).prop_map(|l| SpanFilter::cond(
            Field::attr(AttrScope::Event, "exception.type"),
            Op::Eq,
            l
        )),
        Just(SpanFilter::cond(
            Field::attr(AttrScope::Span, "flag"),
            Op::Eq,
            Literal::Nil
        )),
        Just(SpanFilter::cond(
            Field::attr(AttrScope::Span, "flag"),
            Op::Eq,
            Literal::Bool(true)
        )),
        Just(SpanFilter::cond(
            Field::Intrinsic(Intrinsic::Status),
            Op::Eq,
            Literal::Status(StatusCode::Error)
        )),
        Just(SpanFilter::cond(
            Field::Intrinsic(Intrinsic::Kind),
            Op::Ne,
            Literal::Kind(SpanKind::Server)
        )),
        Just(SpanFilter::cond(
            Field::attr(AttrScope::Span, "model"),
            Op::Match,
            Literal::regex("m[12]").expect("regex")
        )),
        (2_000_000i64..3_500_000).prop_map(|d| SpanFilter::cond(
            Field::Intrinsic(Intrinsic::Duration),
            Op::Gt,
            Literal::Int(d)
        )),
        str_lit("op", 6).prop_map(|l| SpanFilter::cond(
            Field::Intrinsic(Intrinsic::RootName),
            Op::Eq,
            l
        )),
        Just(SpanFilter::All),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..3).prop_map(SpanFilter::And),
            proptest::collection::vec(inner, 1..3).prop_map(SpanFilter::Or),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The index planner and column evaluation find exactly what brute force finds.
    #[test]
    fn search_agrees_with_brute_force(
        seed in any::<u64>(), filter in filter_strategy(), cap in prop_oneof![Just(2usize), Just(1000)],
        limit in 1usize..8, window in (0u64..2_500_000, 0u64..2_500_000),
    ) {
        let mut x = seed | 1;
        let mut rng = move || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x };
        let mut next = 0;
        let spans: Vec<Vec<Span>> = (0..40).map(|_| {
            (0..1 + rng() % 6).map(|_| { next += 1; workload_span(&mut rng, next) }).collect()
        }).collect();
        let ts = traces(spans);
        let dir = tempfile::tempdir().expect("tempdir");
        let seg = write(dir.path(), &ts, opts(16, cap));
        let (start, end) = (window.0.min(window.1), window.0.max(window.1) + 1_000_000);
        let bounds = SearchBounds { start, end, limit, spss: 2, floor: None };
        let got: Vec<TraceId> = seg.search(&filter, bounds).expect("search")
            .iter().map(|h| h.summary.trace_id).collect();
        let mut q = HeadSearch::new(&filter, start, end, limit, 2);
        for (id, hs) in &ts {
            let t = BuildTrace::new(*id, hs);
            let spans: Vec<HeadSpan> = t.spans.iter().map(|s| (*s).clone()).collect();
            let trace = HeadTrace {
                min_start: spans.iter().map(|s| s.span.start_time_unix_nano).min().unwrap_or(0),
                max_end: spans.iter().map(|s| s.span.end_time_unix_nano).max().unwrap_or(0),
                spans, bytes: 0, first_seen: 0, last_seen: 0,
            };
            q.visit(id, &trace);
        }
        let want: Vec<TraceId> = q.finish().iter().map(|h| h.summary.trace_id).collect();
        prop_assert_eq!(got, want, "filter {:?}", filter);
    }
}

#[test]
fn damaged_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut next = 0;
    let mut x = 7u64;
    let mut rng = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let spans: Vec<Vec<Span>> = (0..30)
        .map(|_| {
            (0..3)
                .map(|_| {
                    next += 1;
                    workload_span(&mut rng, next)
                })
                .collect()
        })
        .collect();
    let ts = traces(spans);
    let seg = write(dir.path(), &ts, opts(8, 1000));
    let bytes = std::fs::read(&seg.path).expect("read");
    drop(seg);
    let path = dir.path().join("damaged.seg");
    for cut in [0, 7, 100, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..cut]).expect("write");
        assert!(Segment::open(&path).is_err(), "truncated at {cut}");
    }
    let mut failures = 0;
    for i in (0..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[i] ^= 0x5a;
        std::fs::write(&path, &b).expect("write");
        match Segment::open(&path) {
            Err(_) => failures += 1,
            Ok(seg) => {
                // Damage in a block shows when it is read.
                let mut any_err = false;
                for (id, _) in &ts {
                    any_err |= seg.trace(id).is_err();
                }
                let all = SearchBounds {
                    start: 0,
                    end: u64::MAX,
                    limit: 100,
                    spss: 3,
                    floor: None,
                };
                any_err |= seg.search(&SpanFilter::All, all).is_err();
                failures += usize::from(any_err);
            }
        }
    }
    assert_eq!(
        failures,
        bytes.len().div_ceil(7),
        "every flipped byte is detected"
    );
    let _ = AnyValue::Empty;
}
