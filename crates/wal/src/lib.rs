//! A segmented, append-only write-ahead log that owns durability and nothing else: bytes in,
//! bytes out. It knows nothing about samples or spans; the metrics and trace engines each keep
//! one in their own directory and encode their own records.
//!
//! # Model
//! - **Segments.** Records go to numbered segment files (`00000000`, `00000001`, ...), each
//!   starting with a 16-byte header. A segment is sealed (fsynced) and the next one started when
//!   it reaches [`Options::segment_size`] or on [`Wal::cut_segment`]. A batch is written with a
//!   single `write(2)` and never split across segments.
//! - **Frames.** Each record is framed with its length and a CRC32C over length and payload, so
//!   a torn write, flipped bits or a zero-filled region is always detected.
//! - **Durability.** [`SyncPolicy::EveryBatch`] fsyncs before [`Wal::append`] returns, with
//!   group commit: concurrent appenders share one fsync. [`SyncPolicy::Interval`] fsyncs from a
//!   background thread.
//! - **Checkpoints.** The engine reads sealed segments ([`Wal::read_segments`]), keeps what
//!   still matters and writes it with [`Wal::checkpoint`]; the covered segments are deleted.
//! - **Recovery.** [`Wal::open`] replays the checkpoint and the segments after it, stops at the
//!   first damage, cuts the log back to that intact prefix and reports it in [`ReplayStats`].
//!   Corruption never fails `open`.
//!
//! The byte layout and the durability contract are in `docs/format/wal.md`. Unix only (uses
//! positional writes and `flock`).
//!
//! ```
//! use otelstore_wal as wal;
//!
//! let dir = tempfile::tempdir().expect("tempdir");
//! let (wal, stats) = wal::Wal::open(dir.path(), wal::Options::default(), |_| {})?;
//! assert_eq!(stats.records, 0);
//! wal.append(&[b"first", b"second"])?;
//! wal.close()?;
//!
//! let mut replayed = Vec::new();
//! let (wal, _) = wal::Wal::open(dir.path(), wal::Options::default(), |r| replayed.push(r.to_vec()))?;
//! assert_eq!(replayed, [b"first".to_vec(), b"second".to_vec()]);
//! # wal.close()?;
//! # Ok::<(), wal::Error>(())
//! ```

mod checkpoint;
mod dir;
mod error;
mod filenames;
mod frame;
mod options;
mod reader;
mod replay;
mod segment;
mod sync;
mod wal;
mod writer;

pub use error::{Corruption, Error, Result};
pub use frame::MAX_RECORD_LEN;
pub use options::{Options, SyncPolicy};
pub use replay::ReplayStats;
pub use sync::{SYNC_BUCKETS, SyncStats};
pub use wal::Wal;
