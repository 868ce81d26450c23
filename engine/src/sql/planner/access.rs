//! Access paths: which index a scan reads, which of its keys, and in
//! which order.
//!
//! Every index of a table, the primary one and each secondary one, is a
//! prolly map ordered by an order-preserving encoding of its columns (see
//! `arbor_schema::key`). So conditions on a prefix of an index's columns
//! are byte ranges of its keys: equalities and `IN` lists fix the leading
//! columns to a set of values (each combination one seek), and a
//! comparison on the next column bounds a range under each of them. A
//! secondary index's key ends with the row's primary key, so each entry
//! it yields is looked up in the primary index, unless the index holds
//! every column the query reads.
//!
//! **Choosing.** For a filter over a scan, each index whose leading
//! columns the filter constrains is a candidate. The candidates' ranges
//! are counted in the trees themselves (a prolly map knows how many
//! entries lie below each node, so a count is one descent per bound), and
//! the cheapest wins: entries read in order cost one each, a lookup back
//! in the primary index costs [`LOOKUP_COST`]. A full scan costs the
//! table's size. Terms an access captures exactly leave the filter; the
//! others stay, so a range only has to cover the matching rows.
//!
//! **Ordered scans.** Rows come out of a scan in the order of the index it
//! reads, forward or backward. A sort whose keys are a prefix of that order
//! is dropped; under a `LIMIT`, a scan with no conditions of its own may
//! switch to an index that gives the order, so `ORDER BY id DESC LIMIT 1`
//! reads one entry.

use std::ops::Bound;
use std::sync::Arc;

use arbor_merkle::Address;
use arbor_merkle::prolly::prefix_successor as successor;
use arbor_schema::key::{KeyColumn, encode_key};
use arbor_schema::sql_text::quote_identifier_if_needed;
use arbor_schema::{DataType, TableSchema, Value};

use super::expr::{BinaryOp, Expr};
use super::plan::{Access, KeyRange, Plan, SortKey, TableSource, covers, full_range};
use crate::sql::eval::cast;
use crate::table::index_columns;

/// Counts the entries of the prolly map at `root` that lie in a key range,
/// when the planner can read the store.
pub type EntryCounter<'a> = &'a dyn Fn(Address, &KeyRange) -> Option<u64>;

/// The most seeks one access makes for lists of values; a condition that
/// would make more is left to the filter.
const MAX_POINTS: usize = 100_000;

/// What a lookup of one row in the primary index costs, in entries read
/// in order (a descent from the root, mostly through cached nodes).
const LOOKUP_COST: u64 = 4;

/// The rows a table is taken to have when nothing counted them.
const ASSUMED_TABLE_ROWS: u64 = 1000;

/// The most ranges counted one by one for an estimate; the count of more
/// is extrapolated from them.
const COUNTED_RANGES: usize = 64;

/// Chooses the access of a scan under a filter: returns the scan with its
/// access set and the terms of `predicate` it does not capture exactly. A
/// scan whose access is already chosen is left as it is.
pub fn choose(
    scan: Plan,
    predicate: Expr,
    params: &[Value],
    counter: EntryCounter,
) -> (Plan, Vec<Expr>) {
    let terms = predicate.into_conjuncts();
    let Plan::Scan {
        table,
        access,
        filter,
        with_key,
        columns,
    } = scan
    else {
        return (scan, terms);
    };
    let rebuild = |access| Plan::Scan {
        table: table.clone(),
        access,
        filter: filter.clone(),
        with_key,
        columns: columns.clone(),
    };
    if !access.is_full() || access.reverse || access.ordered {
        return (rebuild(access), terms);
    }
    let conditions: Vec<Condition> = terms
        .iter()
        .enumerate()
        .filter_map(|(term, e)| condition(e, term, &table.schema, params))
        .collect();
    if conditions.is_empty() {
        return (rebuild(access), terms);
    }
    let shapes = shapes(&table);
    // Points on the whole primary key are at most one row each: nothing
    // reads fewer entries (an index would need its lookups too), so no
    // counting is needed.
    let whole_key = shapes
        .iter()
        .find(|s| s.index.is_none())
        .and_then(|s| candidate(s, &table.schema, &conditions).map(|c| (s, c)))
        .filter(|(s, c)| c.fixed == s.columns.len() && !c.bounded);
    if let Some((_, mut candidate)) = whole_key {
        candidate.access.estimate = Some(candidate.access.ranges.len() as u64);
        return take(candidate, terms, rebuild);
    }
    let total = counter(table.rows, &full_range());
    let mut best: Option<(u64, Candidate)> = None;
    for shape in &shapes {
        let Some(mut candidate) = candidate(shape, &table.schema, &conditions) else {
            continue;
        };
        let counted = estimate(&candidate.access.ranges, shape.root, counter);
        let estimate = counted.unwrap_or_else(|| guess(&candidate, shape, total));
        candidate.access.estimate = counted;
        let per_entry = match &shape.index {
            Some(index) if !covers(&table, index, columns.as_deref()) => 1 + LOOKUP_COST,
            _ => 1,
        };
        let cost = estimate.saturating_mul(per_entry);
        if best.as_ref().is_none_or(|(c, _)| cost < *c) {
            best = Some((cost, candidate));
        }
    }
    let full_cost = total.unwrap_or(ASSUMED_TABLE_ROWS);
    match best {
        Some((cost, candidate)) if cost <= full_cost => take(candidate, terms, rebuild),
        _ => (rebuild(access), terms),
    }
}

