//! Execution: running a plan as a stream of rows.
//!
//! Each plan node becomes an iterator over rows (`Vec<Value>`), pulling from
//! its inputs, so a scan never holds a whole table in memory. Only the
//! operators that must see all their input first (sort, aggregation, the
//! inner side of a join) collect it.

mod aggregate;
mod diff;
mod regression;
mod spread;
mod window;

pub use aggregate::{ORDERED_SET_AGGREGATES, arity as aggregate_arity, is_aggregate};
pub use window::WINDOW_FUNCTIONS;

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::rc::Rc;
use std::time::{Duration, Instant};

use arbor_merkle::{Address, NodeStore, ProllyMap};
use arbor_schema::Value;
use arbor_schema::key::{KeyColumn, decode_key_prefix, encode_key_into};

use super::eval::{EvalContext, SubqueryRunner, eval, truth};
use super::planner::access::{exact_value, key_columns, prefix_range};
use super::planner::expr::{Expr, Subquery};
use super::planner::plan::{
    Access, History, JoinKind, KeyRange, Plan, SetOpKind, SortKey, TableSource, covers, full_range,
};
use crate::error::{Error, Result, SqlState};
use crate::table::{ColumnMask, index_columns};

/// A row of values.
pub type Row = Vec<Value>;

/// A stream of rows.
pub type Rows<'a> = Box<dyn Iterator<Item = Result<Row>> + 'a>;

/// What execution needs besides the plan.
#[derive(Debug)]
pub struct Executor<'a> {
    /// Where table data is read from.
    nodes: &'a NodeStore,
    /// Values of `$n` parameters.
    params: &'a [Value],
    /// Rows of the enclosing queries when running a subquery, innermost last.
    outer: Vec<Row>,
    /// Results of uncorrelated subqueries, by the subquery's address: they
    /// are the same for every row, so they run once.
    cache: RefCell<HashMap<usize, Rc<Vec<Row>>>>,
    /// The rows of the current round of each running recursive CTE, by id;
    /// shared with the executors of subqueries.
    work_tables: Rc<RefCell<HashMap<usize, Rc<Vec<Row>>>>>,
    /// The statement's sequences, for `nextval`.
    sequences: Option<&'a crate::table::sequences::Sequences>,
    /// The session's settings, for `current_setting`.
    settings: Option<&'a RefCell<crate::sql::settings::Settings>>,
    /// Where `now()` reads the time.
    times: crate::sql::functions::Times,
    /// Each node's rows and time, by node, under `EXPLAIN ANALYZE`.
    profile: Option<Rc<RefCell<HashMap<usize, NodeStats>>>>,
    /// Set from another thread to stop the statement (a client's cancel
    /// request); read at every row a scan produces.
    interrupt: Option<&'a Interrupt>,
}

