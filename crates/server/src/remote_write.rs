//! Prometheus remote write 1.0 (`POST /api/v1/write`): snappy-compressed protobuf
//! `WriteRequest`s with samples, exemplars and metadata.
//!
//! Valid samples of a request are stored even when others are rejected; the answer then is
//! 400 with what was rejected and why, which senders do not retry. 5xx only for conditions
//! worth retrying (storage failures).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::{
    Exemplar, Label, Labels, MetricMetadata, MetricType, Sample, SeriesExemplars, SeriesSamples,
};
use prost::Message;

use crate::selfmetrics::{Protocol, Reason};
use crate::state::AppState;

/// `prometheus.WriteRequest`.
#[derive(Clone, PartialEq, Message)]
pub struct WriteRequest {
    /// Series with their samples.
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
    /// Metric metadata.
    #[prost(message, repeated, tag = "3")]
    pub metadata: Vec<Metadata>,
}

/// `prometheus.TimeSeries`.
#[derive(Clone, PartialEq, Message)]
pub struct TimeSeries {
    /// Labels, `__name__` included.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<RwLabel>,
    /// Samples.
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<RwSample>,
    /// Exemplars.
    #[prost(message, repeated, tag = "3")]
    pub exemplars: Vec<RwExemplar>,
    /// Native histograms, kept undecoded: they are counted and rejected until supported.
    #[prost(bytes = "vec", repeated, tag = "4")]
    pub histograms: Vec<Vec<u8>>,
}

/// `prometheus.Label`.
#[derive(Clone, PartialEq, Message)]
pub struct RwLabel {
    /// Name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `prometheus.Sample`.
#[derive(Clone, PartialEq, Message)]
pub struct RwSample {
    /// Value.
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// `prometheus.Exemplar`.
#[derive(Clone, PartialEq, Message)]
pub struct RwExemplar {
    /// Labels (trace_id, span_id ...).
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<RwLabel>,
    /// Value.
    #[prost(double, tag = "2")]
    pub value: f64,
    /// Milliseconds since the epoch.
    #[prost(int64, tag = "3")]
    pub timestamp: i64,
}

/// `prometheus.MetricMetadata`.
#[derive(Clone, PartialEq, Message)]
pub struct Metadata {
    /// Type: 0 unknown, 1 counter, 2 gauge, 3 histogram, 4 gaugehistogram, 5 summary,
    /// 6 info, 7 stateset.
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    /// Family name.
    #[prost(string, tag = "2")]
    pub metric_family_name: String,
    /// Help text.
    #[prost(string, tag = "4")]
    pub help: String,
    /// Unit.
    #[prost(string, tag = "5")]
    pub unit: String,
}

fn plain(status: StatusCode, msg: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg.into(),
    )
        .into_response()
}

fn labels(v: Vec<RwLabel>) -> Vec<Label> {
    v.into_iter().map(|l| Label::new(l.name, l.value)).collect()
}

fn metric_type(t: i32) -> MetricType {
    match t {
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

/// `POST /api/v1/write`.
pub async fn write(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let header_str = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let encoding = header_str(header::CONTENT_ENCODING);
    if !encoding.is_empty() && !encoding.eq_ignore_ascii_case("snappy") {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("unsupported compression: {encoding}"),
        );
    }
    let content_type = header_str(header::CONTENT_TYPE);
    if content_type.contains("io.prometheus.write.v2.Request") {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "remote write 2.0 is not supported yet; send remote write 1.0 (prometheus.WriteRequest)",
        );
    }
    if !content_type.is_empty() && !content_type.starts_with("application/x-protobuf") {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("unsupported content type: {content_type}"),
        );
    }
    let limit = st.config.max_body_bytes;
    match snap::raw::decompress_len(&body) {
        Ok(n) if n > limit => {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("decompressed body of {n} bytes exceeds the {limit} byte limit"),
            );
        }
        Err(e) => return plain(StatusCode::BAD_REQUEST, format!("snappy decode error: {e}")),
        Ok(_) => {}
    }
    let raw = match snap::raw::Decoder::new().decompress_vec(&body) {
        Ok(raw) => raw,
        Err(e) => return plain(StatusCode::BAD_REQUEST, format!("snappy decode error: {e}")),
    };
    let req = match WriteRequest::decode(raw.as_slice()) {
        Ok(req) => req,
        Err(e) => {
            return plain(
                StatusCode::BAD_REQUEST,
                format!("protobuf decode error: {e}"),
            );
        }
    };

    let mut histograms = 0u64;
    let mut series = Vec::with_capacity(req.timeseries.len());
    let mut exemplars = Vec::new();
    for ts in req.timeseries {
        histograms += ts.histograms.len() as u64;
        let ls = labels(ts.labels);
        if !ts.exemplars.is_empty() {
            let ex = ts
                .exemplars
                .into_iter()
                .filter_map(|e| {
                    let l = Labels::new(labels(e.labels)).ok()?;
                    Some(Exemplar {
                        labels: l,
                        value: e.value,
                        t: e.timestamp,
                    })
                })
                .collect();
            exemplars.push(SeriesExemplars {
                labels: ls.clone(),
                exemplars: ex,
            });
        }
        let samples = ts
            .samples
            .into_iter()
            .map(|s| Sample::new(s.timestamp, s.value))
            .collect();
        series.push(SeriesSamples {
            labels: ls,
            samples,
        });
    }
    let metadata: Vec<MetricMetadata> = req
        .metadata
        .into_iter()
        .map(|m| MetricMetadata {
            family: m.metric_family_name,
            metric_type: metric_type(m.r#type),
            unit: m.unit,
            help: m.help,
        })
        .collect();
    let n_exemplars: u64 = exemplars
        .iter()
        .map(|e: &SeriesExemplars| e.exemplars.len() as u64)
        .sum();
    let result = st
        .blocking(move |s| {
            s.append(&series, &exemplars, &metadata)
                .map_err(crate::error::ApiError::from)
        })
        .await;
    let outcome = match result {
        Ok(o) => o,
        Err(e) => return plain(StatusCode::INTERNAL_SERVER_ERROR, e.message),
    };
    let m = &st.metrics;
    m.points(
        Protocol::RemoteWrite,
        outcome.appended + outcome.ignored,
        outcome.rejected() + histograms,
    );
    m.outcome(&outcome);
    m.rejected(Reason::Unsupported, histograms);
    m.exemplars(n_exemplars);

    let mut resp = if outcome.rejected() > 0 || histograms > 0 {
        let mut msg = format!(
            "{} samples stored; rejected: {} duplicate, {} out of order, {} too old, {} invalid, {} native histograms (not supported yet)",
            outcome.appended,
            outcome.duplicate,
            outcome.out_of_order,
            outcome.too_old,
            outcome.invalid,
            histograms
        );
        if let Some(first) = &outcome.first_rejection {
            msg.push_str("; first: ");
            msg.push_str(first);
        }
        plain(StatusCode::BAD_REQUEST, msg)
    } else {
        StatusCode::NO_CONTENT.into_response()
    };
    let h = resp.headers_mut();
    h.insert(
        "X-Prometheus-Remote-Write-Samples-Written",
        HeaderValue::from(outcome.appended),
    );
    h.insert(
        "X-Prometheus-Remote-Write-Histograms-Written",
        HeaderValue::from(0u64),
    );
    h.insert(
        "X-Prometheus-Remote-Write-Exemplars-Written",
        HeaderValue::from(n_exemplars),
    );
    resp
}