/// The scan through `candidate`'s access, and the terms it leaves to a filter.
fn take(
    candidate: Candidate,
    terms: Vec<Expr>,
    rebuild: impl Fn(Access) -> Plan,
) -> (Plan, Vec<Expr>) {
    let rest = remaining(terms, &candidate.exact);
    (rebuild(candidate.access), rest)
}

/// The `terms` an access does not capture exactly: all but those at the
/// positions in `exact`.
pub fn remaining(terms: Vec<Expr>, exact: &[usize]) -> Vec<Expr> {
    terms
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !exact.contains(i))
        .map(|(_, t)| t)
        .collect()
}

/// The columns of index `index` of `table` (`None`: the primary key), in
/// key order: each one's schema position and encoding.
pub fn key_columns(table: &TableSource, index: Option<&str>) -> Option<Vec<(usize, KeyColumn)>> {
    shapes(table)
        .into_iter()
        .find(|s| s.index.as_deref() == index)
        .map(|s| s.columns)
}

/// An index of the right side of an inner equi-join that its keys can
/// look up: for a right side that is a scan of a table (perhaps under a
/// filter) with no access of its own, the index whose leading columns the
/// right keys cover, when looking up each left row costs less than
/// reading the right table. Returns the scan's new access and, for each
/// leading column used, the position of its key pair.
pub fn index_join(
    left: &Plan,
    right: &Plan,
    right_keys: &[Expr],
    counter: EntryCounter,
) -> Option<(Access, Vec<usize>)> {
    let Plan::Scan { table, access, .. } = right.filtered_scan()?.0 else {
        return None;
    };
    if !access.is_full() || access.reverse || access.ordered {
        return None;
    }
    let left_rows = estimate_rows(left, counter)?;
    let right_rows = counter(table.rows, &full_range())?;
    let mut best: Option<(u64, Access, Vec<usize>)> = None;
    for shape in shapes(table) {
        let mut pairs = Vec::new();
        for (position, _) in &shape.columns {
            match right_keys
                .iter()
                .position(|k| *k == Expr::Column(*position))
            {
                Some(pair) => pairs.push(pair),
                None => break,
            }
        }
        if pairs.is_empty() {
            continue;
        }
        let lookups = if shape.index.is_some() { 2 } else { 1 };
        let cost = left_rows.saturating_mul(LOOKUP_COST * lookups);
        if cost < right_rows.saturating_add(left_rows) && best.as_ref().is_none_or(|b| cost < b.0) {
            let names: Vec<String> = pairs
                .iter()
                .zip(&shape.columns)
                .map(|(_, (p, _))| {
                    format!(
                        "{} = each left row's key",
                        quote_identifier_if_needed(&table.schema.columns[*p].name)
                    )
                })
                .collect();
            let access = Access {
                index: shape.index.clone(),
                shown: names.join(" AND "),
                ..Access::full()
            };
            best = Some((cost, access, pairs));
        }
    }
    best.map(|(_, access, pairs)| (access, pairs))
}

/// At most how many rows `plan` yields, when the trees' counts tell.
#[recursive::recursive]
pub fn estimate_rows(plan: &Plan, counter: EntryCounter) -> Option<u64> {
    match plan {
        Plan::Scan { table, access, .. } => match access.estimate {
            Some(n) => Some(n),
            None if access.is_full() => counter(table.rows, &full_range()),
            None => None,
        },
        Plan::Filter { source, .. }
        | Plan::Project { source, .. }
        | Plan::Sort { source, .. }
        | Plan::Distinct { source, .. } => estimate_rows(source, counter),
        Plan::Values { rows, .. } => Some(rows.len() as u64),
        Plan::Limit {
            source,
            limit: Some(Expr::Literal(v)),
            ..
        } => {
            let limit = v.as_i64().and_then(|n| u64::try_from(n).ok());
            match (limit, estimate_rows(source, counter)) {
                (Some(l), Some(n)) => Some(l.min(n)),
                (l, n) => l.or(n),
            }
        }
        Plan::HashJoin { left, right, .. }
        | Plan::NestedLoopJoin { left, right, .. }
        | Plan::IndexJoin { left, right, .. } => {
            Some(estimate_rows(left, counter)?.saturating_mul(estimate_rows(right, counter)?))
        }
        _ => None,
    }
}