/// A statement's stop flag: another thread (a server's cancel request, a
/// shell's Ctrl-C) sets it, and the running statement fails with 57014 at
/// the next row it reads.
#[derive(Clone, Debug, Default)]
pub struct Interrupt(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Interrupt {
    /// Stops the statement running now, if any.
    pub fn interrupt(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Clears a stop that came after the last statement ended.
    pub(crate) fn clear(&self) {
        self.0.store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// Fails with 57014 once the statement has been interrupted.
    pub(crate) fn check(&self) -> Result<()> {
        if self.0.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::new(
                SqlState::QueryCanceled,
                "canceling statement due to user request",
            ));
        }
        Ok(())
    }
}

/// What one plan node did under `EXPLAIN ANALYZE`.
#[derive(Clone, Copy, Debug, Default)]
struct NodeStats {
    rows: u64,
    loops: u64,
    time: Duration,
}

/// A node's identity while its plan is borrowed: its address.
fn node_id(plan: &Plan) -> usize {
    std::ptr::from_ref(plan) as usize
}

impl<'a> Executor<'a> {
    /// An executor reading tables from `nodes`, with parameter values `params`.
    pub fn new(nodes: &'a NodeStore, params: &'a [Value]) -> Executor<'a> {
        Executor {
            nodes,
            params,
            outer: Vec::new(),
            cache: RefCell::new(HashMap::new()),
            work_tables: Rc::default(),
            sequences: None,
            settings: None,
            times: crate::sql::functions::Times::default(),
            profile: None,
            interrupt: None,
        }
    }

    /// Stops at the next row read once `interrupt` is set.
    pub fn with_interrupt(mut self, interrupt: &'a Interrupt) -> Executor<'a> {
        self.interrupt = Some(interrupt);
        self
    }

    /// `rows`, failing at the next row once the interrupt is set.
    fn interruptible(&self, rows: Rows<'a>) -> Rows<'a> {
        let Some(interrupt) = self.interrupt else {
            return rows;
        };
        Box::new(rows.map(move |row| {
            interrupt.check()?;
            row
        }))
    }

    /// The times `now()` and its siblings read.
    pub fn with_times(mut self, times: crate::sql::functions::Times) -> Executor<'a> {
        self.times = times;
        self
    }

    /// Lets expressions move `sequences` (`nextval`).
    pub fn with_sequences(
        mut self,
        sequences: &'a crate::table::sequences::Sequences,
    ) -> Executor<'a> {
        self.sequences = Some(sequences);
        self
    }

    /// Lets expressions read the session's `settings` (`current_setting`).
    pub fn with_settings(
        mut self,
        settings: &'a RefCell<crate::sql::settings::Settings>,
    ) -> Executor<'a> {
        self.settings = Some(settings);
        self
    }

    /// The evaluation context of this executor (parameters, subqueries).
    pub fn context(&'a self) -> EvalContext<'a> {
        self.ctx()
    }

    fn ctx(&'a self) -> EvalContext<'a> {
        EvalContext {
            outer: self.outer.iter().map(Vec::as_slice).collect(),
            params: self.params,
            runner: Some(self),
            sequences: self.sequences,
            times: self.times,
            settings: self.settings,
            interrupt: self.interrupt,
        }
    }

    /// Counts each node's rows and time from now on (`EXPLAIN ANALYZE`).
    pub fn profiled(mut self) -> Executor<'a> {
        self.profile = Some(Rc::default());
        self
    }

    /// What node `plan` did while profiled: `(actual rows=N loops=L
    /// time=T ms)`, its time including its inputs', or `(never executed)`.
    pub fn profile_of(&self, plan: &Plan) -> String {
        let stats = self
            .profile
            .as_ref()
            .and_then(|p| p.borrow().get(&node_id(plan)).copied());
        match stats {
            None => "(never executed)".to_owned(),
            Some(s) => format!(
                "(actual rows={} loops={} time={:.3} ms)",
                s.rows,
                s.loops,
                s.time.as_secs_f64() * 1e3
            ),
        }
    }

    /// Adds one run of `plan` that gave `rows` rows in `time` to its
    /// profile, for a node run other than through [`Executor::execute`].
    fn record(&self, plan: &Plan, rows: u64, time: Duration) {
        if let Some(profile) = &self.profile {
            let mut stats = profile.borrow_mut();
            let s = stats.entry(node_id(plan)).or_default();
            s.loops += 1;
            s.rows += rows;
            s.time += time;
        }
    }

    /// Runs `plan`, returning its rows as a stream.
    #[recursive::recursive]
    pub fn execute(&'a self, plan: &'a Plan) -> Result<Rows<'a>> {
        let Some(profile) = &self.profile else {
            return self.node_rows(plan);
        };
        let start = Instant::now();
        let rows = self.node_rows(plan)?;
        let id = node_id(plan);
        {
            let mut stats = profile.borrow_mut();
            let s = stats.entry(id).or_default();
            s.loops += 1;
            s.time += start.elapsed();
        }
        let profile = profile.clone();
        let mut rows = rows;
        Ok(Box::new(std::iter::from_fn(move || {
            let start = Instant::now();
            let next = rows.next();
            let mut stats = profile.borrow_mut();
            let s = stats.entry(id).or_default();
            s.time += start.elapsed();
            if matches!(next, Some(Ok(_))) {
                s.rows += 1;
            }
            next
        })))
    }

    /// The rows of one node. Scans check the interrupt at each row they
    /// read; a join makes many rows of few (its right side collected), so
    /// it checks at each row it makes as well.
    fn node_rows(&'a self, plan: &'a Plan) -> Result<Rows<'a>> {
        let rows = self.execute_node(plan)?;
        Ok(match plan {
            Plan::NestedLoopJoin { .. } | Plan::HashJoin { .. } | Plan::IndexJoin { .. } => {
                self.interruptible(rows)
            }
            _ => rows,
        })
    }

    /// Runs one node of a plan (its inputs through [`Executor::execute`]).
    fn execute_node(&'a self, plan: &'a Plan) -> Result<Rows<'a>> {
        Ok(match plan {
            Plan::Values { rows, .. } => {
                let ctx = self.ctx();
                let out: Vec<Result<Row>> = rows
                    .iter()
                    .map(|r| r.iter().map(|e| eval(e, &[], &ctx)).collect())
                    .collect();
                Box::new(out.into_iter())
            }
            Plan::Scan {
                table,
                access,
                filter,
                with_key,
                columns,
            } => {
                let reader = TableReader::new(
                    self.nodes,
                    table,
                    access.index.as_deref(),
                    *with_key,
                    columns.as_deref(),
                )?;
                let rows = Rc::new(reader).rows(access.ranges.clone(), access.reverse);
                let rows = self.interruptible(rows);
                match filter {
                    None => rows,
                    Some(f) => {
                        let ctx = self.ctx();
                        Box::new(rows.filter_map(move |row| match row {
                            Ok(row) => match eval(f, &row, &ctx).and_then(|v| truth(&v)) {
                                Ok(Some(true)) => Some(Ok(row)),
                                Ok(_) => None,
                                Err(e) => Some(Err(e)),
                            },
                            Err(e) => Some(Err(e)),
                        }))
                    }
                }
            }
            Plan::History { history, access } => self.interruptible(self.history(history, access)?),
            Plan::Diff { diffs, access } => self.interruptible(self.diff(diffs, access)),
            Plan::Blame { blame, access } => self.interruptible(self.blame(blame, access)?),
            Plan::Filter { source, predicate } => {
                let input = self.execute(source)?;
                let ctx = self.ctx();
                Box::new(input.filter_map(move |row| match row {
                    Ok(row) => match eval(predicate, &row, &ctx).and_then(|v| truth(&v)) {
                        Ok(Some(true)) => Some(Ok(row)),
                        Ok(_) => None,
                        Err(e) => Some(Err(e)),
                    },
                    Err(e) => Some(Err(e)),
                }))
            }
            Plan::Project { source, exprs } => {
                let input = self.execute(source)?;
                // Columns each taken once move out of the row instead of
                // being copied (a text value is an allocation).
                let moved: Option<Vec<usize>> = exprs
                    .iter()
                    .map(|e| match e {
                        Expr::Column(i) => Some(*i),
                        _ => None,
                    })
                    .collect();
                if let Some(columns) = moved.filter(|c| {
                    let mut seen = HashSet::new();
                    c.iter().all(|i| seen.insert(*i))
                }) {
                    return Ok(Box::new(input.map(move |row| {
                        let mut row = row?;
                        columns
                            .iter()
                            .map(|i| {
                                row.get_mut(*i)
                                    .map(|v| std::mem::replace(v, Value::Null))
                                    .ok_or_else(|| {
                                        Error::internal("a projection past the end of its row")
                                    })
                            })
                            .collect()
                    })));
                }
                let ctx = self.ctx();
                Box::new(input.map(move |row| {
                    let row = row?;
                    exprs.iter().map(|e| eval(e, &row, &ctx)).collect()
                }))
            }
            Plan::NestedLoopJoin {
                left,
                right,
                kind,
                on,
            } => self.nested_loop(left, right, *kind, on.as_ref())?,
            Plan::HashJoin {
                left,
                right,
                kind: JoinKind::Inner,
                left_keys,
                right_keys,
                on,
            } => {
                // Build on the right, probe with the left; NULL keys never match.
                let ctx = self.ctx();
                let mut table: HashMap<Row, Vec<Row>> = HashMap::new();
                for r in self.execute(right)? {
                    let r = r?;
                    let key: Row = right_keys
                        .iter()
                        .map(|k| eval(k, &r, &ctx))
                        .collect::<Result<_>>()?;
                    if !key.iter().any(Value::is_null) {
                        table.entry(key).or_default().push(r);
                    }
                }
                let probe = self.execute(left)?;
                let ctx = self.ctx();
                Box::new(
                    probe.flat_map(move |l| -> Box<dyn Iterator<Item = Result<Row>>> {
                        let l = match l {
                            Ok(l) => l,
                            Err(e) => return Box::new(std::iter::once(Err(e))),
                        };
                        let key: Result<Row> =
                            left_keys.iter().map(|k| eval(k, &l, &ctx)).collect();
                        let key = match key {
                            Ok(k) => k,
                            Err(e) => return Box::new(std::iter::once(Err(e))),
                        };
                        let Some(matches) = table.get(&key) else {
                            return Box::new(std::iter::empty());
                        };
                        let mut out = Vec::new();
                        for r in matches {
                            let mut joined = l.clone();
                            joined.extend_from_slice(r);
                            match on
                                .as_ref()
                                .map(|p| eval(p, &joined, &ctx).and_then(|v| truth(&v)))
                            {
                                None | Some(Ok(Some(true))) => out.push(Ok(joined)),
                                Some(Ok(_)) => {}
                                Some(Err(e)) => out.push(Err(e)),
                            }
                        }
                        Box::new(out.into_iter())
                    }),
                )
            }
            Plan::HashJoin { .. } => return Err(Error::unsupported("outer hash joins")),
            Plan::IndexJoin {
                left,
                right,
                kind: JoinKind::Inner,
                left_keys,
                on,
            } => self.index_join(left, right, left_keys, on.as_ref())?,
            Plan::IndexJoin { .. } => return Err(Error::unsupported("outer index joins")),
            Plan::Aggregate {
                source,
                group_by,
                aggregates,
            } => {
                if let Some((table, access)) = plan.counted_in_tree() {
                    let root = match &access.index {
                        None => table.rows,
                        Some(index) => index_root(table, index)?,
                    };
                    let mut count = 0u64;
                    for range in &access.ranges {
                        count += count_in_range(self.nodes, root, range)?;
                    }
                    let value = Value::BigInt(i64::try_from(count).unwrap_or(i64::MAX));
                    let row = vec![value; aggregates.len()];
                    return Ok(Box::new(std::iter::once(Ok(row))));
                }
                // Under EXPLAIN ANALYZE the scan runs here, to be counted.
                if self.profile.is_none()
                    && let Some(rows) = aggregate::parallel(
                        self.nodes,
                        self.params,
                        self.times,
                        source,
                        group_by,
                        aggregates,
                    )?
                {
                    return Ok(Box::new(rows.into_iter().map(Ok)));
                }
                let input = self.execute(source)?;
                Box::new(
                    aggregate::aggregate(input, group_by, aggregates, &self.ctx())?
                        .into_iter()
                        .map(Ok),
                )
            }
            Plan::Sort { source, keys } => self.sort(source, keys, None)?,
            Plan::Limit {
                source,
                limit,
                offset,
            } => {
                let ctx = self.ctx();
                let count = |e: &Option<Expr>, what: &str| -> Result<Option<usize>> {
                    match e.as_ref().map(|e| eval(e, &[], &ctx)).transpose()? {
                        None | Some(Value::Null) => Ok(None),
                        Some(v) => match v.as_i64() {
                            Some(n) if n >= 0 => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
                            Some(_) => Err(Error::new(
                                SqlState::InvalidRowCountInLimitClause,
                                format!("{what} must not be negative"),
                            )),
                            None => Err(Error::new(
                                SqlState::DatatypeMismatch,
                                format!("argument of {what} must be type bigint"),
                            )),
                        },
                    }
                };
                let (limit, offset) = (
                    count(limit, "LIMIT")?,
                    count(offset, "OFFSET")?.unwrap_or(0),
                );
                // Under a limit a sort keeps only the rows that can still
                // be among the first (a top-N sort).
                let input = match (source.as_ref(), limit) {
                    (Plan::Sort { source, keys }, Some(n)) => {
                        self.sort(source, keys, Some(n.saturating_add(offset)))?
                    }
                    _ => self.execute(source)?,
                };
                let input = input.skip(offset);
                match limit {
                    Some(n) => Box::new(input.take(n)),
                    None => Box::new(input),
                }
            }
            Plan::Distinct { source, on: None } => {
                let mut seen: HashSet<Row> = HashSet::new();
                let input = self.execute(source)?;
                Box::new(input.filter(move |row| match row {
                    Ok(r) => seen.insert(r.clone()),
                    Err(_) => true,
                }))
            }
            Plan::Distinct {
                source,
                on: Some(on),
            } => {
                // The input arrives sorted; the first row of each key wins.
                let mut seen: HashSet<Row> = HashSet::new();
                let input = self.execute(source)?;
                let ctx = self.ctx();
                Box::new(input.filter_map(move |row| {
                    let keep = row.as_ref().map(|r| -> Result<bool> {
                        let key: Row =
                            on.iter().map(|e| eval(e, r, &ctx)).collect::<Result<_>>()?;
                        Ok(seen.insert(key))
                    });
                    match keep {
                        Ok(Ok(true)) | Err(_) => Some(row),
                        Ok(Ok(false)) => None,
                        Ok(Err(e)) => Some(Err(e)),
                    }
                }))
            }
            Plan::Unnest {
                source,
                columns,
                ordinality,
            } => {
                let input = self.execute(source)?;
                Box::new(input.flat_map(move |row| match row {
                    Ok(row) => unnest_row(row, columns, *ordinality),
                    Err(e) => vec![Err(e)],
                }))
            }
            Plan::Window { source, calls } => {
                let rows: Vec<Row> = self.execute(source)?.collect::<Result<_>>()?;
                Box::new(
                    window::window(rows, calls, &self.ctx())?
                        .into_iter()
                        .map(Ok),
                )
            }
            Plan::RecursiveCte {
                id,
                anchor,
                recursive,
                all,
            } => Box::new(RecursiveRounds {
                executor: self,
                id: *id,
                recursive,
                all: *all,
                seen: HashSet::new(),
                current: self.execute(anchor)?,
                round: Vec::new(),
                done: false,
            }),
            Plan::WorkTable { id, .. } => {
                let rows = self.work_tables.borrow().get(id).cloned().ok_or_else(|| {
                    Error::internal("a recursive CTE's work table read outside its CTE")
                })?;
                self.interruptible(Box::new((0..rows.len()).map(move |i| Ok(rows[i].clone()))))
            }
            Plan::SetOp {
                kind,
                all,
                left,
                right,
            } => {
                let left_rows = self.execute(left)?;
                let right_rows = self.execute(right)?;
                Box::new(
                    set_operation(*kind, *all, left_rows, right_rows)?
                        .into_iter()
                        .map(Ok),
                )
            }
        })
    }

    /// The rows of `source` sorted by `keys` (stably: rows with equal keys
    /// keep their order); with `keep`, only the first `keep` of them,
    /// holding at most twice that many at a time.
    fn sort(
        &'a self,
        source: &'a Plan,
        keys: &'a [SortKey],
        keep: Option<usize>,
    ) -> Result<Rows<'a>> {
        let ctx = self.ctx();
        let mut keyed: Vec<(Vec<Value>, Row)> = Vec::new();
        let by_keys = |a: &(Vec<Value>, Row), b: &(Vec<Value>, Row)| compare_keys(&a.0, &b.0, keys);
        for row in self.execute(source)? {
            let row = row?;
            let key = keys
                .iter()
                .map(|k| eval(&k.expr, &row, &ctx))
                .collect::<Result<Vec<_>>>()?;
            keyed.push((key, row));
            // Sorting the kept rows with the new ones after them and
            // cutting back gives the first rows of a stable sort so far.
            if let Some(k) = keep
                && keyed.len() >= k.saturating_mul(2).max(1024)
            {
                keyed.sort_by(by_keys);
                keyed.truncate(k);
            }
        }
        keyed.sort_by(by_keys);
        if let Some(k) = keep {
            keyed.truncate(k);
        }
        Ok(Box::new(keyed.into_iter().map(|(_, r)| Ok(r))))
    }

    /// The rows of `history`: each version's rows in `access`'s ranges (the
    /// whole version when its key differs from HEAD's), in HEAD's columns
    /// and then the commit's. Versions are read one after the other, so a
    /// whole history streams in the memory of one version's scan.
    fn history(&'a self, history: &'a History, access: &'a Access) -> Result<Rows<'a>> {
        let columns = &history.schema.columns;
        Ok(Box::new(history.versions.iter().flat_map(
            move |version| -> Rows<'a> {
                let ranges = if history.same_key(&version.source) {
                    access.ranges.clone()
                } else {
                    vec![full_range()]
                };
                let positions = ColumnsByTag::new(columns, Some(&version.source.schema));
                match TableReader::new(self.nodes, &version.source, None, false, None) {
                    Ok(reader) => Box::new(Rc::new(reader).rows(ranges, false).map(move |row| {
                        let mut out = positions.pick(row?);
                        out.extend(version.commit.iter().cloned());
                        Ok(out)
                    })),
                    Err(e) => Box::new(std::iter::once(Err(e))),
                }
            },
        )))
    }

    /// For each row of `left`, the rows of the `right` scan (perhaps
    /// under a filter) whose index entries start with the row's
    /// `left_keys`, joined to it where `on` holds.
    fn index_join(
        &'a self,
        left: &'a Plan,
        right: &'a Plan,
        left_keys: &'a [Expr],
        on: Option<&'a Expr>,
    ) -> Result<Rows<'a>> {
        let Some((
            scan @ Plan::Scan {
                table,
                access,
                filter,
                with_key,
                columns,
            },
            predicate,
        )) = right.filtered_scan()
        else {
            return Err(Error::internal(
                "an index join over something else than a scan",
            ));
        };
        let index = access.index.as_deref();
        let key_columns = key_columns(table, index)
            .ok_or_else(|| Error::internal("an index join through an unknown index"))?;
        // Prepared once; each left row reads its own range through it.
        let reader = Rc::new(TableReader::new(
            self.nodes,
            table,
            index,
            *with_key,
            columns.as_deref(),
        )?);
        let ctx = self.ctx();
        let conditions: Vec<&Expr> = [filter.as_ref(), predicate].into_iter().flatten().collect();
        let probe = self.execute(left)?;
        Ok(Box::new(probe.flat_map(move |l| -> Rows<'a> {
            let matches = || -> Result<Vec<Row>> {
                let l = l?;
                // The row's keys in the index's types; a NULL or a value
                // the column cannot hold matches nothing.
                let mut prefix = Vec::new();
                for (e, (position, key)) in left_keys.iter().zip(&key_columns) {
                    let v = eval(e, &l, &ctx)?;
                    let data_type = &table.schema.columns[*position].data_type;
                    let Some(v) = exact_value(v, data_type) else {
                        return Ok(Vec::new());
                    };
                    encode_key_into(&mut prefix, std::iter::once(&v), std::slice::from_ref(key))
                        .map_err(crate::table::value_error)?;
                }
                let start = Instant::now();
                let rows = reader.clone().rows(vec![prefix_range(&prefix)], false);
                let mut out = Vec::new();
                let mut scanned = 0;
                'rows: for r in rows {
                    let r = r?;
                    scanned += 1;
                    for c in &conditions {
                        if truth(&eval(c, &r, &ctx)?)? != Some(true) {
                            continue 'rows;
                        }
                    }
                    let joined: Row = l.iter().cloned().chain(r).collect();
                    if let Some(on) = on
                        && truth(&eval(on, &joined, &ctx)?)? != Some(true)
                    {
                        continue;
                    }
                    out.push(joined);
                }
                // The right side runs once per left row, outside `execute`.
                let time = start.elapsed();
                self.record(right, out.len() as u64, time);
                if !std::ptr::eq(right, scan) {
                    self.record(scan, scanned, time);
                }
                Ok(out)
            };
            match matches() {
                Ok(rows) => Box::new(rows.into_iter().map(Ok)),
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        })))
    }

    fn nested_loop(
        &'a self,
        left: &'a Plan,
        right: &'a Plan,
        kind: JoinKind,
        on: Option<&'a Expr>,
    ) -> Result<Rows<'a>> {
        let right_rows: Rc<Vec<Row>> = Rc::new(self.execute(right)?.collect::<Result<_>>()?);
        let (left_width, right_width) = (left.width(), right.width());
        let ctx = Rc::new(self.ctx());
        let matches = {
            let ctx = ctx.clone();
            move |l: &Row, r: &Row| -> Result<Option<Row>> {
                let mut joined = Vec::with_capacity(l.len() + r.len());
                joined.extend_from_slice(l);
                joined.extend_from_slice(r);
                let keep = match on {
                    Some(p) => truth(&eval(p, &joined, &ctx)?)? == Some(true),
                    None => true,
                };
                Ok(keep.then_some(joined))
            }
        };
        if matches!(kind, JoinKind::Inner | JoinKind::Left) {
            // Streams: one left row at a time against the collected right side.
            let left_rows = self.execute(left)?;
            let rights = right_rows.clone();
            return Ok(Box::new(left_rows.flat_map(
                move |l| -> Box<dyn Iterator<Item = Result<Row>>> {
                    let l = match l {
                        Ok(l) => l,
                        Err(e) => return Box::new(std::iter::once(Err(e))),
                    };
                    let mut out = Vec::new();
                    for r in rights.iter() {
                        match matches(&l, r) {
                            Ok(Some(row)) => out.push(Ok(row)),
                            Ok(None) => {}
                            Err(e) => return Box::new(std::iter::once(Err(e))),
                        }
                    }
                    if out.is_empty() && kind == JoinKind::Left {
                        let mut joined = l;
                        joined.extend(std::iter::repeat_n(Value::Null, right_width));
                        out.push(Ok(joined));
                    }
                    Box::new(out.into_iter())
                },
            )));
        }
        // Right and full joins must know, at the end, which right rows never matched.
        let mut right_matched = vec![false; right_rows.len()];
        let mut out = Vec::new();
        for l in self.execute(left)? {
            let l = l?;
            let mut matched = false;
            for (i, r) in right_rows.iter().enumerate() {
                if let Some(row) = matches(&l, r)? {
                    matched = true;
                    right_matched[i] = true;
                    out.push(row);
                }
            }
            if !matched && kind == JoinKind::Full {
                let mut joined = l;
                joined.extend(std::iter::repeat_n(Value::Null, right_width));
                out.push(joined);
            }
        }
        for (r, matched) in right_rows.iter().zip(right_matched) {
            if !matched {
                let mut joined = vec![Value::Null; left_width];
                joined.extend(r.iter().cloned());
                out.push(joined);
            }
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

impl SubqueryRunner for Executor<'_> {
    fn rows(&self, subquery: &Subquery, row: &[Value]) -> Result<Rc<Vec<Row>>> {
        let key = subquery as *const Subquery as usize;
        if !subquery.correlated
            && let Some(rows) = self.cache.borrow().get(&key)
        {
            return Ok(rows.clone());
        }
        let mut outer = self.outer.clone();
        outer.push(row.to_vec());
        let child = Executor {
            nodes: self.nodes,
            params: self.params,
            outer,
            cache: RefCell::new(HashMap::new()),
            work_tables: self.work_tables.clone(),
            sequences: self.sequences,
            settings: self.settings,
            times: self.times,
            // EXPLAIN shows a subquery inside its expression, not as nodes.
            profile: None,
            interrupt: self.interrupt,
        };
        let rows: Vec<Row> = child.execute(&subquery.plan)?.collect::<Result<_>>()?;
        let rows = Rc::new(rows);
        if !subquery.correlated {
            self.cache.borrow_mut().insert(key, rows.clone());
        }
        Ok(rows)
    }
}

