//! Compaction and retention planning: pure functions from block metadata to a plan.
//!
//! Planning is kept apart from the code that rewrites files (in [`run`]) so every rule can be
//! tested without a disk. Compaction first merges blocks whose ranges overlap (late data
//! written after a cut), then merges adjacent blocks that fill an aligned window of the next
//! larger range (2h -> 6h -> 18h ...). Retention deletes whole blocks: those that ended longer
//! than the retention time before the newest data, then the oldest while the total size is
//! over the limit.

pub(crate) mod run;

/// What planning needs to know of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlanBlock {
    pub(crate) id: String,
    pub(crate) min_time: i64,
    /// Exclusive.
    pub(crate) max_time: i64,
    pub(crate) size: u64,
}

/// The next set of blocks to merge into one, if any. `blocks` in any order; `ranges` ascending,
/// the first being the head's block duration.
pub(crate) fn plan_compaction(blocks: &[PlanBlock], ranges: &[i64]) -> Option<Vec<String>> {
    let mut sorted: Vec<&PlanBlock> = blocks.iter().collect();
    sorted.sort_by_key(|b| (b.min_time, b.max_time));
    if let Some(group) = overlapping_group(&sorted) {
        return Some(group);
    }
    let newest = sorted.iter().map(|b| b.max_time).max()?;
    for &range in ranges.iter().skip(1) {
        let mut i = 0;
        while i < sorted.len() {
            let start = sorted[i].min_time.div_euclid(range) * range;
            let end = start.saturating_add(range);
            let mut j = i;
            while j < sorted.len() && sorted[j].min_time >= start && sorted[j].max_time <= end {
                j += 1;
            }
            let group = &sorted[i..j];
            let full = group.first().is_some_and(|b| b.min_time == start)
                && group.last().is_some_and(|b| b.max_time == end);
            // A window the newest data has left behind will get no more blocks.
            if group.len() >= 2 && (full || newest > end) {
                return Some(group.iter().map(|b| b.id.clone()).collect());
            }
            i = j.max(i + 1);
        }
    }
    None
}

/// The first run of blocks (sorted by start) whose ranges overlap, if any.
fn overlapping_group(sorted: &[&PlanBlock]) -> Option<Vec<String>> {
    let mut i = 0;
    while i < sorted.len() {
        let mut end = sorted[i].max_time;
        let mut j = i + 1;
        while j < sorted.len() && sorted[j].min_time < end {
            end = end.max(sorted[j].max_time);
            j += 1;
        }
        if j - i >= 2 {
            return Some(sorted[i..j].iter().map(|b| b.id.clone()).collect());
        }
        i = j;
    }
    None
}

/// Blocks to delete. `newest` is the newest sample time anywhere (head included);
/// `other_bytes` is what the WAL and head chunk files take, counted against the size limit.
pub(crate) fn plan_retention(
    blocks: &[PlanBlock],
    newest: i64,
    retention_ms: Option<i64>,
    size_limit: Option<u64>,
    other_bytes: u64,
) -> Vec<String> {
    let mut sorted: Vec<&PlanBlock> = blocks.iter().collect();
    sorted.sort_by_key(|b| (b.min_time, b.max_time));
    let mut doomed = Vec::new();
    let mut keep = Vec::new();
    for b in sorted {
        match retention_ms {
            Some(r) if newest.saturating_sub(b.max_time) >= r => doomed.push(b.id.clone()),
            _ => keep.push(b),
        }
    }
    if let Some(limit) = size_limit {
        let mut total: u64 = other_bytes + keep.iter().map(|b| b.size).sum::<u64>();
        for b in keep {
            if total <= limit {
                break;
            }
            total -= b.size;
            doomed.push(b.id.clone());
        }
    }
    doomed
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn b(id: &str, lo: i64, hi: i64) -> PlanBlock {
        PlanBlock {
            id: id.into(),
            min_time: lo * H,
            max_time: hi * H,
            size: 100,
        }
    }

    fn ranges() -> Vec<i64> {
        vec![2 * H, 6 * H, 18 * H]
    }

    #[test]
    fn nothing_to_do_for_one_block_or_an_unfilled_window() {
        assert_eq!(plan_compaction(&[], &ranges()), None);
        assert_eq!(plan_compaction(&[b("a", 0, 2)], &ranges()), None);
        // 0-6h window holds 0-2 and 2-4 and nothing newer exists: wait for 4-6.
        assert_eq!(
            plan_compaction(&[b("a", 0, 2), b("b", 2, 4)], &ranges()),
            None
        );
    }

    #[test]
    fn a_full_window_is_merged() {
        let blocks = [b("a", 0, 2), b("b", 2, 4), b("c", 4, 6), b("d", 6, 8)];
        assert_eq!(
            plan_compaction(&blocks, &ranges()),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
    }

    #[test]
    fn a_window_left_behind_is_merged_even_if_not_full() {
        let blocks = [b("a", 0, 2), b("b", 2, 4), b("d", 6, 8)];
        assert_eq!(
            plan_compaction(&blocks, &ranges()),
            Some(vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn overlapping_blocks_are_merged_first() {
        let blocks = [b("a", 0, 6), b("b", 6, 8), b("late", 4, 6)];
        assert_eq!(
            plan_compaction(&blocks, &ranges()),
            Some(vec!["a".into(), "late".into()])
        );
    }

    #[test]
    fn larger_ranges_follow() {
        let blocks = [b("a", 0, 6), b("b", 6, 12), b("c", 12, 18), b("d", 18, 20)];
        assert_eq!(
            plan_compaction(&blocks, &ranges()),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
    }

    #[test]
    fn retention_by_age_is_relative_to_the_newest_data() {
        let blocks = [b("old", 0, 2), b("mid", 2, 4), b("new", 4, 6)];
        assert_eq!(
            plan_retention(&blocks, 7 * H, Some(5 * H), None, 0),
            vec!["old"]
        );
        assert!(plan_retention(&blocks, 7 * H, None, None, 0).is_empty());
    }

    #[test]
    fn retention_by_size_deletes_oldest_first_counting_the_wal() {
        let blocks = [b("old", 0, 2), b("mid", 2, 4), b("new", 4, 6)];
        assert_eq!(
            plan_retention(&blocks, 6 * H, None, Some(250), 0),
            vec!["old"]
        );
        assert_eq!(
            plan_retention(&blocks, 6 * H, None, Some(250), 100),
            vec!["old", "mid"]
        );
    }
}
