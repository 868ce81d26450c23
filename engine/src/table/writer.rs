//! Writing rows: inserts, updates and deletes, with secondary indexes kept
//! in step and uniqueness enforced.
//!
//! A [`TableWriter`] collects the changes of one statement (or one merge)
//! to one table as sorted edits of its primary index and of each secondary
//! index, then applies them in one batch per map. Nothing is visible until
//! the caller publishes the table's new object.
//!
//! A secondary index is a prolly map whose keys are the encoded index
//! columns followed by the encoded primary key (both encodings are
//! prefix-free, so the pair sorts by index value, then by row), with empty
//! values. A unique index is checked by scanning the prefix of the index
//! values: any entry for another row is a violation. As in PostgreSQL, NULLs
//! never conflict.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arbor_merkle::{Edit, ProllyMap};
use arbor_schema::key::{KeyColumn, encode_key};
use arbor_schema::{TableSchema, Value};

use super::check::{Checks, RowCheck};
use super::{Row, RowIdentity, Table, value_error};
use crate::error::{Error, Result, SqlState};
use crate::objects::TableObject;
use crate::repo::Repository;

/// One secondary index as the writer maintains it.
#[derive(Debug)]
struct IndexState {
    name: String,
    unique: bool,
    positions: Vec<usize>,
    columns: Vec<KeyColumn>,
    map: ProllyMap,
    /// Pending edits: key to present (true) or deleted (false).
    edits: BTreeMap<Vec<u8>, bool>,
}

/// The last key of `map`, if it has any.
fn last_key(map: &ProllyMap) -> Result<Option<Vec<u8>>> {
    use std::ops::Bound::Unbounded;
    Ok(map
        .range_rev(Unbounded, Unbounded)?
        .next()
        .transpose()?
        .map(|(key, _)| key))
}

/// Pending edits a writer holds in memory before applying them to its maps,
/// so a statement that writes millions of rows runs in bounded memory.
const FLUSH_EDITS: usize = 50_000;

/// Collects one statement's changes to one table.
#[derive(Debug)]
pub struct TableWriter {
    pub(super) table: Table,
    pub(super) map: ProllyMap,
    /// The last key of `map` (kept with it), so a key after it needs no
    /// lookup: a bulk load in key order never searches the tree.
    map_last: Option<Vec<u8>>,
    /// Pending primary-index edits: key to new value, or `None` to delete.
    pub(super) edits: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    indexes: Vec<IndexState>,
    /// For a keyless table: the rows in each content group this writer
    /// has touched that holds two or more (fewer are counted again when
    /// needed, so a load of distinct rows keeps nothing here).
    groups: HashMap<Vec<u8>, u64>,
    /// Whether the table was stored keyed by a hidden counter and has been
    /// re-keyed by content here: keys callers read from the stored table
    /// are not this writer's, so a deleted row is found by its values.
    rekeyed: bool,
    checks: Checks,
}

impl TableWriter {
    /// A writer for `table`.
    pub fn new(repo: &Repository, table: Table) -> Result<TableWriter> {
        let rekeyed = table.identity() == RowIdentity::HiddenCounter;
        let table = if rekeyed {
            super::build::keyed_by_content(repo, &table)?
        } else {
            table
        };
        let map = repo.map(table.object.rows)?;
        let mut indexes = Vec::new();
        for def in &table.schema.indexes {
            let root = table
                .object
                .indexes
                .iter()
                .find(|(n, _)| *n == def.name)
                .map(|(_, a)| *a)
                .ok_or_else(|| {
                    Error::new(
                        SqlState::DataCorrupted,
                        format!("index \"{}\" has no data", def.name),
                    )
                })?;
            indexes.push(index_state(&table.schema, def, repo.map(root)?)?);
        }
        let map_last = last_key(&map)?;
        Ok(TableWriter {
            table,
            map,
            map_last,
            edits: BTreeMap::new(),
            indexes,
            groups: HashMap::new(),
            rekeyed,
            checks: Vec::new(),
        })
    }

