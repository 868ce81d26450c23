//! Query plans: trees of relational operators over streams of rows.
//!
//! Every node produces rows of a fixed width; expressions in a node refer to
//! the columns of its input by position (`Expr::Column`). A plan holds the
//! table versions it reads (their addresses), so it runs against the snapshot
//! it was planned on. `EXPLAIN` prints a plan with its `Display`.

use std::fmt;
use std::ops::Bound;
use std::sync::Arc;

use arbor_merkle::Address;
use arbor_schema::sql_text::quote_identifier_if_needed;
use arbor_schema::{TableSchema, Value};

use super::expr::Expr;
use crate::table::Table;

/// A table as a plan reads it: its schema and the roots of its indexes.
#[derive(Clone, Debug)]
pub struct TableSource {
    /// The table's name.
    pub name: String,
    /// Its schema.
    pub schema: Arc<TableSchema>,
    /// Root of the primary index.
    pub rows: Address,
    /// Secondary index roots by name.
    pub indexes: Vec<(String, Address)>,
    /// The table its rows decode through, laid out once when the plan is
    /// made (not for each execution of it).
    pub table: Arc<Table>,
}

impl TableSource {
    /// `table`, known as `name`, as a plan reads it.
    pub fn of(name: String, table: &Table) -> TableSource {
        TableSource {
            name,
            schema: table.schema.clone(),
            rows: table.object.rows,
            indexes: table.object.indexes.clone(),
            table: Arc::new(table.clone()),
        }
    }
}

/// Two sources are the same when they name the same table version (the
/// decoding table follows from that).
impl PartialEq for TableSource {
    fn eq(&self, other: &TableSource) -> bool {
        self.name == other.name
            && self.schema == other.schema
            && self.rows == other.rows
            && self.indexes == other.indexes
    }
}

/// A range of encoded keys.
pub type KeyRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// The whole key space.
pub fn full_range() -> KeyRange {
    (Bound::Unbounded, Bound::Unbounded)
}

/// How a scan reaches its rows: which index it reads, which of its keys,
/// and in which direction.
///
/// Both kinds of index are prolly maps ordered by encoded key (see
/// `arbor_schema::key`), so any set of conditions on a prefix of an
/// index's columns is a set of byte ranges. A secondary index's key is
/// the row's values in the index followed by its primary key; reading it
/// yields rows in the index's order, each looked up in the primary index
/// unless the index holds every column the query reads (an index-only
/// scan).
#[derive(Clone, Debug, PartialEq)]
pub struct Access {
    /// The secondary index read, by name; `None` for the primary index.
    pub index: Option<String>,
    /// The ranges of that index's encoded keys to read: sorted and disjoint,
    /// so reading them in turn yields keys in order.
    pub ranges: Vec<KeyRange>,
    /// Read from the last key to the first.
    pub reverse: bool,
    /// The conditions the ranges stand for, as EXPLAIN shows them
    /// (`id = 3`, `name IN ('a', 'b')`); empty for a whole index.
    pub shown: String,
    /// The number of entries the ranges hold, when the planner counted them.
    pub estimate: Option<u64>,
    /// How many leading columns of the index the ranges fix to one value
    /// (so rows come ordered by the columns after them).
    pub constant_prefix: usize,
    /// Whether something above relies on the order this access yields
    /// rows in (a sort was dropped for it), so that choosing another
    /// access later (for a prepared statement's parameters) must not.
    pub ordered: bool,
}

impl Access {
    /// The whole primary index, in key order.
    pub fn full() -> Access {
        Access {
            index: None,
            ranges: vec![full_range()],
            reverse: false,
            shown: String::new(),
            estimate: None,
            constant_prefix: 0,
            ordered: false,
        }
    }

    /// Whether this reads the whole primary index (no ranges, as for
    /// `id IN (NULL)`, read nothing).
    pub fn is_full(&self) -> bool {
        self.index.is_none()
            && !self.ranges.is_empty()
            && self
                .ranges
                .iter()
                .all(|r| matches!(r, (Bound::Unbounded, Bound::Unbounded)))
    }
}

/// A table along a branch's history, for `arbor_history_<table>`: the
/// table's version at each commit that has it, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    /// The table's name.
    pub table: String,
    /// Its schema at HEAD: the columns every version is read into (by
    /// column tag, so a renamed column is still the same column; one a
    /// version lacks reads as NULL).
    pub schema: Arc<TableSchema>,
    /// Each commit's version of the table.
    pub versions: Vec<TableVersion>,
}

/// A table's row changes between pairs of its versions, for
/// `arbor_diff_<table>` (the working set against HEAD, then each commit of
/// HEAD's history against its first parent) and
/// `arbor_commit_diff_<table>` (two named versions), in the shape of
/// Dolt's `dolt_diff_<table>`: `to_<column>`..., `to_commit`,
/// `to_commit_date`, `from_<column>`..., `from_commit`,
/// `from_commit_date`, `diff_type`.
#[derive(Clone, Debug, PartialEq)]
pub struct Diffs {
    /// The table's name.
    pub table: String,
    /// The columns both sides are read into (the newest version's), by
    /// column tag: a renamed column is still the same column, and one a
    /// version lacks reads as NULL.
    pub schema: Arc<TableSchema>,
    /// The pairs of versions compared, newest first.
    pub pairs: Vec<DiffPair>,
}

