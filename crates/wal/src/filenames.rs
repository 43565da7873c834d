//! Every name the log gives to a file or directory, and the parser that classifies a directory
//! entry. Keeping them in one place makes the on-disk layout greppable (see `docs/format/wal.md`).
//!
//! ```text
//! <dir>/LOCK                         advisory lock held while a Wal is open
//! <dir>/00000000, 00000001, ...      segments, zero-padded decimal index
//! <dir>/checkpoint.00000005/00000000 checkpoint covering segments <= 5
//! <dir>/checkpoint.00000007.tmp/     checkpoint being written; removed at open
//! ```

/// Lock file: exclusively locked for as long as a `Wal` is open on the directory.
pub(crate) const LOCK: &str = "LOCK";
/// Prefix of a checkpoint directory; the segment index it covers follows.
pub(crate) const CHECKPOINT_PREFIX: &str = "checkpoint.";
/// Suffix of a checkpoint directory that is still being written.
pub(crate) const TMP_SUFFIX: &str = ".tmp";
/// The data file inside a checkpoint directory.
pub(crate) const CHECKPOINT_DATA: &str = "00000000";
/// Minimum digits of an index in a name; longer indices simply use more digits.
const INDEX_WIDTH: usize = 8;

/// Name of segment `index`.
pub(crate) fn segment(index: u64) -> String {
    format!("{index:0INDEX_WIDTH$}")
}

/// Name of the checkpoint directory covering segments `..=through`.
pub(crate) fn checkpoint(through: u64) -> String {
    format!("{CHECKPOINT_PREFIX}{through:0INDEX_WIDTH$}")
}

/// Name of the temporary directory checkpoint `through` is written into before its rename.
pub(crate) fn checkpoint_tmp(through: u64) -> String {
    format!("{}{TMP_SUFFIX}", checkpoint(through))
}

/// What a directory entry's name says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A segment file.
    Segment(u64),
    /// A finished checkpoint directory.
    Checkpoint(u64),
    /// An unfinished checkpoint directory.
    CheckpointTmp(u64),
    /// The lock file, or anything the log did not create.
    Other,
}

/// Classifies a directory entry by name.
pub(crate) fn parse(name: &str) -> Entry {
    if let Some(index) = parse_index(name) {
        return Entry::Segment(index);
    }
    let Some(rest) = name.strip_prefix(CHECKPOINT_PREFIX) else {
        return Entry::Other;
    };
    if let Some(index) = parse_index(rest) {
        return Entry::Checkpoint(index);
    }
    match rest.strip_suffix(TMP_SUFFIX).and_then(parse_index) {
        Some(index) => Entry::CheckpointTmp(index),
        None => Entry::Other,
    }
}

/// Parses an index written by [`segment`]; only the canonical spelling is accepted, so no two
/// names map to the same index.
fn parse_index(s: &str) -> Option<u64> {
    if s.len() < INDEX_WIDTH || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let index = s.parse().ok()?;
    (segment(index) == s).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse() {
        for index in [0, 7, 99_999_999, 100_000_000, u64::MAX] {
            assert_eq!(parse(&segment(index)), Entry::Segment(index));
            assert_eq!(parse(&checkpoint(index)), Entry::Checkpoint(index));
            assert_eq!(parse(&checkpoint_tmp(index)), Entry::CheckpointTmp(index));
        }
        assert_eq!(segment(12), "00000012");
        assert_eq!(checkpoint(5), "checkpoint.00000005");
    }

    #[test]
    fn foreign_names_are_other() {
        for name in [
            LOCK,
            "0001",
            "000000012",
            "0000001a",
            "checkpoint.",
            "checkpoint.1",
            "x.tmp",
        ] {
            assert_eq!(parse(name), Entry::Other, "{name}");
        }
    }
}