    /// Enforces `checks` on every row that [`TableWriter::conform`] sees.
    pub fn with_checks(mut self, checks: Checks) -> TableWriter {
        self.checks = checks;
        self
    }

    /// The table being written.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Coerces a full row to the column types and checks NOT NULL.
    pub fn conform(&self, row: Row) -> Result<Row> {
        conform(&self.table.schema, &self.checks, row)
    }

    /// The row stored under `key`, as this statement has left it so far.
    pub fn get(&self, key: &[u8]) -> Result<Option<Row>> {
        let value = match self.edits.get(key) {
            Some(v) => v.clone(),
            None => self.map.get(key)?,
        };
        value.map(|v| self.table.decode(key, &v)).transpose()
    }

    /// The key of a stored row that `row` would collide with on the primary
    /// key or a unique index; with `arbiter`, only on the constraint over
    /// exactly those columns.
    pub fn conflict(&self, row: &[Value], arbiter: Option<&[usize]>) -> Result<Option<Vec<u8>>> {
        let schema = &self.table.schema;
        let same_columns = |positions: &[usize]| {
            arbiter.is_none_or(|a| {
                let (mut x, mut y) = (a.to_vec(), positions.to_vec());
                x.sort_unstable();
                y.sort_unstable();
                x == y
            })
        };
        let own = if self.table.is_keyless() {
            None
        } else {
            let pk: Vec<usize> = schema
                .primary_key
                .iter()
                .filter_map(|t| schema.tag_index(*t))
                .collect();
            let key = self.table.encode_key(row)?;
            if same_columns(&pk) && self.present(&key)? {
                return Ok(Some(key));
            }
            Some(key)
        };
        for i in 0..self.indexes.len() {
            if !self.indexes[i].unique || !same_columns(&self.indexes[i].positions) {
                continue;
            }
            let (index_key, prefix, has_null) =
                self.index_key(i, row, own.as_deref().unwrap_or_default())?;
            if has_null {
                continue;
            }
            if let Some(entry) = self.prefix_owner(i, &prefix, &index_key)? {
                return Ok(Some(entry[prefix.len()..].to_vec()));
            }
        }
        Ok(None)
    }

    fn present(&self, key: &[u8]) -> Result<bool> {
        let after_map = self.map_last.as_deref().is_none_or(|last| key > last);
        if after_map
            && self
                .edits
                .last_key_value()
                .is_none_or(|(last, _)| key > last.as_slice())
        {
            return Ok(false);
        }
        match self.edits.get(key) {
            Some(v) => Ok(v.is_some()),
            None if after_map => Ok(false),
            None => Ok(self.map.contains_key(key)?),
        }
    }

    /// Inserts a conformed row; returns its key.
    pub fn insert(&mut self, row: &[Value]) -> Result<Vec<u8>> {
        let value = self.table.encode_value(row);
        let key = if self.table.is_keyless() {
            // A new key past the group's last: never present.
            self.next_content_key(self.table.content_group(row, &value))?
        } else {
            let key = self.table.encode_key(row)?;
            if self.present(&key)? {
                return Err(self.primary_duplicate(row));
            }
            key
        };
        self.index_row(&key, row)?;
        self.edits.insert(key.clone(), Some(value));
        self.flush_if_large()?;
        Ok(key)
    }

    /// The key of one more keyless row of content group `group` (see
    /// [`Table::content_group`]): the group's next ordinal, which it takes.
    pub(crate) fn next_content_key(&mut self, group: Vec<u8>) -> Result<Vec<u8>> {
        let len = self.group_len(&group)?;
        let key = self.table.content_key(&group, len);
        self.set_group_len(group, len + 1);
        Ok(key)
    }