/// Ranges of the primary key of `schema` that `terms` (over its columns)
/// allow, and the terms they capture exactly; `None` if no term
/// constrains the key's first column or the table has no primary key.
pub fn primary_access(
    schema: &Arc<TableSchema>,
    terms: &[Expr],
    params: &[Value],
) -> Option<(Access, Vec<usize>)> {
    // The shape's tree is never read here: only its columns matter.
    let shape = primary_shape(schema, Address::of(&[]))?;
    let conditions: Vec<Condition> = terms
        .iter()
        .enumerate()
        .filter_map(|(term, e)| condition(e, term, schema, params))
        .collect();
    let found = candidate(&shape, schema, &conditions)?;
    Some((found.access, found.exact))
}

/// An index as an access path: its columns in key order, and its tree.
struct Shape {
    /// `None` for the primary index.
    index: Option<String>,
    /// (schema position, encoding) of each column, in key order.
    columns: Vec<(usize, KeyColumn)>,
    /// Whether each combination of values of all its columns is one row.
    unique: bool,
    /// The root of its tree.
    root: Address,
}

/// The primary key of `schema` as an access path through the tree at
/// `root`; `None` for a table keyed by a hidden row id.
fn primary_shape(schema: &TableSchema, root: Address) -> Option<Shape> {
    let columns: Vec<(usize, KeyColumn)> = schema
        .primary_key
        .iter()
        .map(|tag| {
            let p = schema.tag_index(*tag)?;
            Some((p, KeyColumn::asc(schema.columns[p].data_type.clone())))
        })
        .collect::<Option<_>>()?;
    (!columns.is_empty()).then_some(Shape {
        index: None,
        columns,
        unique: true,
        root,
    })
}

/// The indexes of `table` that can serve as access paths: the primary key
/// (unless the table is keyed by a hidden row id) and each secondary index.
fn shapes(table: &TableSource) -> Vec<Shape> {
    let schema = &table.schema;
    let mut out: Vec<Shape> = primary_shape(schema, table.rows).into_iter().collect();
    for def in &schema.indexes {
        let Some(root) = table
            .indexes
            .iter()
            .find(|(name, _)| *name == def.name)
            .map(|(_, root)| *root)
        else {
            continue;
        };
        let Ok((positions, keys)) = index_columns(schema, def) else {
            continue;
        };
        out.push(Shape {
            index: Some(def.name.clone()),
            columns: positions.into_iter().zip(keys).collect(),
            unique: def.unique,
            root,
        });
    }
    out
}

/// What one term of a filter says about one column, with its constants
/// converted to the column's type.
#[derive(Clone, Debug)]
struct Condition {
    /// The term's position among the filter's terms.
    term: usize,
    /// The column's schema position.
    column: usize,
    kind: ConditionKind,
}

#[derive(Clone, Debug)]
enum ConditionKind {
    /// The column is one of these values (`NULL` for `IS NULL`).
    Points(Vec<Value>),
    /// Bounds on the column's value.
    Range {
        lower: ValueBound,
        upper: ValueBound,
    },
    /// The column's value is in one of these ranges (an `OR` of
    /// comparisons, `BETWEEN`s and equalities on one column).
    Ranges(Vec<(ValueBound, ValueBound)>),
}

/// One end of a range of values: the value and whether it is included.
type ValueBound = Option<(Value, bool)>;

impl ConditionKind {
    /// The condition as ranges any one of which the value is in (a point
    /// is a range of one value).
    fn alternatives(self) -> Vec<(ValueBound, ValueBound)> {
        match self {
            ConditionKind::Points(values) => values
                .into_iter()
                .map(|v| (Some((v.clone(), true)), Some((v, true))))
                .collect(),
            ConditionKind::Range { lower, upper } => vec![(lower, upper)],
            ConditionKind::Ranges(alternatives) => alternatives,
        }
    }
}

