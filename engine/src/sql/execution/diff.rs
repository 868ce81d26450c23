//! Reading a table's changes between pairs of its versions
//! (`arbor_diff_<table>`, `arbor_commit_diff_<table>`), and the commit
//! that last changed each row (`arbor_blame_<table>`, see
//! [`crate::vc::blame`]).
//!
//! Each pair is read in turn, so the changes of a whole history stream in
//! the memory of one pair's diff. Over the whole key space a pair is the
//! prolly diff of its two trees, which skips every subtree they share: the
//! work follows the size of the change. Under primary-key ranges (a filter
//! on `to_id` or `from_id`) each side reads only those ranges and the two
//! are merged key by key, so one key's changes across N commits cost N
//! seeks per side, not N diffs.

use std::iter::Peekable;

use arbor_merkle::ProllyMap;
use arbor_schema::Value;

use super::{ColumnsByTag, Entries, Executor, Row, Rows, range_entries};
use crate::error::Result;
use crate::sql::planner::plan::{
    Access, Blame, DiffPair, Diffs, KeyRange, TableSource, full_range,
};

/// One key's change: its stored value before and after (`None`: absent).
type Change = (Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>);

/// A stream of changes in key order.
type Changes = Box<dyn Iterator<Item = Result<Change>>>;

impl<'a> Executor<'a> {
    /// The rows of `diffs`: for each pair of versions, each changed row in
    /// key order, as `to_` columns, `to_commit`, `to_commit_date`, `from_`
    /// columns, `from_commit`, `from_commit_date`, `diff_type`.
    pub(super) fn diff(&'a self, diffs: &'a Diffs, access: &'a Access) -> Rows<'a> {
        Box::new(diffs.pairs.iter().flat_map(move |pair| -> Rows<'a> {
            match self.pair_changes(diffs, pair, access) {
                Ok(rows) => rows,
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        }))
    }

    /// The rows of one pair's changes within `access`'s ranges.
    fn pair_changes(
        &'a self,
        diffs: &'a Diffs,
        pair: &'a DiffPair,
        access: &'a Access,
    ) -> Result<Rows<'a>> {
        let map = |side: &Option<TableSource>| -> Result<Option<ProllyMap>> {
            Ok(side
                .as_ref()
                .map(|s| ProllyMap::load(self.nodes, s.rows))
                .transpose()?)
        };
        let (old, new) = (map(&pair.from)?, map(&pair.to)?);
        // The planner sets ranges only where every side has the newest key.
        let ranges = if access.is_full() {
            None
        } else {
            Some(access.ranges.clone())
        };
        let matched = match (&pair.from, &pair.to) {
            (Some(from), Some(to)) => from.schema.same_primary_key(&to.schema),
            _ => false,
        };
        let changes: Changes = match (old, new) {
            (Some(old), Some(new)) if matched => match ranges {
                None => Box::new(old.diff(&new)?.map(|entry| {
                    let entry = entry?;
                    Ok((entry.key, entry.old, entry.new))
                })),
                Some(ranges) => Box::new(RangeDiff {
                    old: side_entries(Some(old), ranges.clone()),
                    new: side_entries(Some(new), ranges),
                }),
            },
            // Rows that cannot be matched by key: every old one removed,
            // every new one added.
            (old, new) => {
                let ranges = ranges.unwrap_or_else(|| vec![full_range()]);
                let removed = side_entries(old, ranges.clone()).map(|e| {
                    let (key, value) = e?;
                    Ok((key, Some(value), None))
                });
                let added = side_entries(new, ranges).map(|e| {
                    let (key, value) = e?;
                    Ok((key, None, Some(value)))
                });
                Box::new(removed.chain(added))
            }
        };
        let columns = &diffs.schema.columns;
        let (from_positions, to_positions) = (
            ColumnsByTag::new(columns, pair.from.as_ref().map(|s| &*s.schema)),
            ColumnsByTag::new(columns, pair.to.as_ref().map(|s| &*s.schema)),
        );
        let aligned = |side: &Option<TableSource>,
                       positions: &ColumnsByTag,
                       key: &[u8],
                       value: Option<Vec<u8>>|
         -> Result<Option<Row>> {
            let (Some(source), Some(value)) = (side, value) else {
                return Ok(None);
            };
            Ok(Some(positions.pick(source.table.decode(key, &value)?)))
        };
        let width = columns.len();
        Ok(Box::new(changes.filter_map(move |change| {
            let row = (|| -> Result<Option<Row>> {
                let (key, old, new) = change?;
                let old = aligned(&pair.from, &from_positions, &key, old)?;
                let new = aligned(&pair.to, &to_positions, &key, new)?;
                // Stored bytes can differ where the values do not (a row
                // rewritten after a column was dropped): only changes of
                // values count.
                if old == new {
                    return Ok(None);
                }
                let diff_type = match (&old, &new) {
                    (None, _) => "added",
                    (_, None) => "removed",
                    _ => "modified",
                };
                let mut row = Vec::with_capacity(diffs.width());
                row.extend(new.unwrap_or_else(|| vec![Value::Null; width]));
                row.extend(pair.to_commit.iter().cloned());
                row.extend(old.unwrap_or_else(|| vec![Value::Null; width]));
                row.extend(pair.from_commit.iter().cloned());
                row.push(Value::Text(diff_type.to_owned()));
                Ok(Some(row))
            })();
            row.transpose()
        })))
    }
}

