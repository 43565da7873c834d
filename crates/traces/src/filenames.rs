//! Every file and directory name the store writes, in one place.

/// Lock file that keeps a second process out of the data directory.
pub(crate) const LOCK: &str = "lock";
/// Write-ahead log directory.
pub(crate) const WAL_DIR: &str = "wal";
/// Directory of segment files.
pub(crate) const SEGMENTS_DIR: &str = "segments";
/// Extension of a segment file.
pub(crate) const SEGMENT_EXT: &str = "seg";
/// Suffix of a segment file still being written; removed at open.
pub(crate) const TMP_SUFFIX: &str = ".tmp";

/// File name of segment `seq` whose traces start in the window beginning at `window_ms`:
/// `<window start ms, 13 digits>-<sequence, 8 hex>.seg`, so names sort by window then age.
pub(crate) fn segment(window_ms: u64, seq: u64) -> String {
    format!("{window_ms:013}-{seq:08x}.{SEGMENT_EXT}")
}

/// The sequence number of a segment file name, if it is one.
pub(crate) fn parse_segment(name: &str) -> Option<(u64, u64)> {
    let stem = name.strip_suffix(SEGMENT_EXT)?.strip_suffix('.')?;
    let (window, seq) = stem.split_once('-')?;
    Some((window.parse().ok()?, u64::from_str_radix(seq, 16).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_round_trip_and_sort() {
        let a = segment(1_700_000_000_000, 7);
        assert_eq!(a, "1700000000000-00000007.seg");
        assert_eq!(parse_segment(&a), Some((1_700_000_000_000, 7)));
        assert!(segment(5, 2) < segment(6, 1));
        assert_eq!(parse_segment("x.seg.tmp"), None);
    }
}