/// The condition `term` puts on one column, if it is one an index can
/// serve: `col = c`, `col IN (c, ...)`, `col IS NULL`, `col < c` (and the
/// other comparisons), `col BETWEEN a AND b`, and an `OR` of those on one
/// column, with `c` a constant or a known parameter that the column's
/// type holds exactly.
fn condition(
    term: &Expr,
    index: usize,
    schema: &TableSchema,
    params: &[Value],
) -> Option<Condition> {
    if let Some((column, values)) = points(term, schema, params) {
        return Some(Condition {
            term: index,
            column,
            kind: ConditionKind::Points(values),
        });
    }
    let range = |column: usize, lower, upper| Condition {
        term: index,
        column,
        kind: ConditionKind::Range { lower, upper },
    };
    match term {
        Expr::Binary(BinaryOp::Or, a, b) => {
            let (a, b) = (
                condition(a, index, schema, params)?,
                condition(b, index, schema, params)?,
            );
            if a.column != b.column {
                return None;
            }
            let mut alternatives = a.kind.alternatives();
            alternatives.extend(b.kind.alternatives());
            Some(Condition {
                term: index,
                column: a.column,
                kind: ConditionKind::Ranges(alternatives),
            })
        }
        Expr::Between {
            expr,
            low,
            high,
            negated: false,
        } => {
            let Expr::Column(c) = expr.as_ref() else {
                return None;
            };
            let low = exact_constant(low, *c, schema, params)?;
            let high = exact_constant(high, *c, schema, params)?;
            Some(range(*c, Some((low, true)), Some((high, true))))
        }
        Expr::Binary(op, a, b) => {
            let (c, op, other) = match (a.as_ref(), b.as_ref()) {
                (Expr::Column(c), other) => (*c, *op, other),
                (other, Expr::Column(c)) => (*c, op.flip(), other),
                _ => return None,
            };
            let v = exact_constant(other, c, schema, params)?;
            match op {
                BinaryOp::Gt => Some(range(c, Some((v, false)), None)),
                BinaryOp::GtEq => Some(range(c, Some((v, true)), None)),
                BinaryOp::Lt => Some(range(c, None, Some((v, false)))),
                BinaryOp::LtEq => Some(range(c, None, Some((v, true)))),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The column a term fixes to a list of values, and the values.
fn points(term: &Expr, schema: &TableSchema, params: &[Value]) -> Option<(usize, Vec<Value>)> {
    match term {
        Expr::Binary(BinaryOp::Eq, a, b) => {
            let (c, other) = match (a.as_ref(), b.as_ref()) {
                (Expr::Column(c), other) | (other, Expr::Column(c)) => (*c, other),
                _ => return None,
            };
            Some((c, vec![exact_constant(other, c, schema, params)?]))
        }
        Expr::InList {
            expr,
            list,
            negated: false,
            ..
        } => {
            let Expr::Column(c) = expr.as_ref() else {
                return None;
            };
            let mut values = Vec::with_capacity(list.len());
            for item in list {
                // A NULL in the list matches nothing; any other constant
                // the column cannot hold exactly defeats the list.
                if constant(item, params)?.is_null() {
                    continue;
                }
                values.push(exact_constant(item, *c, schema, params)?);
            }
            Some((*c, values))
        }
        Expr::IsNull(expr, false) => match expr.as_ref() {
            Expr::Column(c) if *c < schema.columns.len() => Some((*c, vec![Value::Null])),
            _ => None,
        },
        Expr::Binary(BinaryOp::Or, a, b) => {
            let (ca, mut va) = points(a, schema, params)?;
            let (cb, vb) = points(b, schema, params)?;
            (ca == cb).then(|| {
                va.extend(vb);
                (ca, va)
            })
        }
        _ => None,
    }
}

/// A literal, or a parameter whose value is known.
fn constant(e: &Expr, params: &[Value]) -> Option<Value> {
    match e {
        Expr::Literal(v) => Some(v.clone()),
        Expr::Parameter(n) => params.get(n.wrapping_sub(1)).cloned(),
        _ => None,
    }
}

/// The constant `e` as a value of column `column`'s type, if it is not
/// NULL and the type holds it exactly (so comparing in the column's type
/// is comparing the original values).
fn exact_constant(
    e: &Expr,
    column: usize,
    schema: &TableSchema,
    params: &[Value],
) -> Option<Value> {
    let v = constant(e, params)?;
    exact_value(v, &schema.columns.get(column)?.data_type)
}

/// `v` as a value of `data_type`, if it is not NULL and the type holds it
/// exactly (so comparing in that type is comparing the original values).
///
/// Never for an interval: equal intervals ('1 mon', '30 days') have
/// different keys (a key keeps the value's fields), so no key range holds
/// exactly the values equal to one, or above it.
pub fn exact_value(v: Value, data_type: &DataType) -> Option<Value> {
    if v.is_null() || *data_type == DataType::Interval {
        return None;
    }
    let converted = cast(v.clone(), data_type).ok()?;
    (converted.sql_cmp(&v) == Some(std::cmp::Ordering::Equal)).then_some(converted)
}

/// An access through one index, and the filter terms it captures exactly.
struct Candidate {
    access: Access,
    exact: Vec<usize>,
    /// How many leading key columns are fixed to points.
    fixed: usize,
    /// Whether a comparison bounds the column after them.
    bounded: bool,
}

/// The access `conditions` allow through `shape`, if they constrain its
/// first column.
fn candidate(shape: &Shape, schema: &TableSchema, conditions: &[Condition]) -> Option<Candidate> {
    let mut prefixes: Vec<Vec<u8>> = vec![Vec::new()];
    let mut shown = Vec::new();
    let mut exact = Vec::new();
    let mut fixed = 0;
    // Leading columns fixed to a single value.
    let mut constant = 0;
    let mut ranges: Option<Vec<KeyRange>> = None;
    for (position, key) in &shape.columns {
        let name = quote_identifier_if_needed(&schema.columns[*position].name);
        let on_column = || conditions.iter().filter(|c| c.column == *position);
        // The equality with the fewest values fixes this column.
        let fewest = on_column()
            .filter_map(|c| match &c.kind {
                ConditionKind::Points(values) => Some((c.term, values)),
                ConditionKind::Range { .. } | ConditionKind::Ranges(_) => None,
            })
            .min_by_key(|(_, values)| values.len());
        if let Some((term, values)) = fewest {
            // Each value's encoding, in key order and once.
            let Some(mut encoded) = values
                .iter()
                .map(|v| {
                    let e = encode_key(std::slice::from_ref(v), std::slice::from_ref(key)).ok()?;
                    Some((e, v))
                })
                .collect::<Option<Vec<(Vec<u8>, &Value)>>>()
            else {
                break;
            };
            encoded.sort_by(|a, b| a.0.cmp(&b.0));
            encoded.dedup_by(|a, b| a.0 == b.0);
            let values: Vec<Value> = encoded.iter().map(|(_, v)| (*v).clone()).collect();
            let encoded: Vec<Vec<u8>> = encoded.into_iter().map(|(e, _)| e).collect();
            if prefixes.len().saturating_mul(encoded.len()) > MAX_POINTS {
                break;
            }
            prefixes = prefixes
                .iter()
                .flat_map(|p| encoded.iter().map(move |e| [p.as_slice(), e].concat()))
                .collect();
            shown.push(points_text(&name, &values));
            exact.push(term);
            if values.len() == 1 && constant == fixed {
                constant += 1;
            }
            fixed += 1;
            continue;
        }
        // Comparisons on the next column bound a range under each prefix.
        let bounds: Vec<(usize, &ValueBound, &ValueBound)> = on_column()
            .filter_map(|c| match &c.kind {
                ConditionKind::Range { lower, upper } => Some((c.term, lower, upper)),
                ConditionKind::Points(_) | ConditionKind::Ranges(_) => None,
            })
            .collect();
        // Else an OR of ranges: their union under each prefix.
        let alternatives = on_column().find_map(|c| match &c.kind {
            ConditionKind::Ranges(alternatives) => Some((c.term, alternatives)),
            _ => None,
        });
        // A column that may hold NULLs has them at one end of the index,
        // inside an open range: its comparisons stay in the filter to drop them.
        let nullable = schema.columns[*position].nullable;
        let mut all_exact = true;
        let mut built = Vec::with_capacity(prefixes.len());
        if !bounds.is_empty() {
            for p in &prefixes {
                let pairs: Vec<(&ValueBound, &ValueBound)> =
                    bounds.iter().map(|(_, l, u)| (*l, *u)).collect();
                let (range, range_exact) = bounded_range(p, &pairs, key);
                all_exact &= range_exact;
                built.push(range);
            }
            for (term, lower, upper) in &bounds {
                if all_exact && !nullable {
                    exact.push(*term);
                }
                shown.extend(bound_texts(&name, lower, upper));
            }
        } else if let Some((term, alternatives)) = alternatives {
            for p in &prefixes {
                for (lower, upper) in alternatives {
                    let (range, range_exact) = bounded_range(p, &[(lower, upper)], key);
                    all_exact &= range_exact;
                    built.push(range);
                }
            }
            built = union(built);
            if all_exact && !nullable {
                exact.push(term);
            }
            let texts: Vec<String> = alternatives
                .iter()
                .map(|(lower, upper)| bound_texts(&name, lower, upper).join(" AND "))
                .collect();
            shown.push(format!("({})", texts.join(" OR ")));
        } else {
            break;
        }
        ranges = Some(built);
        break;
    }
    if shown.is_empty() {
        return None;
    }
    let bounded = ranges.is_some();
    let ranges = match ranges {
        Some(r) => r,
        None => {
            // Points only: a range per combination, exact unless a prefix
            // has no successor (all 0xff bytes, which no encoding ends in).
            let mut out = Vec::with_capacity(prefixes.len());
            for p in &prefixes {
                let (start, end) = prefix_range(p);
                if matches!(end, Bound::Unbounded) && !p.is_empty() {
                    exact.clear();
                }
                out.push((start, end));
            }
            out
        }
    };
    Some(Candidate {
        access: Access {
            index: shape.index.clone(),
            ranges,
            shown: shown.join(" AND "),
            constant_prefix: constant,
            ..Access::full()
        },
        exact,
        fixed,
        bounded,
    })
}

/// `name = v`, `name IS NULL` or `name IN (...)` for a list of values; a
/// long list is shown by its first values and its length.
fn points_text(name: &str, values: &[Value]) -> String {
    const SHOWN: usize = 10;
    match values {
        [Value::Null] => format!("{name} IS NULL"),
        [v] => format!("{name} = {}", v.sql_literal()),
        [] => format!("{name} IN (no values)"),
        _ => {
            let mut items: Vec<String> =
                values.iter().take(SHOWN).map(Value::sql_literal).collect();
            if values.len() > SHOWN {
                items.push(format!("... {} values", values.len()));
            }
            format!("{name} IN ({})", items.join(", "))
        }
    }
}

/// The range of keys that start with `prefix` (everything for an empty one).
pub fn prefix_range(prefix: &[u8]) -> KeyRange {
    if prefix.is_empty() {
        return full_range();
    }
    let end = successor(prefix).map_or(Bound::Unbounded, Bound::Excluded);
    (Bound::Included(prefix.to_vec()), end)
}

/// The keys under `prefix` whose next column (encoded as `key`) lies
/// within all of `bounds`, and whether the range holds exactly those
/// (a bound that cannot be encoded, or an inclusive end without a
/// successor, leaves the range wider and the terms to the filter).
fn bounded_range(
    prefix: &[u8],
    bounds: &[(&ValueBound, &ValueBound)],
    key: &KeyColumn,
) -> (KeyRange, bool) {
    let (mut start, mut end) = prefix_range(prefix);
    let mut exact = true;
    for (lower, upper) in bounds {
        for (bound, is_lower) in [(lower, true), (upper, false)] {
            let Some((value, inclusive)) = bound else {
                continue;
            };
            let Ok(e) = encode_key(std::slice::from_ref(value), std::slice::from_ref(key)) else {
                exact = false;
                continue;
            };
            let e = [prefix, &e].concat();
            // A descending column's bytes run against its values.
            let starts = is_lower != key.descending;
            match (starts, *inclusive) {
                (true, true) => start = tighter_start(start, Bound::Included(e)),
                (true, false) => match successor(&e) {
                    Some(after) => start = tighter_start(start, Bound::Included(after)),
                    None => {
                        start = tighter_start(start, Bound::Excluded(e));
                        exact = false;
                    }
                },
                (false, true) => match successor(&e) {
                    Some(after) => end = tighter_end(end, Bound::Excluded(after)),
                    None => exact = false,
                },
                (false, false) => end = tighter_end(end, Bound::Excluded(e)),
            }
        }
    }
    ((start, end), exact)
}

/// `ranges` sorted and merged where they overlap or touch, as an access
/// reads them: in order, each key once. Empty ranges are dropped.
fn union(mut ranges: Vec<KeyRange>) -> Vec<KeyRange> {
    ranges.retain(|r| !is_empty(r));
    ranges.sort_by(|a, b| compare_starts(&a.0, &b.0));
    let mut out: Vec<KeyRange> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match out.last_mut() {
            Some(last) if !ends_before(&last.1, &start) => {
                if compare_ends(&end, &last.1).is_gt() {
                    last.1 = end;
                }
            }
            _ => out.push((start, end)),
        }
    }
    out
}

/// Orders two range starts: unbounded first, then by key, an included
/// key before the same key excluded.
fn compare_starts(a: &Bound<Vec<u8>>, b: &Bound<Vec<u8>>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Bound::Unbounded, Bound::Unbounded) => Ordering::Equal,
        (Bound::Unbounded, _) => Ordering::Less,
        (_, Bound::Unbounded) => Ordering::Greater,
        (Bound::Included(x), Bound::Excluded(y)) if x == y => Ordering::Less,
        (Bound::Excluded(x), Bound::Included(y)) if x == y => Ordering::Greater,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            x.cmp(y)
        }
    }
}