/// Two versions of a table compared: `None` where the table is absent.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffPair {
    /// The older version.
    pub from: Option<TableSource>,
    /// The newer version.
    pub to: Option<TableSource>,
    /// `to_commit` and `to_commit_date`.
    pub to_commit: [Value; 2],
    /// `from_commit` and `from_commit_date`.
    pub from_commit: [Value; 2],
}

impl Diffs {
    /// The columns of its rows.
    pub fn column_names(&self) -> Vec<String> {
        let side = |prefix: &str| {
            let mut names: Vec<String> = self
                .schema
                .columns
                .iter()
                .map(|c| format!("{prefix}_{}", c.name))
                .collect();
            names.push(format!("{prefix}_commit"));
            names.push(format!("{prefix}_commit_date"));
            names
        };
        let mut names = side("to");
        names.extend(side("from"));
        names.push("diff_type".to_owned());
        names
    }

    /// The positions of `to_commit` and `from_commit` in a row.
    pub fn commit_positions(&self) -> (usize, usize) {
        let width = self.schema.columns.len();
        (width, 2 * width + 2)
    }

    /// The number of columns of a row.
    pub fn width(&self) -> usize {
        2 * self.schema.columns.len() + 5
    }
}

/// A table's rows with the commit that last changed each, for
/// `arbor_blame_<table>`: `commit_hash`, `committer`, `message`, then the
/// table's columns at HEAD.
#[derive(Clone, Debug)]
pub struct Blame {
    /// The table's name.
    pub table: String,
    /// Its schema at HEAD.
    pub schema: Arc<TableSchema>,
    /// Its versions along HEAD's first-parent history, newest first.
    pub versions: Vec<crate::vc::blame::BlameVersion>,
    /// The commit columns of each version: `commit_hash`, `committer`,
    /// `message`.
    pub commits: Vec<[Value; 3]>,
}

/// Two blames are the same when they read the same table along the same
/// commits.
impl PartialEq for Blame {
    fn eq(&self, other: &Blame) -> bool {
        self.table == other.table && self.schema == other.schema && self.commits == other.commits
    }
}

impl Blame {
    /// The number of commit columns before the table's.
    pub const COMMIT_COLUMNS: usize = 3;

    /// The columns of its rows.
    pub fn column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = ["commit_hash", "committer", "message"]
            .map(str::to_owned)
            .to_vec();
        names.extend(self.schema.columns.iter().map(|c| c.name.clone()));
        names
    }
}

/// The table as one commit has it, and that commit's columns of the
/// history rows.
#[derive(Clone, Debug, PartialEq)]
pub struct TableVersion {
    /// The table at that commit.
    pub source: TableSource,
    /// `commit_hash`, `committer` and `commit_date`.
    pub commit: [Value; 3],
}

impl History {
    /// Whether `version` has HEAD's primary key: the same columns, of the
    /// same types, so HEAD's key ranges hold the same rows in it.
    pub fn same_key(&self, version: &TableSource) -> bool {
        self.schema.same_primary_key(&version.schema)
    }

    /// The columns of its rows: HEAD's columns, then the commit's.
    pub fn column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.schema.columns.iter().map(|c| c.name.clone()).collect();
        names.extend(["commit_hash", "committer", "commit_date"].map(str::to_owned));
        names
    }
}

/// How rows are joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    /// Matching pairs only.
    Inner,
    /// Every left row, NULL-extended when nothing matches.
    Left,
    /// Every right row, NULL-extended when nothing matches.
    Right,
    /// Every row of both sides.
    Full,
}

/// An aggregate function call in an `Aggregate` node.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateCall {
    /// The function (`count`, `sum`, `avg`, `min`, `max`, `jsonb_agg`, ...).
    pub function: String,
    /// Its arguments over the input row (empty for `count(*)`).
    pub args: Vec<Expr>,
    /// `DISTINCT` inside the call.
    pub distinct: bool,
    /// `FILTER (WHERE ...)`.
    pub filter: Option<Expr>,
    /// `ORDER BY` inside the call: the order the values are combined in.
    pub order_by: Vec<SortKey>,
}

/// One ORDER BY key.
#[derive(Clone, Debug, PartialEq)]
pub struct SortKey {
    /// What to sort by.
    pub expr: Expr,
    /// Descending order.
    pub descending: bool,
    /// NULLs first (PostgreSQL's default: last when ascending, first when descending).
    pub nulls_first: bool,
}

/// A window function call in a `Window` node.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowCall {
    /// The function: a ranking or value function (`row_number`, `rank`,
    /// `lag`, `first_value`, ...) or an aggregate computed over the frame.
    pub function: String,
    /// Its arguments over the input row.
    pub args: Vec<Expr>,
    /// `FILTER (WHERE ...)`, for aggregates.
    pub filter: Option<Expr>,
    /// `PARTITION BY` expressions.
    pub partition_by: Vec<Expr>,
    /// `ORDER BY` within each partition.
    pub order_by: Vec<SortKey>,
    /// Which rows of the partition an aggregate or value function sees.
    pub frame: WindowFrame,
}

impl WindowCall {
    /// Applies `f` to each expression over the input row (arguments, filter,
    /// partition and order keys).
    pub fn map_exprs(
        &mut self,
        f: &mut dyn FnMut(Expr) -> crate::Result<Expr>,
    ) -> crate::Result<()> {
        let mut apply = |e: &mut Expr| -> crate::Result<()> {
            let taken = std::mem::replace(e, Expr::Literal(Value::Null));
            *e = f(taken)?;
            Ok(())
        };
        for e in self.args.iter_mut().chain(&mut self.filter) {
            apply(e)?;
        }
        for e in &mut self.partition_by {
            apply(e)?;
        }
        for k in &mut self.order_by {
            apply(&mut k.expr)?;
        }
        Ok(())
    }
}

