//! Every file and directory name the engine writes, in one place.

/// Lock file that keeps a second process out of the data directory.
pub(crate) const LOCK: &str = "lock";
/// Write-ahead log directory.
pub(crate) const WAL_DIR: &str = "wal";
/// Spill files for full head chunks; rebuilt from the WAL on every open.
pub(crate) const HEAD_CHUNKS_DIR: &str = "chunks_head";
/// Directory of exemplar files, one per block-duration window.
pub(crate) const EXEMPLARS_DIR: &str = "exemplars";
/// Metric metadata record file.
pub(crate) const METADATA: &str = "metadata";
/// Directory of persisted blocks.
pub(crate) const BLOCKS_DIR: &str = "blocks";
/// Suffix of a block directory still being written.
pub(crate) const TMP_SUFFIX: &str = ".tmp";
/// Suffix of a block directory being deleted.
pub(crate) const DELETING_SUFFIX: &str = ".deleting";
/// Block metadata file.
pub(crate) const BLOCK_META: &str = "meta";
/// Block index file.
pub(crate) const BLOCK_INDEX: &str = "index";
/// Block column file.
pub(crate) const BLOCK_CHUNKS: &str = "chunks";