/// The rows of a recursive CTE, produced lazily round by round (so that a
/// LIMIT above an endless recursion still ends): the anchor's rows first,
/// then each run of the recursive part over the rows of the round before.
struct RecursiveRounds<'a> {
    executor: &'a Executor<'a>,
    id: usize,
    recursive: &'a Plan,
    all: bool,
    /// Every row produced so far, for UNION without ALL.
    seen: HashSet<Row>,
    /// The rows of the round being produced.
    current: Rows<'a>,
    /// The rows this round has produced so far: the next round's input.
    round: Vec<Row>,
    done: bool,
}

impl Iterator for RecursiveRounds<'_> {
    type Item = Result<Row>;

    fn next(&mut self) -> Option<Result<Row>> {
        while !self.done {
            match self.current.next() {
                Some(Ok(row)) => {
                    if self.all || self.seen.insert(row.clone()) {
                        self.round.push(row.clone());
                        return Some(Ok(row));
                    }
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                None if self.round.is_empty() => self.done = true,
                None => {
                    let input = Rc::new(std::mem::take(&mut self.round));
                    self.executor
                        .work_tables
                        .borrow_mut()
                        .insert(self.id, input);
                    // The next round is collected before it is handed out, so
                    // the work table can change under no running scan.
                    let next: Result<Vec<Row>> = self
                        .executor
                        .execute(self.recursive)
                        .and_then(|rows| rows.collect());
                    match next {
                        Ok(rows) => self.current = Box::new(rows.into_iter().map(Ok)),
                        Err(e) => {
                            self.done = true;
                            return Some(Err(e));
                        }
                    }
                }
            }
        }
        None
    }
}