/// A window frame: `{ROWS | RANGE | GROUPS} BETWEEN start AND end`.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowFrame {
    /// How offsets count.
    pub units: FrameUnits,
    /// The first row of the frame.
    pub start: FrameBound,
    /// The last row of the frame.
    pub end: FrameBound,
}

impl WindowFrame {
    /// SQL's default frame: `RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`
    /// (with no ORDER BY every row is a peer, so that is the whole partition).
    pub fn default_frame() -> WindowFrame {
        WindowFrame {
            units: FrameUnits::Range,
            start: FrameBound::UnboundedPreceding,
            end: FrameBound::CurrentRow,
        }
    }
}

/// The units of a window frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameUnits {
    /// Offsets count rows.
    Rows,
    /// Offsets are in the ORDER BY value; peers are rows with equal values.
    Range,
    /// Offsets count peer groups.
    Groups,
}

/// One end of a window frame.
#[derive(Clone, Debug, PartialEq)]
pub enum FrameBound {
    /// The partition's first row.
    UnboundedPreceding,
    /// `n PRECEDING` (a constant expression).
    Preceding(Expr),
    /// The current row (or, for RANGE and GROUPS, its peers).
    CurrentRow,
    /// `n FOLLOWING` (a constant expression).
    Following(Expr),
    /// The partition's last row.
    UnboundedFollowing,
}

/// UNION, INTERSECT or EXCEPT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOpKind {
    /// `UNION`
    Union,
    /// `INTERSECT`
    Intersect,
    /// `EXCEPT`
    Except,
}

/// A relational operator tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    /// Literal rows (`VALUES`, or the single empty row of a SELECT without FROM).
    Values {
        /// The rows; every row has the same width.
        rows: Vec<Vec<Expr>>,
        /// The width of each row.
        width: usize,
    },
    /// Rows of a table in the order of the index it reads (the primary key
    /// unless `access` names another), optionally filtered.
    Scan {
        /// The table.
        table: TableSource,
        /// The index, key ranges and direction the scan reads.
        access: Access,
        /// A predicate applied to each row as it is read.
        filter: Option<Expr>,
        /// Appends each row's encoded primary key (bytea) as a last column,
        /// so UPDATE and DELETE know which stored row to change.
        with_key: bool,
        /// The columns to decode, by schema position (`None`: all); the
        /// others read as NULL. Set by the optimizer's column pruning.
        columns: Option<Vec<bool>>,
    },
    /// The rows of a table at every commit of a history (see [`History`]),
    /// each commit's read through `access`: primary-key ranges in HEAD's
    /// key, applied to each version whose key has the same columns.
    History {
        /// The versions.
        history: Arc<History>,
        /// Primary-key ranges (the whole key space for every row).
        access: Access,
    },
    /// The row changes between pairs of a table's versions (see
    /// [`Diffs`]), each pair read through `access`: primary-key ranges in
    /// the newest key, applied to each pair whose sides have that key.
    Diff {
        /// The pairs.
        diffs: Arc<Diffs>,
        /// Primary-key ranges (the whole key space for every change).
        access: Access,
    },
    /// A table's rows at HEAD with the commit that last changed each (see
    /// [`Blame`]): every row blamed at once along the history, or, under
    /// primary-key ranges, each row in them looked up commit by commit.
    Blame {
        /// The table and its history.
        blame: Arc<Blame>,
        /// Primary-key ranges of HEAD's version.
        access: Access,
    },
    /// Rows whose input satisfies a predicate.
    Filter {
        /// The input.
        source: Box<Plan>,
        /// Rows for which this is true pass.
        predicate: Expr,
    },
    /// Computes new columns from each input row.
    Project {
        /// The input.
        source: Box<Plan>,
        /// One expression per output column.
        exprs: Vec<Expr>,
    },
    /// Groups rows and computes aggregates: output is the group keys then the aggregates.
    Aggregate {
        /// The input.
        source: Box<Plan>,
        /// Grouping expressions.
        group_by: Vec<Expr>,
        /// Aggregate calls.
        aggregates: Vec<AggregateCall>,
    },
    /// A join by nested loops: for each left row, every right row is tested.
    NestedLoopJoin {
        /// The outer side.
        left: Box<Plan>,
        /// The inner side (materialized once).
        right: Box<Plan>,
        /// Inner, left, right or full.
        kind: JoinKind,
        /// The join condition over the concatenated row, if any.
        on: Option<Expr>,
    },
    /// An equi-join: the right side is hashed on its keys, the left probes it.
    HashJoin {
        /// The probing side.
        left: Box<Plan>,
        /// The hashed side.
        right: Box<Plan>,
        /// Inner, left, right or full.
        kind: JoinKind,
        /// Key expressions over the left row.
        left_keys: Vec<Expr>,
        /// Key expressions over the right row, pairwise equal to the left ones.
        right_keys: Vec<Expr>,
        /// Any further condition over the concatenated row.
        on: Option<Expr>,
    },
    /// An equi-join that looks each left row up in an index of the right
    /// table: for each left row, the right scan reads only the entries
    /// whose leading index columns equal the row's keys.
    IndexJoin {
        /// The outer side.
        left: Box<Plan>,
        /// The inner side: a scan (perhaps under a filter) whose access
        /// names the index; its ranges are set for each left row.
        right: Box<Plan>,
        /// Inner only, for now.
        kind: JoinKind,
        /// Expressions over the left row, one per leading index column.
        left_keys: Vec<Expr>,
        /// Any further condition over the concatenated row.
        on: Option<Expr>,
    },
    /// Sorts its input.
    Sort {
        /// The input.
        source: Box<Plan>,
        /// Sort keys, most significant first.
        keys: Vec<SortKey>,
    },
    /// Skips `offset` rows and then passes at most `limit`.
    Limit {
        /// The input.
        source: Box<Plan>,
        /// The most rows to pass, if limited.
        limit: Option<Expr>,
        /// How many rows to skip.
        offset: Option<Expr>,
    },
    /// Removes duplicate rows, or keeps the first row of each `on` group.
    Distinct {
        /// The input.
        source: Box<Plan>,
        /// `DISTINCT ON (...)` expressions; `None` for plain DISTINCT.
        on: Option<Vec<Expr>>,
    },
    /// Computes window functions: each output row is the input row followed
    /// by one value per call.
    Window {
        /// The input.
        source: Box<Plan>,
        /// The calls.
        calls: Vec<WindowCall>,
    },
    /// Expands set-returning function calls (`unnest`, `generate_series`,
    /// ...), which the node below computed as arrays: each input row gives
    /// as many rows as its longest array at `columns`, those columns taking
    /// the arrays' elements in step (NULL past a shorter array's end) and
    /// the other columns repeated; with `ordinality`, a last column numbers
    /// them from 1.
    Unnest {
        /// The input.
        source: Box<Plan>,
        /// The columns that hold arrays to expand.
        columns: Vec<usize>,
        /// `WITH ORDINALITY`.
        ordinality: bool,
    },
    /// A recursive common table expression: the anchor's rows, then the
    /// recursive part run again and again over the rows of the previous
    /// round (read through `WorkTable`) until a round yields no new rows.
    RecursiveCte {
        /// Identifies the work table the recursive part reads.
        id: usize,
        /// The non-recursive part.
        anchor: Box<Plan>,
        /// The part that reads the work table.
        recursive: Box<Plan>,
        /// `UNION ALL` keeps duplicates; `UNION` drops rows already produced.
        all: bool,
    },
    /// The rows of the previous round of the enclosing `RecursiveCte`.
    WorkTable {
        /// The `RecursiveCte` it belongs to.
        id: usize,
        /// The width of its rows.
        width: usize,
    },
    /// UNION / INTERSECT / EXCEPT.
    SetOp {
        /// Which operation.
        kind: SetOpKind,
        /// `ALL` keeps duplicates.
        all: bool,
        /// The left input.
        left: Box<Plan>,
        /// The right input.
        right: Box<Plan>,
    },
}