/// Orders two range ends: unbounded last, then by key, an excluded key
/// before the same key included.
fn compare_ends(a: &Bound<Vec<u8>>, b: &Bound<Vec<u8>>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Bound::Unbounded, Bound::Unbounded) => Ordering::Equal,
        (Bound::Unbounded, _) => Ordering::Greater,
        (_, Bound::Unbounded) => Ordering::Less,
        (Bound::Excluded(x), Bound::Included(y)) if x == y => Ordering::Less,
        (Bound::Included(x), Bound::Excluded(y)) if x == y => Ordering::Greater,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            x.cmp(y)
        }
    }
}

/// Whether a range ending at `end` and one starting at `start` (no
/// earlier) share no key (else the two merge).
fn ends_before(end: &Bound<Vec<u8>>, start: &Bound<Vec<u8>>) -> bool {
    match (end, start) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
        (Bound::Included(e), Bound::Included(s)) => e < s,
        (Bound::Included(e) | Bound::Excluded(e), Bound::Included(s) | Bound::Excluded(s)) => {
            e <= s
        }
    }
}

/// Whether a range holds no key.
fn is_empty((start, end): &KeyRange) -> bool {
    match (start, end) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
        (Bound::Included(s), Bound::Included(e)) => s > e,
        (Bound::Included(s) | Bound::Excluded(s), Bound::Excluded(e))
        | (Bound::Excluded(s), Bound::Included(e)) => s >= e,
    }
}

