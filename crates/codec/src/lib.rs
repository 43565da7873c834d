//! Pure encoders and decoders for otelstore's on-disk and in-memory sample formats.
//!
//! Everything here works on byte slices and performs no I/O. Encoders append to a caller-owned
//! `Vec<u8>`; decoders append to caller-owned vectors and never panic on malformed input (they are
//! fuzzed), returning [`Error`] instead, with allocations bounded by the input or a documented
//! limit.
//!
//! - [`varint`]: Go-compatible LEB128 varints and zig-zag.
//! - [`bits`]: MSB-first bit streams (the Prometheus `bstream` layout).
//! - [`xor`]: Prometheus-compatible XOR (Gorilla) chunks, used by the head.
//! - [`column`]: self-describing timestamp and value columns for persisted blocks. Each column
//!   picks the smallest of several encodings (linear/delta timestamps, integer and decimal values
//!   with patched frame-of-reference bit packing, XOR, raw), optionally zstd-compressed.
//!
//! Byte layouts are documented in `docs/format/column.md` and `docs/format/xor-chunk.md`.

mod bitpack;
pub mod bits;
pub mod column;
mod cursor;
mod error;
pub mod fields;
mod ints;
mod pfor;
pub mod varint;
pub mod xor;

pub use error::{Error, Result};