impl Plan {
    /// Applies `f` to each expression this node holds itself (not those of
    /// its inputs), stopping at the first error. Access paths are left
    /// alone: they are chosen after binding, from these expressions.
    pub fn try_for_each_expr(
        &mut self,
        f: &mut dyn FnMut(&mut Expr) -> crate::Result<()>,
    ) -> crate::Result<()> {
        let keys = |keys: &mut Vec<SortKey>, f: &mut dyn FnMut(&mut Expr) -> crate::Result<()>| {
            keys.iter_mut().try_for_each(|k| f(&mut k.expr))
        };
        match self {
            Plan::Values { rows, .. } => rows.iter_mut().flatten().try_for_each(f),
            Plan::Scan { filter, .. } => filter.iter_mut().try_for_each(f),
            Plan::Filter { predicate, .. } => f(predicate),
            Plan::Project { exprs, .. } => exprs.iter_mut().try_for_each(f),
            Plan::Aggregate {
                group_by,
                aggregates,
                ..
            } => {
                group_by.iter_mut().try_for_each(&mut *f)?;
                for call in aggregates {
                    call.args
                        .iter_mut()
                        .chain(&mut call.filter)
                        .try_for_each(&mut *f)?;
                    keys(&mut call.order_by, f)?;
                }
                Ok(())
            }
            Plan::NestedLoopJoin { on, .. } => on.iter_mut().try_for_each(f),
            Plan::HashJoin {
                left_keys,
                right_keys,
                on,
                ..
            } => left_keys
                .iter_mut()
                .chain(right_keys)
                .chain(on)
                .try_for_each(f),
            Plan::IndexJoin { left_keys, on, .. } => left_keys.iter_mut().chain(on).try_for_each(f),
            Plan::Sort { keys: k, .. } => keys(k, f),
            Plan::Limit { limit, offset, .. } => limit.iter_mut().chain(offset).try_for_each(f),
            Plan::Distinct { on, .. } => on.iter_mut().flatten().try_for_each(f),
            Plan::Window { calls, .. } => calls.iter_mut().try_for_each(|call| {
                call.map_exprs(&mut |mut e| {
                    f(&mut e)?;
                    Ok(e)
                })
            }),
            Plan::History { .. }
            | Plan::Diff { .. }
            | Plan::Blame { .. }
            | Plan::Unnest { .. }
            | Plan::RecursiveCte { .. }
            | Plan::WorkTable { .. }
            | Plan::SetOp { .. } => Ok(()),
        }
    }