/// The entries of one side within `ranges` (none for an absent side).
fn side_entries(map: Option<ProllyMap>, ranges: Vec<KeyRange>) -> Peekable<Entries> {
    let entries: Entries = match map {
        Some(map) => Box::new(range_entries(map, ranges, false)),
        None => Box::new(std::iter::empty()),
    };
    entries.peekable()
}

/// The changes between two sides' entries of the same ranges, merged by
/// key: a key on one side only is added or removed, one on both with
/// different bytes modified.
struct RangeDiff {
    old: Peekable<Entries>,
    new: Peekable<Entries>,
}

impl Iterator for RangeDiff {
    type Item = Result<Change>;

    fn next(&mut self) -> Option<Result<Change>> {
        use std::cmp::Ordering;
        loop {
            // An error on either side is passed on as it comes.
            for side in [&mut self.old, &mut self.new] {
                if matches!(side.peek(), Some(Err(_)))
                    && let Some(Err(e)) = side.next()
                {
                    return Some(Err(e));
                }
            }
            let order = match (self.old.peek(), self.new.peek()) {
                (None, None) => return None,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(Ok((a, _))), Some(Ok((b, _)))) => a.cmp(b),
                (Some(Err(_)), _) | (_, Some(Err(_))) => continue,
            };
            // The entries taken were peeked as `Ok`.
            match order {
                Ordering::Less => {
                    if let Some(Ok((key, value))) = self.old.next() {
                        return Some(Ok((key, Some(value), None)));
                    }
                }
                Ordering::Greater => {
                    if let Some(Ok((key, value))) = self.new.next() {
                        return Some(Ok((key, None, Some(value))));
                    }
                }
                Ordering::Equal => {
                    if let (Some(Ok((key, old))), Some(Ok((_, new)))) =
                        (self.old.next(), self.new.next())
                        && old != new
                    {
                        return Some(Ok((key, Some(old), Some(new))));
                    }
                }
            }
        }
    }
}

impl<'a> Executor<'a> {
    /// The rows of `blame`: the commit columns, then the row at HEAD. Over
    /// the whole key space every row is blamed at once along the history;
    /// under primary-key ranges each row in them is looked up commit by
    /// commit, streaming.
    pub(super) fn blame(&'a self, blame: &'a Blame, access: &'a Access) -> Result<Rows<'a>> {
        let versions = &blame.versions;
        let row_of = move |at: usize, values: Vec<Value>| -> Row {
            let mut row = Vec::with_capacity(Blame::COMMIT_COLUMNS + values.len());
            row.extend(blame.commits[at].iter().cloned());
            row.extend(values);
            row
        };
        let table = versions
            .first()
            .and_then(|v| v.table.clone())
            .ok_or_else(|| {
                crate::error::Error::internal("a blame chain without its newest version")
            })?;
        let newest = ProllyMap::load(self.nodes, table.object.rows)?;
        if access.is_full() {
            // Attributed first (keys held), then the rows read again.
            let blamed = crate::vc::blame::blame_all(self.nodes, versions)?;
            return Ok(Box::new(newest.iter()?.zip(blamed).map(
                move |(entry, at)| {
                    let (key, value) = entry?;
                    Ok(row_of(at, table.decode(&key, &value)?))
                },
            )));
        }
        let maps = versions
            .iter()
            .map(|v| {
                v.table
                    .as_ref()
                    .map(|t| ProllyMap::load(self.nodes, t.object.rows))
                    .transpose()
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Box::new(
            range_entries(newest, access.ranges.clone(), false).map(move |entry| {
                let (key, value) = entry?;
                let values = table.decode(&key, &value)?;
                let at = crate::vc::blame::blame_row(versions, &maps, &key, value)?;
                Ok(row_of(at, values))
            }),
        ))
    }
}