/// How EXPLAIN shows bounds on column `name`: `name >= 1`, `name < 5`.
fn bound_texts(name: &str, lower: &ValueBound, upper: &ValueBound) -> Vec<String> {
    if let (Some((low, true)), Some((high, true))) = (lower, upper)
        && low == high
    {
        return vec![format!("{name} = {}", low.sql_literal())];
    }
    let mut out = Vec::new();
    if let Some((v, inclusive)) = lower {
        let op = if *inclusive { ">=" } else { ">" };
        out.push(format!("{name} {op} {}", v.sql_literal()));
    }
    if let Some((v, inclusive)) = upper {
        let op = if *inclusive { "<=" } else { "<" };
        out.push(format!("{name} {op} {}", v.sql_literal()));
    }
    out
}

/// The entries `ranges` hold in the tree at `root`, counting at most
/// [`COUNTED_RANGES`] of them and extrapolating the rest.
fn estimate(ranges: &[KeyRange], root: Address, counter: EntryCounter) -> Option<u64> {
    let counted = ranges.len().min(COUNTED_RANGES);
    let mut sum = 0u64;
    for r in &ranges[..counted] {
        sum = sum.saturating_add(counter(root, r)?);
    }
    if counted == 0 {
        return Some(0);
    }
    Some(sum.saturating_mul(ranges.len() as u64) / counted as u64)
}

