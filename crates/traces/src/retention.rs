//! Retention planning: a pure function from segment metadata to the segments to delete, so
//! every rule is tested without a disk. Whole segments are dropped: first those whose newest
//! span ended longer than the retention time before the newest data, then the oldest while
//! the total size is over the limit.

/// What planning needs to know of a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlanSegment {
    pub(crate) name: String,
    pub(crate) min_start: u64,
    pub(crate) max_end: u64,
    pub(crate) size: u64,
}

/// Segments to delete. `newest` is the latest span end anywhere (head included);
/// `other_bytes` is what the WAL takes, counted against the size limit.
pub(crate) fn plan_retention(
    segments: &[PlanSegment],
    newest: u64,
    retention_ns: Option<u64>,
    size_limit: Option<u64>,
    other_bytes: u64,
) -> Vec<String> {
    let mut sorted: Vec<&PlanSegment> = segments.iter().collect();
    sorted
        .sort_by(|a, b| (a.max_end, a.min_start, &a.name).cmp(&(b.max_end, b.min_start, &b.name)));
    let mut doomed = Vec::new();
    let mut keep = Vec::new();
    for s in sorted {
        match retention_ns {
            Some(r) if newest.saturating_sub(s.max_end) >= r => doomed.push(s.name.clone()),
            _ => keep.push(s),
        }
    }
    if let Some(limit) = size_limit {
        let mut total: u64 = other_bytes + keep.iter().map(|s| s.size).sum::<u64>();
        for s in keep {
            if total <= limit {
                break;
            }
            total -= s.size;
            doomed.push(s.name.clone());
        }
    }
    doomed
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3_600_000_000_000;

    fn seg(name: &str, lo: u64, hi: u64, size: u64) -> PlanSegment {
        PlanSegment {
            name: name.into(),
            min_start: lo * H,
            max_end: hi * H,
            size,
        }
    }

    #[test]
    fn age_drops_segments_that_ended_before_the_horizon() {
        let s = [seg("a", 0, 1, 10), seg("b", 1, 2, 10), seg("c", 2, 3, 10)];
        assert_eq!(
            plan_retention(&s, 4 * H, Some(2 * H + 1), None, 0),
            vec!["a"]
        );
        assert_eq!(
            plan_retention(&s, 4 * H, Some(2 * H), None, 0),
            vec!["a", "b"]
        );
        assert_eq!(
            plan_retention(&s, 4 * H, Some(H / 2), None, 0),
            vec!["a", "b", "c"]
        );
        assert!(plan_retention(&s, 4 * H, None, None, 0).is_empty());
    }

    #[test]
    fn size_drops_oldest_first_counting_the_wal() {
        let s = [seg("c", 2, 3, 10), seg("a", 0, 1, 10), seg("b", 1, 2, 10)];
        assert_eq!(plan_retention(&s, 3 * H, None, Some(25), 0), vec!["a"]);
        assert_eq!(
            plan_retention(&s, 3 * H, None, Some(25), 10),
            vec!["a", "b"]
        );
        assert_eq!(
            plan_retention(&s, 3 * H, None, Some(5), 0),
            vec!["a", "b", "c"]
        );
        assert!(plan_retention(&s, 3 * H, None, Some(30), 0).is_empty());
    }

    #[test]
    fn age_and_size_combine() {
        let s = [seg("a", 0, 1, 10), seg("b", 1, 2, 10), seg("c", 2, 3, 10)];
        assert_eq!(
            plan_retention(&s, 3 * H, Some(2 * H), Some(10), 0),
            vec!["a", "b"]
        );
    }
}