    /// How many rows content group `group` holds, as this writer has left
    /// it so far.
    fn group_len(&self, group: &[u8]) -> Result<u64> {
        if let Some(len) = self.groups.get(group) {
            return Ok(*len);
        }
        let mut len = 0;
        for (key, value) in self.edits.range(group.to_vec()..) {
            if !key.starts_with(group) {
                break;
            }
            len += u64::from(value.is_some());
        }
        // Every key of the group sorts after the group's prefix.
        if self.map_last.as_deref().is_some_and(|last| group <= last) {
            for entry in self.map.prefix(group)? {
                let (key, _) = entry?;
                len += u64::from(!self.edits.contains_key(&key));
            }
        }
        Ok(len)
    }

    fn set_group_len(&mut self, group: Vec<u8>, len: u64) {
        if len >= 2 {
            self.groups.insert(group, len);
        } else {
            self.groups.remove(&group);
        }
    }

    /// Inserts an encoded row (see `bulk`), refusing a duplicate key.
    /// `index_prefixes` are the row's values in each secondary index (the
    /// encoded prefix, and whether a value is NULL), in index order.
    pub(crate) fn insert_encoded<'p>(
        &mut self,
        key: &[u8],
        value: &[u8],
        index_prefixes: impl Iterator<Item = (&'p [u8], bool)>,
    ) -> Result<()> {
        if self.present(key)? {
            let row = self.table.decode(key, value)?;
            return Err(self.primary_duplicate(&row));
        }
        self.add_index_entries(key, value, index_prefixes)?;
        self.edits.insert(key.to_vec(), Some(value.to_vec()));
        self.flush_if_large()
    }

    /// Adds an encoded row (stored under `key`, its values `value`) to
    /// every secondary index, refusing a duplicate in a unique one (see
    /// [`TableWriter::insert_encoded`]). For a row whose primary entry goes
    /// elsewhere (a bulk load's new tree).
    pub(crate) fn index_encoded<'p>(
        &mut self,
        key: &[u8],
        value: &[u8],
        index_prefixes: impl Iterator<Item = (&'p [u8], bool)>,
    ) -> Result<()> {
        self.add_index_entries(key, value, index_prefixes)?;
        self.flush_if_large()
    }

    /// [`TableWriter::index_encoded`] without applying the edits.
    fn add_index_entries<'p>(
        &mut self,
        key: &[u8],
        value: &[u8],
        index_prefixes: impl Iterator<Item = (&'p [u8], bool)>,
    ) -> Result<()> {
        for (i, (prefix, has_null)) in index_prefixes.enumerate() {
            let mut index_key = Vec::with_capacity(prefix.len() + key.len());
            index_key.extend_from_slice(prefix);
            index_key.extend_from_slice(key);
            if !self.add_index_entry(i, index_key, prefix, has_null)? {
                let row = self.table.decode(key, value)?;
                return Err(self.index_duplicate(i, &row));
            }
        }
        Ok(())
    }

    /// Whether the table has no rows, before and after this statement so far.
    pub(crate) fn is_empty(&self) -> bool {
        self.map_last.is_none() && self.edits.is_empty()
    }

    /// Makes `map` the table's rows, as if every entry of it had been
    /// inserted: for a writer whose table was empty (see `bulk`).
    pub(crate) fn set_rows(&mut self, map: ProllyMap) -> Result<()> {
        debug_assert!(self.is_empty());
        self.map_last = last_key(&map)?;
        self.map = map;
        Ok(())
    }

    /// Adds `row` (stored under primary key `key`) to every secondary index,
    /// refusing a duplicate in a unique one.
    pub fn index_row(&mut self, key: &[u8], row: &[Value]) -> Result<()> {
        for i in 0..self.indexes.len() {
            let (index_key, prefix, has_null) = self.index_key(i, row, key)?;
            if !self.add_index_entry(i, index_key, &prefix, has_null)? {
                return Err(self.index_duplicate(i, row));
            }
        }
        Ok(())
    }