/// An estimate without counts: a point of a unique key is one row, any
/// other point ten, a range a third of the table.
fn guess(candidate: &Candidate, shape: &Shape, total: Option<u64>) -> u64 {
    let table = total.unwrap_or(ASSUMED_TABLE_ROWS);
    let points = candidate.access.ranges.len() as u64;
    if candidate.fixed == shape.columns.len() && shape.unique {
        points
    } else if !candidate.bounded {
        points.saturating_mul(10).min(table)
    } else {
        table / 3
    }
}

fn key_of(b: &Bound<Vec<u8>>) -> Option<&Vec<u8>> {
    match b {
        Bound::Included(k) | Bound::Excluded(k) => Some(k),
        Bound::Unbounded => None,
    }
}

fn tighter_start(a: Bound<Vec<u8>>, b: Bound<Vec<u8>>) -> Bound<Vec<u8>> {
    match (key_of(&a), key_of(&b)) {
        (None, _) => b,
        (_, None) => a,
        (Some(x), Some(y)) if y > x || (y == x && matches!(b, Bound::Excluded(_))) => b,
        _ => a,
    }
}

fn tighter_end(a: Bound<Vec<u8>>, b: Bound<Vec<u8>>) -> Bound<Vec<u8>> {
    match (key_of(&a), key_of(&b)) {
        (None, _) => b,
        (_, None) => a,
        (Some(x), Some(y)) if y < x || (y == x && matches!(b, Bound::Excluded(_))) => b,
        _ => a,
    }
}

