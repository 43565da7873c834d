//! The benchmark's data: `requests` OTLP metric requests per pass, each one resource
//! (`service.name=bench`, its own `service.instance.id`) holding `series_per_request` series
//! (half gauges, half cumulative counters, four attributes per point) with `points` points
//! each. A pass covers every series once; pass `p` holds the points `p * points ..` of every
//! series, 15 s apart, so timestamps only grow.
//!
//! OTLP requests are encoded once; timestamps and values are `fixed64` fields, so a pass is
//! made by overwriting them in place (no encoding while measuring). The same samples as
//! remote-write `WriteRequest`s (labels as otelstore translates the OTLP ones) are encoded
//! and snappy-compressed in advance for every pass.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
    metric::Data, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use server::remote_write::{RwLabel, RwSample, TimeSeries, WriteRequest};

/// Milliseconds between two points of a series.
const STEP_MS: i64 = 15_000;
/// Metric names per request (half gauges, half counters).
const METRICS: usize = 10;
const METHODS: [&str; 4] = ["GET", "POST", "PUT", "DELETE"];

/// How much data there is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    /// Requests per pass (one resource each).
    pub(crate) requests: usize,
    /// Series in one request.
    pub(crate) series_per_request: usize,
    /// Points per series in one request.
    pub(crate) points: usize,
}

impl Shape {
    /// Active series.
    pub(crate) fn series(&self) -> usize {
        self.requests * self.series_per_request
    }

    /// Samples in one pass.
    pub(crate) fn samples_per_pass(&self) -> usize {
        self.series() * self.points
    }

    /// Milliseconds of data one pass covers.
    pub(crate) fn pass_ms(&self) -> i64 {
        self.points as i64 * STEP_MS
    }
}

/// One series: its metric (index, counter or not) and attribute values.
struct SeriesSpec {
    metric: usize,
    counter: bool,
    route: String,
    method: &'static str,
}

fn series_of(shape: Shape) -> Vec<SeriesSpec> {
    let per_metric = shape.series_per_request.div_ceil(METRICS);
    (0..shape.series_per_request)
        .map(|i| SeriesSpec {
            metric: i / per_metric,
            counter: (i / per_metric) % 2 == 1,
            route: format!("/api/v1/items/{}", (i % per_metric) / METHODS.len()),
            method: METHODS[i % METHODS.len()],
        })
        .collect()
}

fn metric_name(s: &SeriesSpec) -> String {
    if s.counter {
        format!("bench.requests{}", s.metric)
    } else {
        format!("bench.queue.depth{}", s.metric)
    }
}

/// The value of the `k`-th point (counting over all passes) of series `global`.
fn value(global: usize, k: usize) -> f64 {
    (global % 1000) as f64 + k as f64 * 0.5
}

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..Default::default()
    }
}

/// An encoded OTLP request and where its points' timestamps and values are.
#[derive(Debug, Clone)]
pub(crate) struct OtlpBody {
    /// The encoded `ExportMetricsServiceRequest`.
    pub(crate) bytes: Vec<u8>,
    /// Per point: offset of the timestamp, its pass-0 value, offset of the value, its
    /// pass-0 value.
    fields: Vec<(usize, u64, usize, f64)>,
}

impl OtlpBody {
    /// Rewrites the points for pass `pass` (timestamps later, counters higher).
    pub(crate) fn set_pass(&mut self, shape: Shape, pass: usize) {
        let dt = (pass as i64 * shape.pass_ms()) as u64 * 1_000_000;
        let dv = (pass * shape.points) as f64 * 0.5;
        for &(t_at, t, v_at, v) in &self.fields {
            self.bytes[t_at..t_at + 8].copy_from_slice(&(t + dt).to_le_bytes());
            self.bytes[v_at..v_at + 8].copy_from_slice(&(v + dv).to_le_bytes());
        }
    }
}

