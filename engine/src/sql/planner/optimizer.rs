//! Plan rewrites that keep results and cut work.
//!
//! **Predicate pushdown.** A WHERE clause over a FROM list is first bound as
//! a filter over a tree of cross joins. Each of its AND-ed terms is moved to
//! the lowest place where every column it reads is available: into a filter
//! on a single table, or into the condition of the smallest inner join that
//! covers it. A join then discards non-matching pairs as it forms them,
//! instead of forming the whole cross product first. Terms with subqueries
//! stay where they are (their cost and correlation make moving them a
//! separate decision).
//!
//! A term over a projection that passes its columns through (a
//! subquery's select list) goes below it, so rows are filtered before the
//! rest of the list is computed for them.
//!
//! **Join ordering.** A tree of inner joins (with the WHERE terms above it)
//! is flattened into its inputs and terms, then rebuilt greedily: start from
//! the input the trees count smallest once its own filter chose its access
//! (of equals, one with a filter), and keep joining an input linked to
//! those already joined by an equality, so intermediate results stay small.
//! Equalities between the two sides become the keys of a hash join, or of
//! an index join when the right side has an index they lead. A final
//! projection restores the original column order.
//!
//! **Access paths, ordered scans, extremes** (see `access`): a filter over
//! a scan chooses the index and key ranges the scan reads; a sort that an
//! index's order satisfies goes; `min`/`max` alone read an end of an index.

use std::collections::BTreeSet;
use std::sync::Arc;

use arbor_schema::Value;

use super::access::{self, EntryCounter};
use super::expr::{BinaryOp, Expr};
use super::plan::{Access, Blame, Diffs, JoinKind, Plan, SortKey};

/// Applies every rewrite to `plan`; `counter` counts index entries for
/// the estimates that choose access paths.
pub fn optimize(plan: Plan, counter: EntryCounter) -> Plan {
    let plan = push_down(reorder_joins(plan, counter));
    let everything = vec![true; plan.width()];
    let plan = prune_columns(plan, &everything);
    let plan = index_joins(access_paths(plan, &[], counter), counter);
    let plan = extremes(ordered_scans(plan));
    // Again: terms the accesses captured no longer need their columns.
    drop_identity_projections(prune_columns(plan, &everything))
}

/// **Identity projections.** A projection that passes its input through
/// unchanged (`SELECT *`) only copies every value; it goes.
#[recursive::recursive]
fn drop_identity_projections(plan: Plan) -> Plan {
    match plan {
        Plan::Project { source, exprs }
            if exprs.len() == source.width()
                && exprs.iter().enumerate().all(|(i, e)| *e == Expr::Column(i)) =>
        {
            drop_identity_projections(*source)
        }
        other => other.map_inputs(&mut drop_identity_projections),
    }
}

/// `required` fitted to `width` columns (any beyond it are not required).
fn widen(required: &[bool], width: usize) -> Vec<bool> {
    let mut v = required.to_vec();
    v.resize(width, false);
    v
}

/// Marks in `need` the columns `e` reads. An expression with a subquery
/// may read any column of its row (through the subquery's outer
/// references), so it marks them all.
fn mark(e: &Expr, need: &mut [bool]) {
    if e.has_subquery() {
        need.iter_mut().for_each(|n| *n = true);
    } else {
        for c in e.columns() {
            if let Some(n) = need.get_mut(c) {
                *n = true;
            }
        }
    }
}

/// The columns each side of a join must give: those `required` of the
/// joined row, those the condition `on` reads, and each side's keys.
fn join_needs(
    left: &Plan,
    right: &Plan,
    required: &[bool],
    on: Option<&Expr>,
    left_keys: &[Expr],
    right_keys: &[Expr],
) -> (Vec<bool>, Vec<bool>) {
    let lw = left.width();
    let mut need = widen(required, lw + right.width());
    on.iter().for_each(|e| mark(e, &mut need));
    let (l, r) = need.split_at_mut(lw);
    left_keys.iter().for_each(|e| mark(e, l));
    right_keys.iter().for_each(|e| mark(e, r));
    (l.to_vec(), r.to_vec())
}

