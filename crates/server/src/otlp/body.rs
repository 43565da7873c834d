//! OTLP/HTTP request bodies: the media type (protobuf or JSON), the compression (none, gzip,
//! deflate, zstd), decompression under a size cap, and decoding into a [`Request`].

use std::borrow::Cow;
use std::io::Read;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

use super::{OtlpError, Request};

/// The two OTLP/HTTP body formats; the answer uses the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Binary protobuf (`application/x-protobuf`).
    Protobuf,
    /// OTLP/JSON (`application/json`).
    Json,
}

impl Format {
    /// From a Content-Type header, parameters (`; charset=utf-8`) ignored.
    pub fn from_content_type(value: &str) -> Result<Format, OtlpError> {
        let media = value.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("application/x-protobuf")
            || media.eq_ignore_ascii_case("application/protobuf")
        {
            Ok(Format::Protobuf)
        } else if media.eq_ignore_ascii_case("application/json") {
            Ok(Format::Json)
        } else {
            Err(OtlpError::UnsupportedContentType {
                content_type: value.to_string(),
            })
        }
    }

    /// The Content-Type of an answer in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Protobuf => "application/x-protobuf",
            Format::Json => "application/json",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Protobuf => "protobuf",
            Format::Json => "JSON",
        }
    }
}

/// Body compressions we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// None.
    Identity,
    /// gzip.
    Gzip,
    /// zlib-wrapped deflate (what the Python exporter sends); raw deflate is accepted too.
    Deflate,
    /// zstd.
    Zstd,
}

impl Encoding {
    /// From a Content-Encoding header (absent or empty means identity).
    pub fn from_header(value: &str) -> Result<Encoding, OtlpError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "identity" => Ok(Encoding::Identity),
            "gzip" | "x-gzip" => Ok(Encoding::Gzip),
            "deflate" => Ok(Encoding::Deflate),
            "zstd" => Ok(Encoding::Zstd),
            _ => Err(OtlpError::UnsupportedEncoding {
                encoding: value.to_string(),
            }),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
            Encoding::Zstd => "zstd",
        }
    }
}

/// Decompresses `body`, refusing more than `limit` bytes of output (a small compressed body
/// can expand enormously).
pub fn decompress(
    body: &[u8],
    encoding: Encoding,
    limit: usize,
) -> Result<Cow<'_, [u8]>, OtlpError> {
    if encoding == Encoding::Identity {
        if body.len() > limit {
            return Err(OtlpError::TooLarge { limit });
        }
        // Uncompressed bodies (what SDKs send by default) are decoded where they lie.
        return Ok(Cow::Borrowed(body));
    }
    let read = |r: &mut dyn Read| -> Result<Vec<u8>, std::io::Error> {
        let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
        r.take(limit as u64 + 1).read_to_end(&mut out)?;
        Ok(out)
    };
    let result = match encoding {
        Encoding::Identity => Ok(body.to_vec()), // handled above
        Encoding::Gzip => read(&mut flate2::read::MultiGzDecoder::new(body)),
        Encoding::Deflate => read(&mut flate2::read::ZlibDecoder::new(body))
            .or_else(|_| read(&mut flate2::read::DeflateDecoder::new(body))),
        Encoding::Zstd => zstd::stream::read::Decoder::new(body).and_then(|mut d| read(&mut d)),
    };
    let out = result.map_err(|e| OtlpError::Decompress {
        encoding: encoding.name(),
        detail: e.to_string(),
    })?;
    if out.len() > limit {
        return Err(OtlpError::TooLarge { limit });
    }
    Ok(Cow::Owned(out))
}

/// The signals of OTLP/HTTP paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// `/v1/metrics`.
    Metrics,
    /// `/v1/traces`.
    Traces,
    /// `/v1/logs`.
    Logs,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Metrics => "metrics",
            Signal::Traces => "traces",
            Signal::Logs => "logs",
        }
    }
}

/// Decodes an uncompressed body of `signal` in `format`.
pub fn decode(raw: &[u8], signal: Signal, format: Format) -> Result<Request, OtlpError> {
    let fail = |detail: String| OtlpError::Decode {
        format: format.name(),
        signal: signal.name(),
        detail,
    };
    match format {
        Format::Protobuf => {
            let r = match signal {
                Signal::Metrics => ExportMetricsServiceRequest::decode(raw).map(Request::Metrics),
                Signal::Traces => ExportTraceServiceRequest::decode(raw).map(Request::Traces),
                Signal::Logs => ExportLogsServiceRequest::decode(raw).map(Request::Logs),
            };
            r.map_err(|e| fail(e.to_string()))
        }
        Format::Json => {
            let r = match signal {
                Signal::Metrics => serde_json::from_slice(raw).map(Request::Metrics),
                Signal::Traces => serde_json::from_slice(raw).map(Request::Traces),
                Signal::Logs => serde_json::from_slice(raw).map(Request::Logs),
            };
            r.map_err(|e| fail(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn content_types_ignore_parameters_and_case() {
        assert_eq!(
            Format::from_content_type("application/json; charset=utf-8").ok(),
            Some(Format::Json)
        );
        assert_eq!(
            Format::from_content_type("Application/X-Protobuf").ok(),
            Some(Format::Protobuf)
        );
        assert!(matches!(
            Format::from_content_type("text/plain"),
            Err(OtlpError::UnsupportedContentType { .. })
        ));
    }

    #[test]
    fn every_encoding_round_trips_and_respects_the_limit() {
        let data = vec![7u8; 10_000];
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).expect("gzip");
        let gz = gz.finish().expect("gzip");
        let mut zl = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zl.write_all(&data).expect("zlib");
        let zl = zl.finish().expect("zlib");
        let zs = zstd::encode_all(data.as_slice(), 1).expect("zstd");
        for (body, enc) in [
            (&data, Encoding::Identity),
            (&gz, Encoding::Gzip),
            (&zl, Encoding::Deflate),
            (&zs, Encoding::Zstd),
        ] {
            assert_eq!(decompress(body, enc, 10_000).expect("fits"), data);
            assert!(matches!(
                decompress(body, enc, 9_999),
                Err(OtlpError::TooLarge { limit: 9_999 })
            ));
        }
        assert!(matches!(
            decompress(b"not gzip", Encoding::Gzip, 100),
            Err(OtlpError::Decompress { .. })
        ));
        assert!(matches!(
            Encoding::from_header("br"),
            Err(OtlpError::UnsupportedEncoding { .. })
        ));
    }

    #[test]
    fn json_and_protobuf_decode_and_garbage_fails() {
        let json = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","name":"x","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":2}]}]}]}"#;
        let Ok(Request::Traces(r)) = decode(json, Signal::Traces, Format::Json) else {
            panic!("JSON traces should decode");
        };
        assert_eq!(
            r.resource_spans[0].scope_spans[0].spans[0].trace_id.len(),
            16
        );
        let bytes = r.encode_to_vec();
        assert!(matches!(
            decode(&bytes, Signal::Traces, Format::Protobuf),
            Ok(Request::Traces(_))
        ));
        let err = decode(b"\xff\xff\xff", Signal::Metrics, Format::Protobuf)
            .expect_err("garbage protobuf");
        assert!(err.to_string().contains("protobuf metrics"), "{err}");
        assert!(decode(b"{", Signal::Logs, Format::Json).is_err());
    }
}