    /// Adds `index_key` (which starts with `prefix`, the row's values in
    /// the index) to index `i`; `false` if the index is unique and another
    /// row holds those values (NULLs never collide).
    fn add_index_entry(
        &mut self,
        i: usize,
        index_key: Vec<u8>,
        prefix: &[u8],
        has_null: bool,
    ) -> Result<bool> {
        let idx = &self.indexes[i];
        if idx.unique && !has_null && self.prefix_owner(i, prefix, &index_key)?.is_some() {
            return Ok(false);
        }
        self.indexes[i].edits.insert(index_key, true);
        Ok(true)
    }

    /// The error for `row` colliding with another on the primary key.
    fn primary_duplicate(&self, row: &[Value]) -> Error {
        self.duplicate(
            &format!("{}_pkey", self.table.name()),
            &self.table.schema.primary_key,
            row,
        )
    }

    /// The error for `row` colliding with another in unique index `i`.
    fn index_duplicate(&self, i: usize, row: &[Value]) -> Error {
        let idx = &self.indexes[i];
        let tags: Vec<u32> = idx
            .positions
            .iter()
            .map(|p| self.table.schema.columns[*p].tag)
            .collect();
        self.duplicate(&idx.name, &tags, row)
    }

    /// Adds `row` to every secondary index without the uniqueness check: a
    /// merge keeps a row that violates a unique index, and records the
    /// violation as a conflict to resolve.
    pub fn index_row_unchecked(&mut self, key: &[u8], row: &[Value]) -> Result<()> {
        for i in 0..self.indexes.len() {
            let (index_key, _, _) = self.index_key(i, row, key)?;
            self.indexes[i].edits.insert(index_key, true);
        }
        Ok(())
    }

    /// Evaluates `row` against the NOT NULL columns and `checks` of the
    /// table: the first constraint it violates, described.
    pub fn violation(&self, row: &[Value], checks: &[Arc<dyn RowCheck>]) -> Result<Option<String>> {
        for (v, c) in row.iter().zip(&self.table.schema.columns) {
            if v.is_null() && !c.nullable {
                return Ok(Some(format!("violates NOT NULL on column {}", c.name)));
            }
        }
        for check in checks {
            if !check.holds(row)? {
                return Ok(Some(format!(
                    "violates check constraint \"{}\"",
                    check.name()
                )));
            }
        }
        Ok(None)
    }

    /// Removes `row` (stored under primary key `key`) from every secondary index.
    pub fn unindex_row(&mut self, key: &[u8], row: &[Value]) -> Result<()> {
        for i in 0..self.indexes.len() {
            let (index_key, _, _) = self.index_key(i, row, key)?;
            self.indexes[i].edits.insert(index_key, false);
        }
        Ok(())
    }

    /// Deletes the row stored under `key`, whose values are `row`.
    ///
    /// In a keyless table any row of the group goes, as all hold the same
    /// values: the last ordinal, so the group keeps ordinals `0..n`.
    pub fn delete(&mut self, key: &[u8], row: &[Value]) -> Result<()> {
        let key = if self.table.is_keyless() {
            let group = if self.rekeyed {
                self.table.content_group(row, &self.table.encode_value(row))
            } else {
                self.table.group_of(key)?.to_vec()
            };
            let len = self.group_len(&group)?;
            if len == 0 {
                return Err(Error::internal("a deleted row is not stored"));
            }
            let last = self.table.content_key(&group, len - 1);
            self.set_group_len(group, len - 1);
            last
        } else {
            key.to_vec()
        };
        self.unindex_row(&key, row)?;
        self.edits.insert(key, None);
        self.flush_if_large()
    }