/// The number of entries of the prolly map at `root` within `range`: two
/// descents, one per bound (a node knows how many entries lie below it).
pub fn count_in_range(nodes: &NodeStore, root: Address, range: &KeyRange) -> Result<u64> {
    let map = ProllyMap::load(nodes, root)?;
    let position = |bound: &Bound<Vec<u8>>, at_end: bool| -> Result<u64> {
        Ok(match bound {
            Bound::Unbounded if at_end => map.len()?,
            Bound::Unbounded => 0,
            Bound::Included(k) if at_end => map.rank(k)? + u64::from(map.contains_key(k)?),
            Bound::Excluded(k) if !at_end => map.rank(k)? + u64::from(map.contains_key(k)?),
            Bound::Included(k) | Bound::Excluded(k) => map.rank(k)?,
        })
    };
    let (start, end) = (position(&range.0, false)?, position(&range.1, true)?);
    Ok(end.saturating_sub(start))
}

/// A stream of key-value entries of a prolly map.
type Entries = Box<dyn Iterator<Item = Result<(Vec<u8>, Vec<u8>)>>>;

/// The entries of `map` in `ranges` (sorted and disjoint), read in turn:
/// in key order, or from the last key to the first with `reverse`.
fn range_entries(
    map: ProllyMap,
    mut ranges: Vec<KeyRange>,
    reverse: bool,
) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> {
    if reverse {
        ranges.reverse();
    }
    ranges.into_iter().flat_map(move |(start, end)| -> Entries {
        let (start, end) = (as_ref_bound(&start), as_ref_bound(&end));
        let range = if reverse {
            map.range_rev(start, end)
        } else {
            map.range(start, end)
        };
        match range {
            Ok(entries) => Box::new(entries.map(|e| e.map_err(Error::from))),
            Err(e) => Box::new(std::iter::once(Err(e.into()))),
        }
    })
}