/// Makes `plan` (the input of a sort by `keys`) yield its rows in that
/// order by reading an index in order, if it can: through projections and
/// filters down to a scan whose index order starts with the keys (or with
/// all of them reversed). With `limited` (a LIMIT reads only the first
/// rows), a scan with no conditions may switch to a secondary index that
/// gives the order even if it must look rows up. Returns the plan and
/// whether it now yields that order (if not, it is unchanged).
#[recursive::recursive]
pub fn in_order(plan: Plan, keys: &[SortKey], limited: bool) -> (Plan, bool) {
    match plan {
        Plan::Project { source, exprs } => {
            let mut mapped = Vec::with_capacity(keys.len());
            for k in keys {
                match k.expr {
                    Expr::Column(i) if matches!(exprs.get(i), Some(Expr::Column(_))) => mapped
                        .push(SortKey {
                            expr: exprs[i].clone(),
                            ..k.clone()
                        }),
                    _ => return (Plan::Project { source, exprs }, false),
                }
            }
            let (source, ordered) = in_order(*source, &mapped, limited);
            let plan = Plan::Project {
                source: Box::new(source),
                exprs,
            };
            (plan, ordered)
        }
        Plan::Filter { source, predicate } => {
            let (source, ordered) = in_order(*source, keys, limited);
            let plan = Plan::Filter {
                source: Box::new(source),
                predicate,
            };
            (plan, ordered)
        }
        Plan::Scan {
            table,
            mut access,
            filter,
            with_key,
            columns,
        } => {
            let shapes = shapes(&table);
            let current = shapes.iter().find(|s| s.index == access.index);
            let mut found =
                current.and_then(|s| direction(s, &table.schema, keys, access.constant_prefix));
            if found.is_none() && access.is_full() && !access.reverse {
                // A whole-table scan may read another index instead.
                let usable = |s: &&Shape| {
                    limited
                        || s.index
                            .as_ref()
                            .is_none_or(|i| covers(&table, i, columns.as_deref()))
                };
                for shape in shapes.iter().filter(usable) {
                    if let Some(reverse) = direction(shape, &table.schema, keys, 0) {
                        access = Access {
                            index: shape.index.clone(),
                            ..Access::full()
                        };
                        found = Some(reverse);
                        break;
                    }
                }
            }
            if let Some(reverse) = found {
                access.reverse = reverse;
                access.ordered = true;
            }
            let plan = Plan::Scan {
                table,
                access,
                filter,
                with_key,
                columns,
            };
            (plan, found.is_some())
        }
        other => (other, false),
    }
}

/// Whether reading `shape` forward (`Some(false)`) or backward
/// (`Some(true)`) yields rows sorted by `keys`: the keys must be the
/// shape's leading columns, each in the index's direction and NULL
/// placement, or each in the opposite of both.
fn direction(
    shape: &Shape,
    schema: &TableSchema,
    keys: &[SortKey],
    constant: usize,
) -> Option<bool> {
    // A secondary index's entries end with the primary key, so they are
    // in the order of its columns and then of the primary key's.
    let mut order = shape.columns.clone();
    if shape.index.is_some() {
        for tag in &schema.primary_key {
            let p = schema.tag_index(*tag)?;
            order.push((p, KeyColumn::asc(schema.columns[p].data_type.clone())));
        }
    }
    // The leading columns the access fixes to one value are the same in
    // every row: they order nothing, and keys on them sort nothing.
    let (fixed, order) = order.split_at(constant.min(order.len()));
    let keys: Vec<&SortKey> = keys
        .iter()
        .filter(|k| !fixed.iter().any(|(p, _)| k.expr == Expr::Column(*p)))
        .collect();
    if keys.is_empty() && !fixed.is_empty() {
        return Some(false);
    }
    if keys.is_empty() || keys.len() > order.len() {
        return None;
    }
    let mut reverse = None;
    for (k, (position, key)) in keys.iter().zip(order) {
        if k.expr != Expr::Column(*position) {
            return None;
        }
        let nullable = schema.columns[*position].nullable;
        let same =
            k.descending == key.descending && (!nullable || k.nulls_first == key.nulls_first);
        let opposite =
            k.descending != key.descending && (!nullable || k.nulls_first != key.nulls_first);
        let this = if same {
            false
        } else if opposite {
            true
        } else {
            return None;
        };
        if *reverse.get_or_insert(this) != this {
            return None;
        }
    }
    reverse
}