    /// Rebuilds this node with `f` applied to each of its input plans.
    pub fn map_inputs(self, f: &mut impl FnMut(Plan) -> Plan) -> Plan {
        let mut b = |p: Box<Plan>| Box::new(f(*p));
        match self {
            leaf @ (Plan::Values { .. }
            | Plan::Scan { .. }
            | Plan::History { .. }
            | Plan::Diff { .. }
            | Plan::Blame { .. }
            | Plan::WorkTable { .. }) => leaf,
            Plan::Window { source, calls } => Plan::Window {
                source: b(source),
                calls,
            },
            Plan::Unnest {
                source,
                columns,
                ordinality,
            } => Plan::Unnest {
                source: b(source),
                columns,
                ordinality,
            },
            Plan::RecursiveCte {
                id,
                anchor,
                recursive,
                all,
            } => {
                let anchor = b(anchor);
                Plan::RecursiveCte {
                    id,
                    anchor,
                    recursive: b(recursive),
                    all,
                }
            }
            Plan::Filter { source, predicate } => Plan::Filter {
                source: b(source),
                predicate,
            },
            Plan::Project { source, exprs } => Plan::Project {
                source: b(source),
                exprs,
            },
            Plan::Aggregate {
                source,
                group_by,
                aggregates,
            } => Plan::Aggregate {
                source: b(source),
                group_by,
                aggregates,
            },
            Plan::Sort { source, keys } => Plan::Sort {
                source: b(source),
                keys,
            },
            Plan::Limit {
                source,
                limit,
                offset,
            } => Plan::Limit {
                source: b(source),
                limit,
                offset,
            },
            Plan::Distinct { source, on } => Plan::Distinct {
                source: b(source),
                on,
            },
            Plan::NestedLoopJoin {
                left,
                right,
                kind,
                on,
            } => {
                let left = b(left);
                Plan::NestedLoopJoin {
                    left,
                    right: b(right),
                    kind,
                    on,
                }
            }
            Plan::HashJoin {
                left,
                right,
                kind,
                left_keys,
                right_keys,
                on,
            } => {
                let left = b(left);
                Plan::HashJoin {
                    left,
                    right: b(right),
                    kind,
                    left_keys,
                    right_keys,
                    on,
                }
            }
            Plan::IndexJoin {
                left,
                right,
                kind,
                left_keys,
                on,
            } => {
                let left = b(left);
                Plan::IndexJoin {
                    left,
                    right: b(right),
                    kind,
                    left_keys,
                    on,
                }
            }
            Plan::SetOp {
                kind,
                all,
                left,
                right,
            } => {
                let left = b(left);
                Plan::SetOp {
                    kind,
                    all,
                    left,
                    right: b(right),
                }
            }
        }
    }

    /// Calls `f` on every expression of this plan and its inputs (not inside subqueries).
    pub fn visit_exprs(&self, f: &mut dyn FnMut(&Expr)) {
        let mut sources: Vec<&Plan> = Vec::new();
        match self {
            Plan::Values { rows, .. } => rows.iter().flatten().for_each(&mut *f),
            Plan::Scan { filter, .. } => filter.iter().for_each(&mut *f),
            Plan::History { .. } | Plan::Diff { .. } | Plan::Blame { .. } => {}
            Plan::Filter { source, predicate } => {
                f(predicate);
                sources.push(source);
            }
            Plan::Project { source, exprs } => {
                exprs.iter().for_each(&mut *f);
                sources.push(source);
            }
            Plan::Aggregate {
                source,
                group_by,
                aggregates,
            } => {
                group_by.iter().for_each(&mut *f);
                for a in aggregates {
                    a.args.iter().for_each(&mut *f);
                    a.filter.iter().for_each(&mut *f);
                    a.order_by.iter().for_each(|k| f(&k.expr));
                }
                sources.push(source);
            }
            Plan::NestedLoopJoin {
                left, right, on, ..
            } => {
                on.iter().for_each(&mut *f);
                sources.extend([left.as_ref(), right.as_ref()]);
            }
            Plan::HashJoin {
                left,
                right,
                left_keys,
                right_keys,
                on,
                ..
            } => {
                left_keys
                    .iter()
                    .chain(right_keys)
                    .chain(on)
                    .for_each(&mut *f);
                sources.extend([left.as_ref(), right.as_ref()]);
            }
            Plan::IndexJoin {
                left,
                right,
                left_keys,
                on,
                ..
            } => {
                left_keys.iter().chain(on).for_each(&mut *f);
                sources.extend([left.as_ref(), right.as_ref()]);
            }
            Plan::Sort { source, keys } => {
                keys.iter().for_each(|k| f(&k.expr));
                sources.push(source);
            }
            Plan::Limit {
                source,
                limit,
                offset,
            } => {
                limit.iter().chain(offset).for_each(&mut *f);
                sources.push(source);
            }
            Plan::Distinct { source, on } => {
                on.iter().flatten().for_each(&mut *f);
                sources.push(source);
            }
            Plan::SetOp { left, right, .. } => sources.extend([left.as_ref(), right.as_ref()]),
            Plan::Unnest { source, .. } => sources.push(source),
            Plan::Window { source, calls } => {
                for c in calls {
                    c.args.iter().chain(&c.filter).for_each(&mut *f);
                    c.partition_by.iter().for_each(&mut *f);
                    c.order_by.iter().for_each(|k| f(&k.expr));
                    for bound in [&c.frame.start, &c.frame.end] {
                        if let FrameBound::Preceding(e) | FrameBound::Following(e) = bound {
                            f(e);
                        }
                    }
                }
                sources.push(source);
            }
            Plan::RecursiveCte {
                anchor, recursive, ..
            } => sources.extend([anchor.as_ref(), recursive.as_ref()]),
            Plan::WorkTable { .. } => {}
        }
        for s in sources {
            s.visit_exprs(f);
        }
    }