fn as_ref_bound(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// UNION, INTERSECT and EXCEPT with PostgreSQL's bag semantics for ALL.
fn set_operation(kind: SetOpKind, all: bool, left: Rows<'_>, right: Rows<'_>) -> Result<Vec<Row>> {
    let mut out = Vec::new();
    match kind {
        SetOpKind::Union => {
            let mut seen = HashSet::new();
            for row in left.chain(right) {
                let row = row?;
                if all || seen.insert(row.clone()) {
                    out.push(row);
                }
            }
        }
        SetOpKind::Intersect | SetOpKind::Except => {
            let mut counts: HashMap<Row, usize> = HashMap::new();
            for row in right {
                *counts.entry(row?).or_default() += 1;
            }
            let mut emitted = HashSet::new();
            for row in left {
                let row = row?;
                let count = counts.get_mut(&row);
                let in_right = count.as_ref().is_some_and(|c| **c > 0);
                let keep = match kind {
                    SetOpKind::Intersect => in_right,
                    _ => !in_right,
                };
                if all {
                    if in_right && let Some(c) = count {
                        *c -= 1;
                    }
                    if keep {
                        out.push(row);
                    }
                } else if keep && emitted.insert(row.clone()) {
                    out.push(row);
                }
            }
        }
    }
    Ok(out)
}

/// Orders two rows of sort-key values by `keys` (direction and NULL placement).
pub fn compare_keys(a: &[Value], b: &[Value], keys: &[SortKey]) -> Ordering {
    for ((x, y), k) in a.iter().zip(b).zip(keys) {
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if k.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if k.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, false) => {
                let o = x.total_cmp(y);
                if k.descending { o.reverse() } else { o }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The table a scan reads, for decoding its rows.
/// The root of secondary index `index` of `table`.
fn index_root(table: &TableSource, index: &str) -> Result<Address> {
    table
        .indexes
        .iter()
        .find(|(name, _)| name == index)
        .map(|(_, root)| *root)
        .ok_or_else(|| Error::internal(format!("index \"{index}\" is not in the plan")))
}

/// Reading a table through one of its indexes, prepared once for a scan
/// (or for all the lookups of an index join): the maps loaded, the columns
/// to decode, and for a secondary index its key layout and whether it holds
/// every decoded column.
struct TableReader<'a> {
    source: &'a TableSource,
    primary: ProllyMap,
    /// The columns to decode (all with `None`).
    mask: Option<ColumnMask>,
    /// Whether each row ends with its encoded primary key.
    with_key: bool,
    /// The secondary index read, if any.
    index: Option<IndexReader<'a>>,
}

/// A secondary index as a [`TableReader`] reads it.
struct IndexReader<'a> {
    def: &'a arbor_schema::table::Index,
    map: ProllyMap,
    /// The schema position of each index column, and its encoding.
    positions: Vec<usize>,
    key_columns: Vec<KeyColumn>,
    /// The index holds every decoded column: no lookup in the primary index.
    covering: bool,
}

impl<'a> TableReader<'a> {
    /// A reader of `source` through index `index` (`None`: the primary
    /// index), decoding the columns `decoded` marks (all with `None`), each
    /// row followed by its encoded primary key with `with_key`.
    fn new(
        nodes: &NodeStore,
        source: &'a TableSource,
        index: Option<&str>,
        with_key: bool,
        decoded: Option<&[bool]>,
    ) -> Result<TableReader<'a>> {
        let index = match index {
            None => None,
            Some(name) => {
                let def = source
                    .schema
                    .indexes
                    .iter()
                    .find(|i| i.name == name)
                    .ok_or_else(|| {
                        Error::internal(format!("index \"{name}\" is not in the schema"))
                    })?;
                let (positions, key_columns) = index_columns(&source.schema, def)?;
                Some(IndexReader {
                    def,
                    map: ProllyMap::load(nodes, index_root(source, name)?)?,
                    positions,
                    key_columns,
                    covering: covers(source, name, decoded),
                })
            }
        };
        Ok(TableReader {
            source,
            primary: ProllyMap::load(nodes, source.rows)?,
            mask: decoded.map(|c| source.table.column_mask(c)),
            with_key,
            index,
        })
    }

    /// The rows in `ranges` of the index read (sorted and disjoint), in
    /// its order or, with `reverse`, from the last to the first.
    fn rows(self: Rc<Self>, ranges: Vec<KeyRange>, reverse: bool) -> Rows<'a> {
        let map = match &self.index {
            None => self.primary.clone(),
            Some(index) => index.map.clone(),
        };
        Box::new(range_entries(map, ranges, reverse).map(move |entry| {
            let (key, value) = entry?;
            self.row(key, &value)
        }))
    }

    /// The row of one entry of the index read.
    fn row(&self, entry_key: Vec<u8>, entry_value: &[u8]) -> Result<Row> {
        let t = &self.source.table;
        let (mut row, key) = match &self.index {
            None => (
                t.decode_columns(&entry_key, entry_value, self.mask.as_ref())?,
                entry_key,
            ),
            Some(index) => {
                // An index key is the row's index values, then its primary key.
                let (values, used) = decode_key_prefix(&entry_key, &index.key_columns)
                    .map_err(crate::table::value_error)?;
                let key = entry_key[used..].to_vec();
                let row = if index.covering {
                    let mut row = vec![Value::Null; self.source.schema.columns.len()];
                    t.decode_key_into(&key, &mut row)?;
                    for (v, p) in values.into_iter().zip(&index.positions) {
                        row[*p] = v;
                    }
                    row
                } else {
                    let value = self.primary.get(&key)?.ok_or_else(|| {
                        Error::new(
                            SqlState::DataCorrupted,
                            format!(
                                "index \"{}\" of table \"{}\" has an entry for a row that does not exist",
                                index.def.name, self.source.name
                            ),
                        )
                    })?;
                    t.decode_columns(&key, &value, self.mask.as_ref())?
                };
                (row, key)
            }
        };
        if self.with_key {
            row.push(Value::Bytea(key));
        }
        Ok(row)
    }
}

