//! Prometheus-compatible XOR (Gorilla) float chunks.
//!
//! The byte layout is exactly Prometheus' `chunkenc.XORChunk` (see `docs/format/xor-chunk.md`):
//! a big-endian `u16` sample count, the first timestamp as a zig-zag varint and the first value
//! as 64 raw bits, the second timestamp as a uvarint delta, then timestamp delta-of-deltas in
//! 0/14/17/20/64-bit buckets and XOR-coded values. Chunks written here can be read by Prometheus
//! and vice versa.
//!
//! [`XorAppender`] builds a chunk sample by sample (the head of the storage engine keeps one per
//! series); [`decode`] and [`iter`] read one back. Decoders never panic on any input.

mod appender;
mod decoder;
pub(crate) mod values;

pub use appender::XorAppender;
pub use decoder::{XorIter, decode, iter};

#[cfg(test)]
mod tests;