    /// The index entry key for `row`, the prefix of its index values, and
    /// whether any index value is NULL.
    fn index_key(
        &self,
        i: usize,
        row: &[Value],
        primary_key: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>, bool)> {
        let idx = &self.indexes[i];
        let values: Vec<Value> = idx.positions.iter().map(|p| row[*p].clone()).collect();
        let has_null = values.iter().any(Value::is_null);
        let prefix = encode_key(&values, &idx.columns).map_err(value_error)?;
        let mut key = prefix.clone();
        key.extend_from_slice(primary_key);
        Ok((key, prefix, has_null))
    }

    /// An entry other than `own` that starts with `prefix` in index `i`.
    fn prefix_owner(&self, i: usize, prefix: &[u8], own: &[u8]) -> Result<Option<Vec<u8>>> {
        let idx = &self.indexes[i];
        for (k, present) in idx.edits.range(prefix.to_vec()..) {
            if !k.starts_with(prefix) {
                break;
            }
            if *present && k.as_slice() != own {
                return Ok(Some(k.clone()));
            }
        }
        for entry in idx.map.prefix(prefix)? {
            let (k, _) = entry?;
            let deleted = idx.edits.get(&k) == Some(&false);
            if !deleted && k != own {
                return Ok(Some(k));
            }
        }
        Ok(None)
    }

    fn duplicate(&self, constraint: &str, tags: &[u32], row: &[Value]) -> Error {
        let schema = &self.table.schema;
        let positions: Vec<usize> = tags.iter().filter_map(|t| schema.tag_index(*t)).collect();
        let names: Vec<&str> = positions
            .iter()
            .map(|i| schema.columns[*i].name.as_str())
            .collect();
        let values: Vec<String> = positions.iter().map(|i| row[*i].to_string()).collect();
        Error::new(
            SqlState::UniqueViolation,
            format!("duplicate key value violates unique constraint \"{constraint}\""),
        )
        .with_detail(format!(
            "Key ({})=({}) already exists.",
            names.join(", "),
            values.join(", ")
        ))
        .with_table(&schema.name)
        .with_constraint(constraint)
    }

    /// Applies the pending edits to the maps once there are many of them.
    /// Nothing refers to the new maps until the statement publishes, so a
    /// statement that fails later leaves only unreachable chunks behind.
    fn flush_if_large(&mut self) -> Result<()> {
        let index_edits: usize = self.indexes.iter().map(|i| i.edits.len()).sum();
        if self.edits.len() + index_edits >= FLUSH_EDITS {
            self.flush()?;
        }
        Ok(())
    }

    /// Applies every pending edit to the maps.
    fn flush(&mut self) -> Result<()> {
        let edits = std::mem::take(&mut self.edits);
        self.map = self
            .map
            .edit(edits.into_iter().map(|(key, value)| Edit { key, value }))?;
        self.map_last = last_key(&self.map)?;
        for idx in &mut self.indexes {
            let edits = std::mem::take(&mut idx.edits);
            idx.map = idx.map.edit(edits.into_iter().map(|(key, present)| Edit {
                key,
                value: present.then(Vec::new),
            }))?;
        }
        Ok(())
    }

    /// Applies every pending edit and returns the table's new object.
    pub fn finish(mut self) -> Result<TableObject> {
        self.flush()?;
        let mut indexes: Vec<_> = self
            .indexes
            .iter()
            .map(|idx| (idx.name.clone(), idx.map.root()))
            .collect();
        indexes.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(TableObject {
            schema: self.table.object.schema.clone(),
            rows: self.map.root(),
            indexes,
            // Kept as stored for tables with a primary key (it means
            // nothing to them); a keyless table is now keyed by content.
            next_row_id: match self.table.identity() {
                RowIdentity::PrimaryKey => self.table.object.next_row_id,
                _ => 0,
            },
        })
    }
}

/// Coerces a full row of `schema`'s table to the column types, and checks
/// NOT NULL and `checks`.
pub fn conform(schema: &TableSchema, checks: &[Arc<dyn RowCheck>], mut row: Row) -> Result<Row> {
    conform_in_place(schema, checks, &mut row)?;
    Ok(row)
}

