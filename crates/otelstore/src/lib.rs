//! otelstore as a library: one [`Store`] that ingests metrics and answers PromQL, embeddable
//! in-process without any network.
//!
//! ```
//! use model::{Labels, Sample, SeriesSamples};
//! use otelstore::{Options, Store};
//!
//! let dir = tempfile::tempdir().expect("tempdir");
//! let store = Store::open(dir.path(), Options::default()).expect("open");
//! let labels = Labels::from_pairs([("__name__", "requests_total"), ("job", "api")]).expect("labels");
//! let samples = (0..10).map(|i| Sample::new(i * 15_000, i as f64)).collect();
//! store.append(&[SeriesSamples::new(&labels, samples)], &[], &[]).expect("append");
//! let result = store.instant_query("rate(requests_total[1m])", 135_000).expect("query");
//! assert_eq!(result.value.type_name(), "vector");
//! store.close().expect("close");
//! ```
//!
//! The server crate puts HTTP and gRPC in front of the same API.

mod error;
mod store;

pub use error::{Error, Result};
pub use store::{Ingested, Options, SeriesExemplarList, Store};
pub use {otlp, traces};