    /// Whether the plan refers to rows outside itself: an `Expr::Outer` whose
    /// depth reaches past the subqueries it sits in.
    pub fn references_outer(&self) -> bool {
        self.references_outer_at(0)
    }

    fn references_outer_at(&self, nesting: usize) -> bool {
        let mut found = false;
        self.visit_exprs(&mut |e| {
            e.walk(&mut |x| match x {
                Expr::Outer { depth, .. } if *depth > nesting => found = true,
                Expr::Subquery(s) => found |= s.plan.references_outer_at(nesting + 1),
                _ => {}
            })
        });
        found
    }

    /// For an aggregate of only `count(*)` with no groups, right over a
    /// scan that nothing filters: the scan, whose entries are counted in
    /// the tree (each node knows how many entries lie below it) instead of
    /// reading the rows.
    pub fn counted_in_tree(&self) -> Option<(&TableSource, &Access)> {
        let Plan::Aggregate {
            source,
            group_by,
            aggregates,
        } = self
        else {
            return None;
        };
        let only_counts = !aggregates.is_empty()
            && aggregates.iter().all(|a| {
                a.function == "count"
                    && a.args.is_empty()
                    && !a.distinct
                    && a.filter.is_none()
                    && a.order_by.is_empty()
            });
        match source.as_ref() {
            Plan::Scan {
                table,
                access,
                filter: None,
                ..
            } if group_by.is_empty() && only_counts => Some((table, access)),
            _ => None,
        }
    }

    /// For a scan, perhaps right under one filter: the scan, and the
    /// filter's predicate. The shape an aggregate runs on threads and an
    /// index join reads its right side from.
    pub fn filtered_scan(&self) -> Option<(&Plan, Option<&Expr>)> {
        let (scan, predicate) = match self {
            Plan::Filter { source, predicate } => (source.as_ref(), Some(predicate)),
            other => (other, None),
        };
        matches!(scan, Plan::Scan { .. }).then_some((scan, predicate))
    }

    /// The plans this node reads, in the order `EXPLAIN` shows them.
    pub fn children(&self) -> Vec<&Plan> {
        match self {
            Plan::Values { .. }
            | Plan::Scan { .. }
            | Plan::History { .. }
            | Plan::Diff { .. }
            | Plan::Blame { .. }
            | Plan::WorkTable { .. } => Vec::new(),
            Plan::Filter { source, .. }
            | Plan::Project { source, .. }
            | Plan::Aggregate { source, .. }
            | Plan::Sort { source, .. }
            | Plan::Limit { source, .. }
            | Plan::Distinct { source, .. }
            | Plan::Unnest { source, .. }
            | Plan::Window { source, .. } => vec![source],
            Plan::NestedLoopJoin { left, right, .. }
            | Plan::HashJoin { left, right, .. }
            | Plan::IndexJoin { left, right, .. }
            | Plan::SetOp { left, right, .. } => vec![left, right],
            Plan::RecursiveCte {
                anchor, recursive, ..
            } => vec![anchor, recursive],
        }
    }