/// [`conform`] in place.
pub fn conform_in_place(
    schema: &TableSchema,
    checks: &[Arc<dyn RowCheck>],
    row: &mut Row,
) -> Result<()> {
    row.truncate(schema.columns.len());
    let mut null_in = None;
    for (slot, c) in row.iter_mut().zip(&schema.columns) {
        let v = std::mem::replace(slot, Value::Null);
        let v = arbor_schema::cast::assign(v, &c.data_type)
            .map_err(value_error)
            .map_err(|e| {
                if matches!(
                    e.code,
                    SqlState::InvalidTextRepresentation | SqlState::CannotCoerce
                ) {
                    Error::new(
                        SqlState::DatatypeMismatch,
                        format!(
                            "column \"{}\" is of type {} but expression is of another type",
                            c.name, c.data_type
                        ),
                    )
                    .with_hint("You will need to rewrite or cast the expression.")
                    .with_detail(e.into_fields().message)
                } else {
                    e
                }
            })?;
        if let Value::Text(text) = &v
            && text.contains('\0')
        {
            // Text never holds NUL, as in PostgreSQL (and as `chr(0)` is
            // refused), whether it came from SQL, a CSV or a JSON file.
            return Err(Error::new(
                SqlState::CharacterNotInRepertoire,
                "invalid byte sequence for encoding \"UTF8\": 0x00",
            )
            .with_table(&schema.name)
            .with_column(&c.name));
        }
        if v.is_null() && !c.nullable && null_in.is_none() {
            null_in = Some(c);
        }
        *slot = v;
    }
    // Checked once the whole row is conformed, so the detail shows it.
    if let Some(c) = null_in {
        return Err(Error::new(
            SqlState::NotNullViolation,
            format!(
                "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                c.name, schema.name
            ),
        )
        .with_detail(failing_row(row))
        .with_table(&schema.name)
        .with_column(&c.name));
    }
    for check in checks {
        if !check.holds(row)? {
            return Err(Error::new(
                SqlState::CheckViolation,
                format!(
                    "new row for relation \"{}\" violates check constraint \"{}\"",
                    schema.name,
                    check.name()
                ),
            )
            .with_detail(failing_row(row))
            .with_table(&schema.name)
            .with_constraint(check.name()));
        }
    }
    Ok(())
}

/// PostgreSQL's DETAIL for a row a constraint refuses: `Failing row
/// contains (1, null, x).`
pub fn failing_row(row: &[Value]) -> String {
    let values: Vec<String> = row
        .iter()
        .map(|v| {
            if v.is_null() {
                "null".to_owned()
            } else {
                v.to_string()
            }
        })
        .collect();
    format!("Failing row contains ({}).", values.join(", "))
}

fn index_state(
    schema: &TableSchema,
    def: &arbor_schema::table::Index,
    map: ProllyMap,
) -> Result<IndexState> {
    let (positions, columns) = index_columns(schema, def)?;
    Ok(IndexState {
        name: def.name.clone(),
        unique: def.unique,
        positions,
        columns,
        map,
        edits: BTreeMap::new(),
    })
}

/// The schema positions of index `def`'s columns, and their key columns
/// (types and directions).
pub(crate) fn index_columns(
    schema: &TableSchema,
    def: &arbor_schema::table::Index,
) -> Result<(Vec<usize>, Vec<KeyColumn>)> {
    let mut positions = Vec::new();
    let mut columns = Vec::new();
    for (tag, descending) in &def.columns {
        let p = schema.tag_index(*tag).ok_or_else(|| {
            Error::new(
                SqlState::DataCorrupted,
                format!("index \"{}\" names a missing column", def.name),
            )
        })?;
        positions.push(p);
        let mut c = KeyColumn::asc(schema.columns[p].data_type.clone());
        if *descending {
            c = KeyColumn::desc(schema.columns[p].data_type.clone());
        }
        columns.push(c);
    }
    Ok((positions, columns))
}
