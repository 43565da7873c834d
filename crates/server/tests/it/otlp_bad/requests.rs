//! OTLP metric requests built from the opentelemetry-proto types, and the answers decoded.

use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, exponential_histogram_data_point::Buckets, metric::Data,
    number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;

/// `google.rpc.Status`, the body of an OTLP/HTTP error (only the fields we read).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct RpcStatus {
    /// gRPC code (may be 0 on HTTP).
    #[prost(int32, tag = "1")]
    pub(crate) code: i32,
    /// Developer-facing message.
    #[prost(string, tag = "2")]
    pub(crate) message: String,
}

/// A string attribute.
pub(crate) fn attr(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..Default::default()
    }
}

/// A double point at `ms` (milliseconds since the epoch).
pub(crate) fn point(ms: i64, v: f64) -> NumberDataPoint {
    NumberDataPoint {
        time_unix_nano: ms as u64 * 1_000_000,
        value: Some(number_data_point::Value::AsDouble(v)),
        ..Default::default()
    }
}

/// A gauge of `points`.
pub(crate) fn gauge(name: &str, points: Vec<NumberDataPoint>) -> Metric {
    Metric {
        name: name.into(),
        data: Some(Data::Gauge(Gauge {
            data_points: points,
        })),
        ..Default::default()
    }
}

/// A monotonic sum with the given raw temporality (0 = unspecified, 2 = cumulative).
pub(crate) fn counter(name: &str, temporality: i32, points: Vec<NumberDataPoint>) -> Metric {
    Metric {
        name: name.into(),
        data: Some(Data::Sum(Sum {
            data_points: points,
            aggregation_temporality: temporality,
            is_monotonic: true,
        })),
        ..Default::default()
    }
}

/// An exponential histogram with `n` points.
pub(crate) fn exponential(name: &str, ms: i64, n: usize) -> Metric {
    let p = |i: usize| ExponentialHistogramDataPoint {
        time_unix_nano: (ms as u64 + i as u64) * 1_000_000,
        count: 3,
        sum: Some(4.5),
        scale: 2,
        positive: Some(Buckets {
            offset: 0,
            bucket_counts: vec![1, 2],
        }),
        ..Default::default()
    };
    Metric {
        name: name.into(),
        unit: "s".into(),
        data: Some(Data::ExponentialHistogram(ExponentialHistogram {
            data_points: (0..n).map(p).collect(),
            aggregation_temporality: 2,
        })),
        ..Default::default()
    }
}

/// One resource (`service.name=bad-input`) holding `metrics`.
pub(crate) fn request(metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![attr("service.name", "bad-input")],
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// OTLP/JSON of a request, as the SDKs write it.
pub(crate) fn to_json(req: &ExportMetricsServiceRequest) -> Vec<u8> {
    serde_json::to_vec(req).expect("OTLP/JSON")
}

/// The `partial_success` of a 200 answer in `format` ("protobuf" or "json"):
/// `(rejected, message)`, `None` on full success.
pub(crate) fn partial(body: &[u8], format: &str) -> Option<(i64, String)> {
    let resp: ExportMetricsServiceResponse = if format == "json" {
        serde_json::from_slice(body).expect("JSON export response")
    } else {
        ExportMetricsServiceResponse::decode(body).expect("protobuf export response")
    };
    resp.partial_success
        .map(|p| (p.rejected_data_points, p.error_message))
}

/// The message of an error answer in `format`.
pub(crate) fn error_message(body: &[u8], format: &str) -> String {
    if format == "json" {
        let v: serde_json::Value = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("error body is not JSON ({e}): {body:?}"));
        v["message"].as_str().expect("message").to_string()
    } else {
        RpcStatus::decode(body).expect("google.rpc.Status").message
    }
}
