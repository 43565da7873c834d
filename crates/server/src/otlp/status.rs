//! The error messages OTLP answers carry: `google.rpc.Status` (the body of an OTLP/HTTP error,
//! and `grpc-status-details-bin` on gRPC) and `google.rpc.RetryInfo` (the delay an overloaded
//! server asks for). They are not in opentelemetry-proto, and three small messages do not
//! justify another dependency.

use std::time::Duration;

use prost::Message;

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub struct Any {
    /// `type.googleapis.com/<message name>`.
    #[prost(string, tag = "1")]
    pub type_url: String,
    /// The encoded message.
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.Status`.
#[derive(Clone, PartialEq, Message)]
pub struct Status {
    /// The gRPC code (may be left 0 on HTTP).
    #[prost(int32, tag = "1")]
    pub code: i32,
    /// A developer-facing message.
    #[prost(string, tag = "2")]
    pub message: String,
    /// Typed details (a `RetryInfo` when the client should wait).
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<Any>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, Message)]
pub struct ProtoDuration {
    /// Whole seconds.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds past the seconds.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, Message)]
pub struct RetryInfo {
    /// How long to wait before retrying.
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

const RETRY_INFO_TYPE: &str = "type.googleapis.com/google.rpc.RetryInfo";

impl RetryInfo {
    /// Retry after `d`.
    pub fn after(d: Duration) -> RetryInfo {
        RetryInfo {
            retry_delay: Some(ProtoDuration {
                seconds: d.as_secs() as i64,
                nanos: d.subsec_nanos() as i32,
            }),
        }
    }
}

impl Status {
    /// A status with a message and, when the client should wait, a `RetryInfo` detail.
    pub fn new(code: i32, message: impl Into<String>, retry: Option<Duration>) -> Status {
        Status {
            code,
            message: message.into(),
            details: retry
                .map(|d| Any {
                    type_url: RETRY_INFO_TYPE.into(),
                    value: RetryInfo::after(d).encode_to_vec(),
                })
                .into_iter()
                .collect(),
        }
    }

    /// The proto3 JSON form, as an OTLP/JSON client expects an error body.
    pub fn to_json(&self) -> String {
        let mut v = serde_json::json!({ "message": self.message });
        if self.code != 0 {
            v["code"] = self.code.into();
        }
        if let Some(d) = self
            .details
            .first()
            .filter(|d| d.type_url == RETRY_INFO_TYPE)
        {
            let delay = RetryInfo::decode(d.value.as_slice())
                .ok()
                .and_then(|r| r.retry_delay)
                .map_or(0, |d| d.seconds);
            v["details"] = serde_json::json!([{
                "@type": RETRY_INFO_TYPE,
                "retryDelay": format!("{delay}s"),
            }]);
        }
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_info_round_trips_through_status() {
        let s = Status::new(14, "busy", Some(Duration::from_secs(2)));
        let back = Status::decode(s.encode_to_vec().as_slice()).expect("decode");
        assert_eq!(back, s);
        let info = RetryInfo::decode(back.details[0].value.as_slice()).expect("retry info");
        assert_eq!(info.retry_delay.map(|d| d.seconds), Some(2));
        let json: serde_json::Value = serde_json::from_str(&s.to_json()).expect("json");
        assert_eq!(json["code"], 14);
        assert_eq!(json["details"][0]["retryDelay"], "2s");
    }

    #[test]
    fn plain_status_has_no_details() {
        let s = Status::new(0, "bad", None);
        assert!(s.details.is_empty());
        assert_eq!(s.to_json(), r#"{"message":"bad"}"#);
    }
}