/// **Column pruning.** Passes down the tree which columns each node's
/// parent reads, so that a scan decodes only those; the others read as
/// NULL, which nothing above looks at. An expression with a subquery may
/// read any column of its row (through the subquery's outer references),
/// so it keeps them all.
#[recursive::recursive]
fn prune_columns(plan: Plan, required: &[bool]) -> Plan {
    let all = |p: &Plan| vec![true; p.width()];
    let keep = |p: &Plan| widen(required, p.width());
    let b = |p: Box<Plan>, need: &[bool]| Box::new(prune_columns(*p, need));
    match plan {
        Plan::Scan {
            table,
            access,
            filter,
            with_key,
            ..
        } => {
            let width = table.schema.columns.len();
            let mut need: Vec<bool> = (0..width)
                .map(|i| required.get(i).copied().unwrap_or(true))
                .collect();
            if let Some(f) = &filter {
                mark(f, &mut need);
            }
            let columns = (!need.iter().all(|n| *n)).then_some(need);
            Plan::Scan {
                table,
                access,
                filter,
                with_key,
                columns,
            }
        }
        Plan::Filter { source, predicate } => {
            let mut need = keep(&source);
            mark(&predicate, &mut need);
            Plan::Filter {
                source: b(source, &need),
                predicate,
            }
        }
        Plan::Project { source, exprs } => {
            let mut need = vec![false; source.width()];
            for (i, e) in exprs.iter().enumerate() {
                if required.get(i).copied().unwrap_or(true) {
                    mark(e, &mut need);
                }
            }
            Plan::Project {
                source: b(source, &need),
                exprs,
            }
        }
        Plan::Aggregate {
            source,
            group_by,
            aggregates,
        } => {
            let mut need = vec![false; source.width()];
            for e in &group_by {
                mark(e, &mut need);
            }
            for a in &aggregates {
                a.args
                    .iter()
                    .chain(&a.filter)
                    .for_each(|e| mark(e, &mut need));
                a.order_by.iter().for_each(|k| mark(&k.expr, &mut need));
            }
            Plan::Aggregate {
                source: b(source, &need),
                group_by,
                aggregates,
            }
        }
        Plan::Unnest {
            source,
            columns,
            ordinality,
        } => {
            // A row's count comes from every expanded column, read or not.
            let mut need = keep(&source);
            for c in &columns {
                if let Some(n) = need.get_mut(*c) {
                    *n = true;
                }
            }
            Plan::Unnest {
                source: b(source, &need),
                columns,
                ordinality,
            }
        }
        Plan::Window { source, calls } => {
            let mut need = keep(&source);
            for c in &calls {
                c.args
                    .iter()
                    .chain(&c.filter)
                    .chain(&c.partition_by)
                    .for_each(|e| mark(e, &mut need));
                c.order_by.iter().for_each(|k| mark(&k.expr, &mut need));
            }
            Plan::Window {
                source: b(source, &need),
                calls,
            }
        }
        Plan::Sort { source, keys } => {
            let mut need = keep(&source);
            keys.iter().for_each(|k| mark(&k.expr, &mut need));
            Plan::Sort {
                source: b(source, &need),
                keys,
            }
        }
        Plan::Limit {
            source,
            limit,
            offset,
        } => {
            let need = keep(&source);
            Plan::Limit {
                source: b(source, &need),
                limit,
                offset,
            }
        }
        Plan::Distinct { source, on } => {
            let need = match &on {
                None => all(&source),
                Some(on) => {
                    let mut need = keep(&source);
                    on.iter().for_each(|e| mark(e, &mut need));
                    need
                }
            };
            Plan::Distinct {
                source: b(source, &need),
                on,
            }
        }
        Plan::NestedLoopJoin {
            left,
            right,
            kind,
            on,
        } => {
            let (l, r) = join_needs(&left, &right, required, on.as_ref(), &[], &[]);
            Plan::NestedLoopJoin {
                left: b(left, &l),
                right: b(right, &r),
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
            let (l, r) = join_needs(
                &left,
                &right,
                required,
                on.as_ref(),
                &left_keys,
                &right_keys,
            );
            Plan::HashJoin {
                left: b(left, &l),
                right: b(right, &r),
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
            // The right side's keys are read from its index, not decoded.
            let (l, r) = join_needs(&left, &right, required, on.as_ref(), &left_keys, &[]);
            Plan::IndexJoin {
                left: b(left, &l),
                right: b(right, &r),
                kind,
                left_keys,
                on,
            }
        }
        // Set operations compare whole rows; recursive CTEs feed rows back.
        other @ (Plan::SetOp { .. } | Plan::RecursiveCte { .. }) => other.map_inputs(&mut |p| {
            let need = vec![true; p.width()];
            prune_columns(p, &need)
        }),
        leaf @ (Plan::Values { .. }
        | Plan::WorkTable { .. }
        | Plan::History { .. }
        | Plan::Diff { .. }
        | Plan::Blame { .. }) => leaf,
    }
}

/// `diffs` with only the pairs of versions whose `to_commit` and
/// `from_commit` the terms' equalities with a constant allow: a filter on
/// the commits reads only those pairs.
fn diff_pairs_named(diffs: &Diffs, terms: &[Expr]) -> Diffs {
    let fixed = |column: usize| -> Option<&Value> {
        terms.iter().find_map(|t| match t {
            Expr::Binary(BinaryOp::Eq, l, r) => match (&**l, &**r) {
                (Expr::Column(c), Expr::Literal(v)) | (Expr::Literal(v), Expr::Column(c))
                    if *c == column =>
                {
                    Some(v)
                }
                _ => None,
            },
            _ => None,
        })
    };
    let (to_position, from_position) = diffs.commit_positions();
    let (to, from) = (fixed(to_position), fixed(from_position));
    let mut narrowed = diffs.clone();
    narrowed.pairs.retain(|pair| {
        to.is_none_or(|v| &pair.to_commit[0] == v) && from.is_none_or(|v| &pair.from_commit[0] == v)
    });
    narrowed
}

/// Primary-key ranges for `diffs` from the terms on the `to_` key columns,
/// or else on the `from_` ones (a change has one key, which both sides
/// share where both exist); `None` when no term bounds the key or some
/// pair's key differs from the newest one.
fn diff_access(diffs: &Diffs, terms: &[Expr], params: &[Value]) -> Option<Access> {
    let keyed_alike = diffs.pairs.iter().all(|p| {
        [&p.from, &p.to]
            .into_iter()
            .flatten()
            .all(|side| diffs.schema.same_primary_key(&side.schema))
    });
    if !keyed_alike {
        return None;
    }
    let width = diffs.schema.columns.len();
    // A side's columns are NULL where the side has no row (a removed row
    // has no `to_` values), so a term that NULL satisfies says nothing of
    // the change's key.
    let null_satisfied = |t: &Expr| {
        let mut found = false;
        t.walk(&mut |e| found |= matches!(e, Expr::IsNull(_, false)));
        found
    };
    let strict: Vec<Expr> = terms
        .iter()
        .filter(|t| !null_satisfied(t))
        .cloned()
        .collect();
    [0, diffs.commit_positions().1 - width]
        .into_iter()
        .find_map(|first| {
            access::primary_access(&diffs.schema, &columns_from(&strict, first, width), params)
        })
        .map(|(access, _)| access)
}

/// The terms that read only columns `first..first + width` (a table's
/// columns within a wider row), rewritten to read them as `0..width`.
fn columns_from(terms: &[Expr], first: usize, width: usize) -> Vec<Expr> {
    terms
        .iter()
        .filter(|t| {
            let columns = t.columns();
            !t.has_subquery()
                && !columns.is_empty()
                && columns.iter().all(|c| (first..first + width).contains(c))
        })
        .map(|t| {
            t.clone().transform(&mut |e| match e {
                Expr::Column(c) => Expr::Column(c - first),
                other => other,
            })
        })
        .collect()
}

/// Chooses the scans' access paths of an optimized plan once its
/// parameters are known: a prepared statement plans once, then narrows
/// for each execution.
pub fn narrow_for_parameters(plan: Plan, params: &[Value], counter: EntryCounter) -> Plan {
    let plan = extremes(ordered_scans(access_paths(plan, params, counter)));
    let everything = vec![true; plan.width()];
    prune_columns(plan, &everything)
}

/// **Access paths.** A filter right over a table scan chooses the index
/// the scan reads and the ranges of its keys (see `access`); the terms the
/// access captures exactly leave the filter.
#[recursive::recursive]
fn access_paths(plan: Plan, params: &[Value], counter: EntryCounter) -> Plan {
    match plan {
        Plan::Filter { source, predicate } => match *source {
            scan @ Plan::Scan { .. } => {
                let (scan, rest) = access::choose(scan, predicate, params, counter);
                wrap(scan, Expr::conjunction(rest))
            }
            Plan::History { history, access } if access.is_full() => {
                let terms = predicate.into_conjuncts();
                let (access, rest) = match access::primary_access(&history.schema, &terms, params) {
                    // A version keyed otherwise is read whole, so then every
                    // term stays to filter its rows.
                    Some((access, exact))
                        if history.versions.iter().all(|v| history.same_key(&v.source)) =>
                    {
                        (access, access::remaining(terms, &exact))
                    }
                    Some((access, _)) => (access, terms),
                    None => (access, terms),
                };
                wrap(Plan::History { history, access }, Expr::conjunction(rest))
            }
            Plan::Blame { blame, access } if access.is_full() => {
                let terms = predicate.into_conjuncts();
                let width = blame.schema.columns.len();
                let key_terms = columns_from(&terms, Blame::COMMIT_COLUMNS, width);
                let access = access::primary_access(&blame.schema, &key_terms, params)
                    .map_or(access, |(access, _)| access);
                // Every term stays to filter the rows (the commit columns
                // are known only once a row is blamed).
                wrap(Plan::Blame { blame, access }, Expr::conjunction(terms))
            }
            Plan::Diff { diffs, access } if access.is_full() => {
                let terms = predicate.into_conjuncts();
                let diffs = Arc::new(diff_pairs_named(&diffs, &terms));
                let access = diff_access(&diffs, &terms, params).unwrap_or(access);
                // A key range holds every change the terms can select, but
                // not only those (a removed row has no `to_` values): every
                // term stays to filter the rows.
                wrap(Plan::Diff { diffs, access }, Expr::conjunction(terms))
            }
            other => Plan::Filter {
                source: Box::new(access_paths(other, params, counter)),
                predicate,
            },
        },
        other => other.map_inputs(&mut |p| access_paths(p, params, counter)),
    }
}

/// **Index joins.** An inner hash join whose right side is a table scan
/// with an index led by the right keys becomes a lookup of each left row
/// in that index, when the left side is small enough that the lookups
/// cost less than reading the right table (see `access::index_join`).
/// Key pairs the index does not use stay as a condition.
#[recursive::recursive]
fn index_joins(plan: Plan, counter: EntryCounter) -> Plan {
    let plan = plan.map_inputs(&mut |p| index_joins(p, counter));
    let Plan::HashJoin {
        left,
        right,
        kind: JoinKind::Inner,
        left_keys,
        right_keys,
        on,
    } = plan
    else {
        return plan;
    };
    let Some((access, pairs)) = access::index_join(&left, &right, &right_keys, counter) else {
        return Plan::HashJoin {
            left,
            right,
            kind: JoinKind::Inner,
            left_keys,
            right_keys,
            on,
        };
    };
    let lw = left.width();
    let lookup: Vec<Expr> = pairs.iter().map(|i| left_keys[*i].clone()).collect();
    let mut rest: Vec<Expr> = on.into_iter().collect();
    for (i, (l, r)) in left_keys.into_iter().zip(right_keys).enumerate() {
        if !pairs.contains(&i) {
            rest.push(Expr::Binary(
                BinaryOp::Eq,
                Box::new(l),
                Box::new(renumber(r, &|c| c + lw)),
            ));
        }
    }
    let set_access = |plan: Plan| match plan {
        Plan::Scan {
            table,
            filter,
            with_key,
            columns,
            ..
        } => Plan::Scan {
            table,
            access,
            filter,
            with_key,
            columns,
        },
        other => other,
    };
    let right = match *right {
        Plan::Filter { source, predicate } => Plan::Filter {
            source: Box::new(set_access(*source)),
            predicate,
        },
        other => set_access(other),
    };
    Plan::IndexJoin {
        left,
        right: Box::new(right),
        kind: JoinKind::Inner,
        left_keys: lookup,
        on: Expr::conjunction(rest),
    }
}

/// **Extremes from an end of an index.** `min(c)` or `max(c)`, alone and
/// with no groups, over rows that an index can give in the order of `c`
/// reads them in that order (backward for `max`), skips NULLs (which the
/// aggregate ignores) and stops at the first row: its `c` is the answer,
/// and no row at all makes the aggregate NULL as before.
#[recursive::recursive]
fn extremes(plan: Plan) -> Plan {
    let Plan::Aggregate {
        source,
        group_by,
        aggregates,
    } = plan
    else {
        return plan.map_inputs(&mut extremes);
    };
    let source = extremes(*source);
    let column = match aggregates.as_slice() {
        [a] if group_by.is_empty()
            && matches!(a.function.as_str(), "min" | "max")
            && !a.distinct
            && a.filter.is_none()
            && a.order_by.is_empty() =>
        {
            match a.args.as_slice() {
                [Expr::Column(c)] => Some((*c, a.function == "max")),
                _ => None,
            }
        }
        _ => None,
    };
    let source = match column {
        None => source,
        Some((c, descending)) => {
            let mut plan = Plan::Filter {
                source: Box::new(source),
                predicate: Expr::IsNull(Box::new(Expr::Column(c)), true),
            };
            let mut ordered = false;
            for nulls_first in [descending, !descending] {
                let key = SortKey {
                    expr: Expr::Column(c),
                    descending,
                    nulls_first,
                };
                (plan, ordered) = access::in_order(plan, &[key], true);
                if ordered {
                    break;
                }
            }
            match plan {
                plan if ordered => Plan::Limit {
                    source: Box::new(plan),
                    limit: Some(Expr::Literal(Value::BigInt(1))),
                    offset: None,
                },
                Plan::Filter { source, .. } => *source,
                other => other,
            }
        }
    };
    Plan::Aggregate {
        source: Box::new(source),
        group_by,
        aggregates,
    }
}

/// **Ordered scans.** A sort over a scan that can read an index in the
/// sort's order goes (see `access::in_order`); under a LIMIT, the scan may
/// switch to such an index so that it reads only the first entries.
#[recursive::recursive]
fn ordered_scans(plan: Plan) -> Plan {
    let sorted = |source: Plan, keys: Vec<SortKey>, limited: bool| match access::in_order(
        ordered_scans(source),
        &keys,
        limited,
    ) {
        (plan, true) => plan,
        (source, false) => Plan::Sort {
            source: Box::new(source),
            keys,
        },
    };
    match plan {
        Plan::Limit {
            source,
            limit: Some(limit),
            offset,
        } => {
            let source = match *source {
                Plan::Sort { source, keys } => sorted(*source, keys, true),
                other => ordered_scans(other),
            };
            Plan::Limit {
                source: Box::new(source),
                limit: Some(limit),
                offset,
            }
        }
        Plan::Sort { source, keys } => sorted(*source, keys, false),
        other => other.map_inputs(&mut ordered_scans),
    }
}

/// Flattens a tree of inner joins into its inputs and join terms, with
/// column numbers of the whole joined row.
fn flatten(plan: Plan, base: usize, leaves: &mut Vec<(Plan, usize)>, terms: &mut Vec<Expr>) {
    match plan {
        Plan::NestedLoopJoin {
            left,
            right,
            kind: JoinKind::Inner,
            on,
        } => {
            let lw = left.width();
            flatten(*left, base, leaves, terms);
            flatten(*right, base + lw, leaves, terms);
            if let Some(on) = on {
                terms.extend(
                    on.into_conjuncts()
                        .into_iter()
                        .map(|t| renumber(t, &|c| c + base)),
                );
            }
        }
        other => leaves.push((other, base)),
    }
}

fn renumber(term: Expr, map: &dyn Fn(usize) -> usize) -> Expr {
    term.transform(&mut |e| match e {
        Expr::Column(i) => Expr::Column(map(i)),
        other => other,
    })
}

#[recursive::recursive]
fn reorder_joins(plan: Plan, counter: EntryCounter) -> Plan {
    let (source, predicate) = match plan {
        Plan::Filter { source, predicate } if is_inner_join(&source) => (*source, Some(predicate)),
        plan if is_inner_join(&plan) => (plan, None),
        other => return other.map_inputs(&mut |p| reorder_joins(p, counter)),
    };
    let width = source.width();
    let mut leaves = Vec::new();
    let mut terms = Vec::new();
    flatten(source, 0, &mut leaves, &mut terms);
    let mut kept = Vec::new();
    for t in predicate.map(Expr::into_conjuncts).unwrap_or_default() {
        if t.has_subquery() {
            kept.push(t)
        } else {
            terms.push(t)
        }
    }
    let leaves: Vec<(Plan, usize)> = leaves
        .into_iter()
        .map(|(p, base)| (reorder_joins(p, counter), base))
        .collect();
    let leaf_of = |c: usize| leaves.iter().rposition(|(_, base)| *base <= c).unwrap_or(0);
    let touched = |t: &Expr| {
        t.columns()
            .into_iter()
            .map(leaf_of)
            .collect::<BTreeSet<usize>>()
    };

    // Terms on one input filter that input.
    let mut filters: Vec<Vec<Expr>> = vec![Vec::new(); leaves.len()];
    let mut joins = Vec::new();
    for t in terms {
        let set = touched(&t);
        match set.len() {
            0 => kept.push(t),
            1 => {
                let l = *set.first().expect("one element");
                let base = leaves[l].1;
                filters[l].push(renumber(t, &|c| c - base));
            }
            _ => joins.push((t, set)),
        }
    }
    let mut inputs: Vec<Option<Plan>> = Vec::new();
    for ((p, _), f) in leaves.iter().cloned().zip(filters.iter().cloned()) {
        inputs.push(Some(match Expr::conjunction(f) {
            Some(predicate) => Plan::Filter {
                source: Box::new(p),
                predicate,
            },
            None => p,
        }));
    }
    let widths: Vec<usize> = leaves.iter().map(|(p, _)| p.width()).collect();
    // The rows each input gives at most, once its filter chose its access.
    let estimates: Vec<Option<u64>> = inputs
        .iter()
        .map(|p| {
            let p = p.clone().map(|p| access_paths(p, &[], counter));
            p.as_ref().and_then(|p| access::estimate_rows(p, counter))
        })
        .collect();
    // Start from the smallest input when the counts tell (of equals, one
    // with a filter of its own), else from one with a filter.
    let start = match estimates.iter().copied().collect::<Option<Vec<u64>>>() {
        Some(counts) => (0..leaves.len())
            .min_by_key(|l| (counts[*l], filters[*l].is_empty()))
            .unwrap_or(0),
        None => (0..leaves.len())
            .find(|l| !filters[*l].is_empty())
            .unwrap_or(0),
    };
    let mut joined: BTreeSet<usize> = BTreeSet::from([start]);
    // Where each original column sits in the row built so far.
    let mut position: Vec<Option<usize>> = vec![None; width];
    let mut current_width = 0;
    let place = |l: usize, position: &mut Vec<Option<usize>>, current_width: &mut usize| {
        for i in 0..widths[l] {
            position[leaves[l].1 + i] = Some(*current_width + i);
        }
        *current_width += widths[l];
    };
    place(start, &mut position, &mut current_width);
    let mut plan = inputs[start].take().expect("each input is used once");
    while joined.len() < leaves.len() {
        let linked = joins.iter().find_map(|(_, set)| {
            let outside: Vec<&usize> = set.iter().filter(|l| !joined.contains(l)).collect();
            (outside.len() == 1 && set.iter().any(|l| joined.contains(l))).then(|| *outside[0])
        });
        let next = linked.unwrap_or_else(|| {
            (0..leaves.len())
                .find(|l| !joined.contains(l))
                .expect("an input remains")
        });
        let left_width = current_width;
        place(next, &mut position, &mut current_width);
        joined.insert(next);
        // Terms now fully covered: equalities across the two sides are keys.
        let mut left_keys = Vec::new();
        let mut right_keys = Vec::new();
        let mut residual = Vec::new();
        let mut remaining = Vec::new();
        for (t, set) in joins.drain(..) {
            if !set.iter().all(|l| joined.contains(l)) {
                remaining.push((t, set));
                continue;
            }
            let mapped = renumber(t, &|c| position[c].expect("covered columns are placed"));
            let key = match &mapped {
                Expr::Binary(BinaryOp::Eq, a, b) => {
                    let side = |e: &Expr| {
                        let cols = e.columns();
                        if cols.is_empty() {
                            None
                        } else if cols.iter().all(|c| *c < left_width) {
                            Some(true)
                        } else if cols.iter().all(|c| *c >= left_width) {
                            Some(false)
                        } else {
                            None
                        }
                    };
                    match (side(a), side(b)) {
                        (Some(true), Some(false)) => Some(((**a).clone(), (**b).clone())),
                        (Some(false), Some(true)) => Some(((**b).clone(), (**a).clone())),
                        _ => None,
                    }
                }
                _ => None,
            };
            match key {
                Some((l, r)) => {
                    left_keys.push(l);
                    right_keys.push(renumber(r, &|c| c - left_width));
                }
                None => residual.push(mapped),
            }
        }
        joins = remaining;
        let right = inputs[next].take().expect("each input is used once");
        let on = Expr::conjunction(residual);
        plan = if left_keys.is_empty() {
            Plan::NestedLoopJoin {
                left: Box::new(plan),
                right: Box::new(right),
                kind: JoinKind::Inner,
                on,
            }
        } else {
            Plan::HashJoin {
                left: Box::new(plan),
                right: Box::new(right),
                kind: JoinKind::Inner,
                left_keys,
                right_keys,
                on,
            }
        };
    }
    // Back to the original column order.
    let exprs: Vec<Expr> = position
        .iter()
        .map(|p| Expr::Column(p.expect("every column is placed")))
        .collect();
    let mut plan = Plan::Project {
        source: Box::new(plan),
        exprs,
    };
    let kept: Vec<Expr> = kept;
    if let Some(predicate) = Expr::conjunction(kept) {
        plan = Plan::Filter {
            source: Box::new(plan),
            predicate,
        };
    }
    plan
}

fn is_inner_join(plan: &Plan) -> bool {
    matches!(
        plan,
        Plan::NestedLoopJoin {
            kind: JoinKind::Inner,
            ..
        }
    )
}

#[recursive::recursive]
fn push_down(plan: Plan) -> Plan {
    match plan {
        Plan::Filter { source, predicate } => {
            let source = push_down(*source);
            let mut kept = Vec::new();
            let mut source = source;
            for term in predicate.into_conjuncts() {
                if term.has_subquery() {
                    kept.push(term);
                    continue;
                }
                match place(source, term) {
                    (s, None) => source = s,
                    (s, Some(t)) => {
                        source = s;
                        kept.push(t);
                    }
                }
            }
            match Expr::conjunction(kept) {
                Some(predicate) => Plan::Filter {
                    source: Box::new(source),
                    predicate,
                },
                None => source,
            }
        }
        other => other.map_inputs(&mut push_down),
    }
}

/// Tries to place `term` (over `plan`'s columns) inside `plan`. Returns the
/// new plan and the term if it could not be placed.
#[recursive::recursive]
fn place(plan: Plan, term: Expr) -> (Plan, Option<Expr>) {
    let columns = term.columns();
    match plan {
        Plan::NestedLoopJoin {
            left,
            right,
            kind: JoinKind::Inner,
            on,
        } => {
            let lw = left.width();
            if columns.iter().all(|c| *c < lw) {
                let (l, rest) = place(*left, term);
                let l = wrap(l, rest);
                return (
                    Plan::NestedLoopJoin {
                        left: Box::new(l),
                        right,
                        kind: JoinKind::Inner,
                        on,
                    },
                    None,
                );
            }
            if columns.iter().all(|c| *c >= lw) {
                let shifted = renumber(term, &|c| c - lw);
                let (r, rest) = place(*right, shifted);
                let r = wrap(r, rest);
                return (
                    Plan::NestedLoopJoin {
                        left,
                        right: Box::new(r),
                        kind: JoinKind::Inner,
                        on,
                    },
                    None,
                );
            }
            let on = Expr::conjunction(on.into_iter().chain([term]).collect());
            (
                Plan::NestedLoopJoin {
                    left,
                    right,
                    kind: JoinKind::Inner,
                    on,
                },
                None,
            )
        }
        // Below a projection that passes the columns the term reads
        // through (a subquery's or a view's select list): the term then
        // filters rows before the rest of the list is computed for them,
        // as PostgreSQL pushes a qual into a subquery.
        Plan::Project { source, exprs }
            if columns
                .iter()
                .all(|c| matches!(exprs.get(*c), Some(Expr::Column(_)))) =>
        {
            let inner = renumber(term, &|c| match exprs.get(c) {
                Some(Expr::Column(i)) => *i,
                _ => c,
            });
            let (source, rest) = place(*source, inner);
            (
                Plan::Project {
                    source: Box::new(wrap(source, rest)),
                    exprs,
                },
                None,
            )
        }
        other => (other, Some(term)),
    }
}

/// Adds a filter for a term that could not go deeper.
fn wrap(plan: Plan, term: Option<Expr>) -> Plan {
    match term {
        None => plan,
        Some(t) => match plan {
            Plan::Filter { source, predicate } => Plan::Filter {
                source,
                predicate: Expr::and(predicate, t),
            },
            other => Plan::Filter {
                source: Box::new(other),
                predicate: t,
            },
        },
    }
}