    /// The plan as `EXPLAIN` shows it, each node's line followed by
    /// `note(node)` (for `EXPLAIN ANALYZE`: what the node did). Every node
    /// is one line, in the order of a walk that visits a node before its
    /// inputs.
    pub fn annotated(&self, note: &dyn Fn(&Plan) -> String) -> String {
        fn walk<'p>(plan: &'p Plan, out: &mut Vec<&'p Plan>) {
            out.push(plan);
            for child in plan.children() {
                walk(child, out);
            }
        }
        let mut nodes = Vec::new();
        walk(self, &mut nodes);
        let text = self.to_string();
        let mut out = String::with_capacity(text.len() * 2);
        for (i, line) in text.lines().enumerate() {
            out.push_str(line);
            if let Some(node) = nodes.get(i) {
                out.push(' ');
                out.push_str(&note(node));
            }
            out.push('\n');
        }
        out
    }

    /// The number of columns each output row has.
    pub fn width(&self) -> usize {
        match self {
            Plan::Values { width, .. } => *width,
            Plan::Scan {
                table, with_key, ..
            } => table.schema.columns.len() + usize::from(*with_key),
            Plan::History { history, .. } => history.schema.columns.len() + 3,
            Plan::Diff { diffs, .. } => diffs.width(),
            Plan::Blame { blame, .. } => Blame::COMMIT_COLUMNS + blame.schema.columns.len(),
            Plan::Filter { source, .. }
            | Plan::Sort { source, .. }
            | Plan::Limit { source, .. }
            | Plan::Distinct { source, .. } => source.width(),
            Plan::Project { exprs, .. } => exprs.len(),
            Plan::Aggregate {
                group_by,
                aggregates,
                ..
            } => group_by.len() + aggregates.len(),
            Plan::NestedLoopJoin { left, right, .. }
            | Plan::HashJoin { left, right, .. }
            | Plan::IndexJoin { left, right, .. } => left.width() + right.width(),
            Plan::SetOp { left, .. } => left.width(),
            Plan::Window { source, calls } => source.width() + calls.len(),
            Plan::Unnest {
                source, ordinality, ..
            } => source.width() + usize::from(*ordinality),
            Plan::RecursiveCte { anchor, .. } => anchor.width(),
            Plan::WorkTable { width, .. } => *width,
        }
    }

    #[recursive::recursive]
    fn fmt_tree(&self, f: &mut fmt::Formatter<'_>, indent: usize) -> fmt::Result {
        let pad = "  ".repeat(indent);
        let arrow = if indent == 0 { "" } else { "-> " };
        let list = |exprs: &[Expr]| {
            exprs
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Plan::Values { rows, .. } => writeln!(f, "{pad}{arrow}Values ({} rows)", rows.len()),
            Plan::Scan {
                table,
                access,
                filter,
                columns,
                ..
            } => {
                let backward = if access.reverse { " backward" } else { "" };
                match &access.index {
                    None => {
                        write!(f, "{pad}{arrow}Scan{backward} on {}", table.name)?;
                        if !access.shown.is_empty() {
                            write!(f, " by primary key ({})", access.shown)?;
                        }
                    }
                    Some(index) => {
                        let kind = if covers(table, index, columns.as_deref()) {
                            "Index-only scan"
                        } else {
                            "Index scan"
                        };
                        write!(
                            f,
                            "{pad}{arrow}{kind}{backward} on {} using {}",
                            table.name,
                            quote_identifier_if_needed(index)
                        )?;
                        if !access.shown.is_empty() {
                            write!(f, " ({})", access.shown)?;
                        }
                    }
                }
                if let Some(n) = access.estimate {
                    write!(f, " (~{n} {})", if n == 1 { "row" } else { "rows" })?;
                }
                if let Some(columns) = columns {
                    write!(f, " ({})", columns_text(&table.schema, columns))?;
                }
                if let Some(p) = filter {
                    write!(f, " filter {p}")?;
                }
                writeln!(f)
            }
            Plan::History { history, access } => {
                write!(
                    f,
                    "{pad}{arrow}History of {} ({} commits)",
                    history.table,
                    history.versions.len()
                )?;
                if !access.shown.is_empty() {
                    write!(f, " by primary key ({}) in each", access.shown)?;
                }
                writeln!(f)
            }
            Plan::Blame { blame, access } => {
                write!(
                    f,
                    "{pad}{arrow}Blame of {} ({} commits)",
                    blame.table,
                    blame.versions.iter().filter(|v| v.table.is_some()).count()
                )?;
                if !access.shown.is_empty() {
                    write!(f, " by primary key ({}), row by row", access.shown)?;
                }
                writeln!(f)
            }
            Plan::Diff { diffs, access } => {
                write!(
                    f,
                    "{pad}{arrow}Diff of {} ({} {})",
                    diffs.table,
                    diffs.pairs.len(),
                    if diffs.pairs.len() == 1 {
                        "pair of versions"
                    } else {
                        "pairs of versions"
                    }
                )?;
                if !access.shown.is_empty() {
                    write!(f, " by primary key ({}) in each", access.shown)?;
                }
                writeln!(f)
            }
            Plan::Filter { source, predicate } => {
                writeln!(f, "{pad}{arrow}Filter {predicate}")?;
                source.fmt_tree(f, indent + 1)
            }
            Plan::Project { source, exprs } => {
                writeln!(f, "{pad}{arrow}Project {}", list(exprs))?;
                source.fmt_tree(f, indent + 1)
            }
            Plan::Aggregate {
                source,
                group_by,
                aggregates,
            } => {
                let aggs: Vec<String> = aggregates
                    .iter()
                    .map(|a| {
                        format!(
                            "{}({}{})",
                            a.function,
                            if a.distinct { "DISTINCT " } else { "" },
                            list(&a.args)
                        )
                    })
                    .collect();
                write!(
                    f,
                    "{pad}{arrow}Aggregate group by [{}] compute [{}]",
                    list(group_by),
                    aggs.join(", ")
                )?;
                if self.counted_in_tree().is_some() {
                    write!(f, " (counted in the tree)")?;
                }
                writeln!(f)?;
                source.fmt_tree(f, indent + 1)
            }
            Plan::NestedLoopJoin {
                left,
                right,
                kind,
                on,
            } => {
                write!(f, "{pad}{arrow}Nested loop {kind:?} join")?;
                if let Some(on) = on {
                    write!(f, " on {on}")?;
                }
                writeln!(f)?;
                left.fmt_tree(f, indent + 1)?;
                right.fmt_tree(f, indent + 1)
            }
            Plan::HashJoin {
                left,
                right,
                kind,
                left_keys,
                right_keys,
                on,
            } => {
                write!(
                    f,
                    "{pad}{arrow}Hash {kind:?} join on [{}] = [{}]",
                    list(left_keys),
                    list(right_keys)
                )?;
                if let Some(on) = on {
                    write!(f, " and {on}")?;
                }
                writeln!(f)?;
                left.fmt_tree(f, indent + 1)?;
                right.fmt_tree(f, indent + 1)
            }
            Plan::IndexJoin {
                left,
                right,
                kind,
                left_keys,
                on,
            } => {
                write!(
                    f,
                    "{pad}{arrow}Index {kind:?} join looking up [{}]",
                    list(left_keys)
                )?;
                if let Some(on) = on {
                    write!(f, " and {on}")?;
                }
                writeln!(f)?;
                left.fmt_tree(f, indent + 1)?;
                right.fmt_tree(f, indent + 1)
            }
            Plan::Sort { source, keys } => {
                let ks: Vec<String> = keys
                    .iter()
                    .map(|k| format!("{}{}", k.expr, if k.descending { " DESC" } else { "" }))
                    .collect();
                writeln!(f, "{pad}{arrow}Sort by {}", ks.join(", "))?;
                source.fmt_tree(f, indent + 1)
            }
            Plan::Limit {
                source,
                limit,
                offset,
            } => {
                write!(f, "{pad}{arrow}Limit")?;
                if let Some(l) = limit {
                    write!(f, " {l}")?;
                }
                if let Some(o) = offset {
                    write!(f, " offset {o}")?;
                }
                writeln!(f)?;
                source.fmt_tree(f, indent + 1)
            }
            Plan::Distinct { source, on } => {
                match on {
                    Some(on) => writeln!(f, "{pad}{arrow}Distinct on {}", list(on))?,
                    None => writeln!(f, "{pad}{arrow}Distinct")?,
                }
                source.fmt_tree(f, indent + 1)
            }
            Plan::Unnest {
                source,
                columns,
                ordinality,
            } => {
                let columns: Vec<String> = columns.iter().map(|c| format!("#{c}")).collect();
                write!(f, "{pad}{arrow}Unnest {}", columns.join(", "))?;
                if *ordinality {
                    f.write_str(" with ordinality")?;
                }
                writeln!(f)?;
                source.fmt_tree(f, indent + 1)
            }
            Plan::Window { source, calls } => {
                let calls: Vec<String> = calls
                    .iter()
                    .map(|c| {
                        let mut over = Vec::new();
                        if !c.partition_by.is_empty() {
                            over.push(format!("partition by {}", list(&c.partition_by)));
                        }
                        if !c.order_by.is_empty() {
                            let keys: Vec<String> =
                                c.order_by.iter().map(|k| k.expr.to_string()).collect();
                            over.push(format!("order by {}", keys.join(", ")));
                        }
                        format!(
                            "{}({}) over ({})",
                            c.function,
                            list(&c.args),
                            over.join(" ")
                        )
                    })
                    .collect();
                writeln!(f, "{pad}{arrow}Window {}", calls.join(", "))?;
                source.fmt_tree(f, indent + 1)
            }
            Plan::RecursiveCte {
                id,
                anchor,
                recursive,
                all,
            } => {
                let union = if *all { "union all" } else { "union" };
                writeln!(f, "{pad}{arrow}Recursive CTE #{id} ({union})")?;
                anchor.fmt_tree(f, indent + 1)?;
                recursive.fmt_tree(f, indent + 1)
            }
            Plan::WorkTable { id, .. } => writeln!(f, "{pad}{arrow}Work table of CTE #{id}"),
            Plan::SetOp {
                kind,
                all,
                left,
                right,
            } => {
                writeln!(f, "{pad}{arrow}{kind:?}{}", if *all { " all" } else { "" })?;
                left.fmt_tree(f, indent + 1)?;
                right.fmt_tree(f, indent + 1)
            }
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_tree(f, 0)
    }
}