/// Where each column of a table's newest version sits in a row of another
/// version of it, matched by tag: a renamed column is still the same
/// column, and one that version lacks (or an absent version) reads as NULL.
struct ColumnsByTag(Vec<Option<usize>>);

impl ColumnsByTag {
    fn new(
        columns: &[arbor_schema::table::Column],
        version: Option<&arbor_schema::TableSchema>,
    ) -> ColumnsByTag {
        ColumnsByTag(
            columns
                .iter()
                .map(|c| version.and_then(|v| v.tag_index(c.tag)))
                .collect(),
        )
    }

    /// `row` (of that version) in the newest version's columns; positions
    /// are distinct, so each value moves rather than copies.
    fn pick(&self, mut row: Row) -> Row {
        self.0
            .iter()
            .map(|p| p.map_or(Value::Null, |p| std::mem::replace(&mut row[p], Value::Null)))
            .collect()
    }
}

/// The rows one input row of an `Unnest` node gives: one per element of
/// its longest array among `columns` (NULL counts as empty), each with
/// those columns replaced by the elements at that position.
fn unnest_row(row: Row, columns: &[usize], ordinality: bool) -> Vec<Result<Row>> {
    let length = |v: &Value| match v {
        Value::Array(items) => items.len(),
        _ => 0,
    };
    let count = columns
        .iter()
        .filter_map(|c| row.get(*c))
        .map(length)
        .max()
        .unwrap_or(0);
    (0..count)
        .map(|i| {
            let mut out = row.clone();
            for c in columns {
                if let Some(slot) = out.get_mut(*c) {
                    *slot = match &row[*c] {
                        Value::Array(items) => items.get(i).cloned().unwrap_or(Value::Null),
                        _ => Value::Null,
                    };
                }
            }
            if ordinality {
                out.push(Value::BigInt(i as i64 + 1));
            }
            Ok(out)
        })
        .collect()
}
