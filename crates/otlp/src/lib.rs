//! Pure translation between OTLP protobuf messages (the `opentelemetry-proto` prost types)
//! and otelstore's model. No I/O: the server decodes requests and hands the messages here,
//! and the storage engines receive model types.
//!
//! - [`traces`]: `ExportTraceServiceRequest` → [`model::trace::TraceBatch`], validating ids
//!   and counting rejected spans by reason; and the model back to OTLP `TracesData` for the
//!   read APIs that answer in OTLP shapes (Tempo, Jaeger api_v3).

pub mod metrics;
pub mod traces;