/// The columns a pruned scan decodes, by name: `columns: a, c`.
fn columns_text(schema: &TableSchema, decoded: &[bool]) -> String {
    let names: Vec<String> = schema
        .columns
        .iter()
        .zip(decoded)
        .filter(|(_, d)| **d)
        .map(|(c, _)| quote_identifier_if_needed(&c.name))
        .collect();
    if names.is_empty() {
        "no columns".to_owned()
    } else {
        format!("columns: {}", names.join(", "))
    }
}

/// Whether secondary index `index` of `table` holds every column a scan
/// decodes (`decoded`, by schema position; `None`: all of them), so the
/// scan needs no lookup in the primary index. An index entry holds the
/// index's columns and the primary key.
pub fn covers(table: &TableSource, index: &str, decoded: Option<&[bool]>) -> bool {
    let Some(def) = table.schema.indexes.iter().find(|i| i.name == index) else {
        return false;
    };
    let held = |position: usize| {
        let tag = table.schema.columns[position].tag;
        def.columns.iter().any(|(t, _)| *t == tag) || table.schema.primary_key.contains(&tag)
    };
    (0..table.schema.columns.len())
        .all(|p| !decoded.is_none_or(|d| d.get(p).copied().unwrap_or(true)) || held(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arbor_schema::{Column, DataType};

    /// A table keyed by `k` of type `data_type`, with one more column.
    fn schema(data_type: DataType) -> TableSchema {
        let column = |tag: u32, name: &str, data_type: DataType| Column {
            tag,
            name: name.to_owned(),
            data_type,
            nullable: tag != 1,
            default: None,
            missing: None,
            generated_always: false,
        };
        let mut schema = TableSchema::new("t");
        schema.columns = vec![
            column(1, "k", data_type),
            column(2, "Other", DataType::Text),
        ];
        schema.primary_key = vec![1];
        schema.next_tag = 3;
        schema
    }

    #[test]
    fn pruned_scans_name_their_columns() {
        let schema = schema(DataType::Integer);
        assert_eq!(columns_text(&schema, &[false, true]), "columns: \"Other\"");
        assert_eq!(columns_text(&schema, &[true, false]), "columns: k");
        assert_eq!(columns_text(&schema, &[false, false]), "no columns");
    }
}