/// The pass-0 OTLP requests, starting at `t0_ms`.
pub(crate) fn otlp_requests(shape: Shape, t0_ms: i64) -> Vec<OtlpBody> {
    let specs = series_of(shape);
    (0..shape.requests)
        .map(|r| {
            let mut metrics: Vec<Metric> = Vec::new();
            for (i, s) in specs.iter().enumerate() {
                let global = r * shape.series_per_request + i;
                let attrs = vec![
                    kv("method", s.method),
                    kv("region", "eu-west-1"),
                    kv("route", &s.route),
                    kv("status", "200"),
                ];
                let points: Vec<NumberDataPoint> = (0..shape.points)
                    .map(|k| {
                        let t = (t0_ms + k as i64 * STEP_MS) as u64 * 1_000_000;
                        let v = value(global, k);
                        NumberDataPoint {
                            attributes: attrs.clone(),
                            start_time_unix_nano: if s.counter {
                                (t0_ms - 60_000) as u64 * 1_000_000
                            } else {
                                0
                            },
                            time_unix_nano: t,
                            value: Some(number_data_point::Value::AsDouble(v)),
                            ..Default::default()
                        }
                    })
                    .collect();
                let name = metric_name(s);
                let metric = match metrics.iter_mut().find(|m| m.name == name) {
                    Some(m) => m,
                    None => {
                        let data = if s.counter {
                            Data::Sum(Sum {
                                data_points: Vec::new(),
                                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                                is_monotonic: true,
                            })
                        } else {
                            Data::Gauge(Gauge {
                                data_points: Vec::new(),
                            })
                        };
                        metrics.push(Metric {
                            name,
                            data: Some(data),
                            ..Default::default()
                        });
                        metrics.last_mut().expect("just pushed")
                    }
                };
                match &mut metric.data {
                    Some(Data::Sum(sum)) => sum.data_points.extend(points),
                    Some(Data::Gauge(g)) => g.data_points.extend(points),
                    _ => {}
                }
            }
            let req = ExportMetricsServiceRequest {
                resource_metrics: vec![ResourceMetrics {
                    resource: Some(Resource {
                        attributes: vec![
                            kv("service.name", "bench"),
                            kv("service.instance.id", &format!("host-{r:04}")),
                        ],
                        ..Default::default()
                    }),
                    scope_metrics: vec![ScopeMetrics {
                        metrics,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            };
            locate(req.encode_to_vec(), &req)
        })
        .collect()
}

/// Finds each point's `time_unix_nano` (field 3, fixed64: tag 0x19) and `as_double`
/// (field 4, fixed64: tag 0x21). Points are encoded in order, each after the fields of the
/// one before, so scanning forward from the previous point finds the point's own fields.
fn locate(bytes: Vec<u8>, req: &ExportMetricsServiceRequest) -> OtlpBody {
    let mut order: Vec<(u64, f64)> = Vec::new();
    for m in &req.resource_metrics[0].scope_metrics[0].metrics {
        let pts = match &m.data {
            Some(Data::Sum(s)) => &s.data_points,
            Some(Data::Gauge(g)) => &g.data_points,
            _ => continue,
        };
        for p in pts {
            if let Some(number_data_point::Value::AsDouble(v)) = p.value {
                order.push((p.time_unix_nano, v));
            }
        }
    }
    let find = |from: usize, tag: u8, raw: [u8; 8]| -> usize {
        let mut pat = [0u8; 9];
        pat[0] = tag;
        pat[1..].copy_from_slice(&raw);
        from + bytes[from..]
            .windows(9)
            .position(|w| w == pat)
            .expect("field in encoding")
            + 1
    };
    let mut cursor = 0;
    let mut fields = Vec::with_capacity(order.len());
    for (t, v) in order {
        let t_at = find(cursor, 0x19, t.to_le_bytes());
        let v_at = find(cursor, 0x21, v.to_le_bytes());
        cursor = t_at.max(v_at) + 8;
        fields.push((t_at, t, v_at, v));
    }
    OtlpBody { bytes, fields }
}

/// Snappy-compressed remote-write bodies of the same samples: `[pass][request]`.
pub(crate) fn remote_write_bodies(shape: Shape, t0_ms: i64, passes: usize) -> Vec<Vec<Vec<u8>>> {
    let specs = series_of(shape);
    let mut encoder = snap::raw::Encoder::new();
    (0..passes)
        .map(|pass| {
            (0..shape.requests)
                .map(|r| {
                    let timeseries = specs
                        .iter()
                        .enumerate()
                        .map(|(i, s)| rw_series(shape, t0_ms, pass, r, i, s))
                        .collect();
                    let req = WriteRequest {
                        timeseries,
                        metadata: Vec::new(),
                    };
                    encoder.compress_vec(&req.encode_to_vec()).expect("snappy")
                })
                .collect()
        })
        .collect()
}

fn rw_series(
    shape: Shape,
    t0_ms: i64,
    pass: usize,
    r: usize,
    i: usize,
    s: &SeriesSpec,
) -> TimeSeries {
    let name = if s.counter {
        format!("bench_requests{}_total", s.metric)
    } else {
        format!("bench_queue_depth{}", s.metric)
    };
    let instance = format!("host-{r:04}");
    let mut labels: Vec<RwLabel> = [
        ("__name__", name.as_str()),
        ("instance", &instance),
        ("job", "bench"),
        ("method", s.method),
        ("region", "eu-west-1"),
        ("route", &s.route),
        ("status", "200"),
    ]
    .iter()
    .map(|(n, v)| RwLabel {
        name: n.to_string(),
        value: v.to_string(),
    })
    .collect();
    labels.sort_by(|a, b| a.name.cmp(&b.name));
    let global = r * shape.series_per_request + i;
    let samples = (0..shape.points)
        .map(|k| {
            let k = pass * shape.points + k;
            RwSample {
                value: value(global, k),
                timestamp: t0_ms + k as i64 * STEP_MS,
            }
        })
        .collect();
    TimeSeries {
        labels,
        samples,
        exemplars: Vec::new(),
        histograms: Vec::new(),
    }
}
