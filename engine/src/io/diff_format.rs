//! Machine-readable diffs for CI: JSON, JSON lines, CSV and Markdown.
//!
//! - `json`: one document, `{"tables": [{"name", "change", "schema",
//!   "rows": [{"diff_type", "from", "to", "changed"}]}], "views": [...]}`;
//!   rows give every column of both sides by name, jsonb cells as JSON.
//! - `jsonl`: one change per line (a row, a schema change or a view),
//!   each naming its table: streamable.
//! - `csv`: one table's rows: `diff_type`, then `from_<column>` and
//!   `to_<column>` for every column; NULL (and the side a row is missing
//!   from) is an empty field, the empty string `""`, as in every CSV Arbor
//!   writes.
//! - `markdown`: a summary table (rows added, deleted, modified per table)
//!   and up to `SAMPLE` changed rows of each table, for a pull request.
//! - `sql`: a patch script: tables created and dropped, columns added,
//!   dropped, renamed and retyped, then every changed row (deletes first,
//!   then inserts and updates, by primary key), then the constraints that
//!   the new rows must satisfy (NOT NULL, checks, uniques, indexes, a new
//!   primary key, foreign keys; the old ones are dropped before the rows),
//!   and views.

use std::io::Write;

use arbor_schema::Value;
use serde_json::{Map, Value as Json, json};

use super::write::{
    RowFormat, RowWriter, json_value, markdown_cell as md, markdown_value, write_error,
};
use crate::error::{Error, Result, SqlState};
use crate::repo::Repository;
use crate::sql::predicate::RowPredicate;
use crate::table::RowIdentity;
use crate::vc::diff::{DefinitionKind, DiffColumn, DiffStat, RowChange, TableDiff, ViewDiff};
use crate::vc::status::TableChange;

/// Changed rows shown per table in Markdown.
const SAMPLE: usize = 10;

/// The formats a diff is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Tables of changed rows for a terminal.
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per change.
    Jsonl,
    /// One table's rows as CSV.
    Csv,
    /// A summary and a sample of rows, for a pull request or CI job summary.
    Markdown,
    /// A SQL script that turns the old version into the new one
    /// (`arbor sql -f` replays it).
    Sql,
}

/// Which changed rows a diff shows: `--filter`, `--limit`, `--skinny`.
#[derive(Clone, Debug, Default)]
pub struct RowSelection {
    /// Only these kinds (`added`, `modified`, `removed`); all when empty.
    pub kinds: Vec<String>,
    /// At most this many rows per table.
    pub limit: Option<usize>,
    /// Only the key columns and the columns that changed.
    pub skinny: bool,
    /// Only rows for which this SQL predicate holds, over `diff_type`,
    /// `from_<column>` and `to_<column>` (`--where`).
    pub predicate: Option<String>,
}

impl RowSelection {
    /// Whether the selection leaves rows out by what they hold (`--filter`,
    /// `--where`); a limit only stops early.
    pub fn filters_rows(&self) -> bool {
        self.predicate.is_some() || !self.kinds.is_empty()
    }

    /// The compiled `--where` predicate for the rows of `d`, if there is
    /// one: it reads `diff_type`, `from_<column>` and `to_<column>`.
    pub fn predicate_for(&self, d: &TableDiff) -> Result<Option<RowPredicate>> {
        let Some(text) = &self.predicate else {
            return Ok(None);
        };
        let columns = d.columns();
        let mut names = vec!["diff_type".to_owned()];
        names.extend(columns.iter().map(|c| format!("from_{}", c.name)));
        names.extend(columns.iter().map(|c| format!("to_{}", c.name)));
        RowPredicate::compile(text, &names).map(Some)
    }

    /// The error the `--where` predicate gives on `diffs`, found before
    /// anything is written so that a failing diff writes nothing: it must
    /// parse (even with no table to read), name only columns every table
    /// has, and evaluate on every changed row of the kinds selected (an
    /// error there fails the diff, as an error in SQL's WHERE fails the
    /// query, instead of quietly leaving rows out). `Ok(None)`: it holds
    /// up; `Err`: the rows could not be read.
    pub fn predicate_error(
        &self,
        diffs: &[TableDiff],
        repository: &Repository,
    ) -> Result<Option<Error>> {
        let Some(text) = &self.predicate else {
            return Ok(None);
        };
        if let Err(e) = RowPredicate::check_syntax(text) {
            return Ok(Some(e));
        }
        for d in diffs {
            let predicate = match self.predicate_for(d) {
                Ok(p) => p,
                Err(e) => return Ok(Some(e)),
            };
            let width = d.columns().len();
            for change in d.rows(repository)? {
                if let Err(e) = self.takes(predicate.as_ref(), width, &change?) {
                    return Ok(Some(e));
                }
            }
        }
        Ok(None)
    }

    /// Whether the selection takes `change`, a row of a table with `width`
    /// diff columns: its kind is one of `kinds` and `predicate` holds.
    /// Errors are the predicate's.
    fn takes(
        &self,
        predicate: Option<&RowPredicate>,
        width: usize,
        change: &RowChange,
    ) -> Result<bool> {
        let kind = diff_type(change);
        if !(self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind)) {
            return Ok(false);
        }
        let Some(p) = predicate else {
            return Ok(true);
        };
        let side = |r: &Option<Vec<Value>>| r.clone().unwrap_or_else(|| vec![Value::Null; width]);
        let mut row = vec![Value::Text(kind.to_owned())];
        row.extend(side(&change.old));
        row.extend(side(&change.new));
        p.test(&row)
    }

    /// Every changed row of `d` the kinds and the predicate take, without
    /// the limit.
    fn selected<'a>(
        &'a self,
        d: &'a TableDiff,
        repository: &'a Repository,
    ) -> Result<impl Iterator<Item = Result<RowChange>> + 'a> {
        let predicate = self.predicate_for(d)?;
        let width = d.columns().len();
        Ok(d.rows(repository)?.filter_map(move |c| match c {
            Ok(c) => match self.takes(predicate.as_ref(), width, &c) {
                Ok(true) => Some(Ok(c)),
                Ok(false) => None,
                Err(e) => Some(Err(e)),
            },
            Err(e) => Some(Err(e)),
        }))
    }

    /// The selected changed rows of `d`, at most `limit` of them.
    pub fn rows<'a>(
        &'a self,
        d: &'a TableDiff,
        repository: &'a Repository,
    ) -> Result<Box<dyn Iterator<Item = Result<RowChange>> + 'a>> {
        let rows = self.selected(d, repository)?;
        Ok(match self.limit {
            Some(n) => Box::new(rows.take(n)),
            None => Box::new(rows),
        })
    }

    /// Counts the selected changed rows of `d`: all of them, as the limit
    /// caps the rows shown, not the rows counted.
    pub fn stat(&self, d: &TableDiff, repository: &Repository) -> Result<DiffStat> {
        DiffStat::count(self.selected(d, repository)?)
    }

    /// Whether the selection takes any changed row of `d` (the limit aside).
    pub fn selects_any(&self, d: &TableDiff, repository: &Repository) -> Result<bool> {
        Ok(self.selected(d, repository)?.next().transpose()?.is_some())
    }

    /// The columns to show for `rows` of `d`: all, or with `skinny` the
    /// primary key and every column some row changed (added and removed
    /// rows change all of theirs).
    pub fn columns(&self, d: &TableDiff, rows: &[RowChange]) -> Vec<usize> {
        let columns = d.columns();
        if !self.skinny {
            return (0..columns.len()).collect();
        }
        let keys = key_positions(d);
        (0..columns.len())
            .filter(|&i| {
                keys.contains(&i)
                    || rows.iter().any(|r| match (&r.old, &r.new) {
                        (Some(_), Some(_)) => r.changed_cells().contains(&i),
                        _ => true,
                    })
            })
            .collect()
    }
}

fn change_name(c: &TableChange) -> &'static str {
    match c {
        TableChange::Added => "added",
        TableChange::Deleted => "deleted",
        TableChange::Modified => "modified",
        TableChange::Renamed { .. } => "renamed",
    }
}

/// A JSON object's `renamed_from` member for a renamed table.
fn with_renamed_from(mut object: Json, change: &TableChange) -> Json {
    if let (TableChange::Renamed { from }, Some(map)) = (change, object.as_object_mut()) {
        map.insert("renamed_from".into(), Json::String(from.clone()));
    }
    object
}

fn row_object(
    columns: &[DiffColumn],
    row: &Option<Vec<Value>>,
    keep: &dyn Fn(usize) -> bool,
) -> Json {
    match row {
        None => Json::Null,
        Some(values) => Json::Object(
            columns
                .iter()
                .zip(values)
                .enumerate()
                .filter(|(i, _)| keep(*i))
                .map(|(_, (c, v))| (c.name.clone(), json_value(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

fn diff_type(change: &RowChange) -> &'static str {
    match (&change.old, &change.new) {
        (None, _) => "added",
        (_, None) => "removed",
        _ => "modified",
    }
}

/// A changed row as JSON; `skinny` keeps only the key (`keys`) and the
/// changed cells of a modified row.
fn row_json(columns: &[DiffColumn], change: &RowChange, skinny: bool, keys: &[usize]) -> Json {
    let changed_at = change.changed_cells();
    let changed: Vec<&str> = changed_at
        .iter()
        .map(|&i| columns[i].name.as_str())
        .collect();
    let both = change.old.is_some() && change.new.is_some();
    let keep = |i: usize| !skinny || !both || changed_at.contains(&i) || keys.contains(&i);
    json!({
        "diff_type": diff_type(change),
        "from": row_object(columns, &change.old, &keep),
        "to": row_object(columns, &change.new, &keep),
        "changed": changed,
    })
}

/// Positions (in [`TableDiff::columns`]) of the table's primary key columns.
pub fn key_positions(d: &TableDiff) -> Vec<usize> {
    let Some(schema) = d.to.as_ref().or(d.from.as_ref()).map(|t| t.schema.clone()) else {
        return Vec::new();
    };
    let key_names: Vec<&str> = schema
        .primary_key
        .iter()
        .filter_map(|tag| schema.column_by_tag(*tag).map(|c| c.name.as_str()))
        .collect();
    d.columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| key_names.contains(&c.name.as_str()))
        .map(|(i, _)| i)
        .collect()
}

fn schema_lines(d: &TableDiff) -> Vec<String> {
    d.schema
        .as_ref()
        .map(|s| s.to_string().lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn view_json(v: &ViewDiff) -> Json {
    json!({"kind": v.kind.word(), "name": v.name, "from": v.from, "to": v.to})
}

/// Writes the diff in `format`. `Table` is drawn by the front end for a
/// terminal; asking this function for it is an error.
pub fn write_diff(
    out: &mut dyn Write,
    repository: &Repository,
    format: DiffFormat,
    selection: &RowSelection,
    diffs: &[TableDiff],
    views: &[ViewDiff],
) -> Result<()> {
    match format {
        DiffFormat::Table => Err(Error::internal(
            "a diff as a table is drawn by the front end",
        )),
        DiffFormat::Json => {
            let mut tables = Vec::new();
            for d in diffs {
                let columns = d.columns();
                let keys = key_positions(d);
                let rows = selection
                    .rows(d, repository)?
                    .map(|c| c.map(|c| row_json(&columns, &c, selection.skinny, &keys)))
                    .collect::<Result<Vec<_>, _>>()?;
                tables.push(with_renamed_from(
                    json!({
                        "name": d.name,
                        "change": change_name(&d.change),
                        "schema": schema_lines(d),
                        "rows": rows,
                    }),
                    &d.change,
                ));
            }
            let views: Vec<Json> = views.iter().map(view_json).collect();
            let doc = json!({"tables": tables, "views": views});
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| write_error(e.into()))?;
            writeln!(out).map_err(write_error)
        }
        DiffFormat::Jsonl => {
            for d in diffs {
                if d.change != TableChange::Modified {
                    writeln!(
                        out,
                        "{}",
                        with_renamed_from(
                            json!({"table": d.name, "table_change": change_name(&d.change)}),
                            &d.change
                        )
                    )
                    .map_err(write_error)?;
                }
                for line in schema_lines(d) {
                    writeln!(out, "{}", json!({"table": d.name, "schema_change": line}))
                        .map_err(write_error)?;
                }
                let columns = d.columns();
                let keys = key_positions(d);
                for change in selection.rows(d, repository)? {
                    let mut row = row_json(&columns, &change?, selection.skinny, &keys);
                    if let Json::Object(m) = &mut row {
                        m.insert("table".into(), Json::String(d.name.clone()));
                    }
                    writeln!(out, "{row}").map_err(write_error)?;
                }
            }
            for v in views {
                writeln!(
                    out,
                    "{}",
                    json!({v.kind.word(): v.name, "from": v.from, "to": v.to})
                )
                .map_err(write_error)?;
            }
            Ok(())
        }
        DiffFormat::Csv => {
            let d = match diffs {
                [] => return Ok(()),
                [d] => d,
                _ => {
                    let names: Vec<&str> = diffs.iter().map(|d| d.name.as_str()).collect();
                    return Err(Error::new(
                        SqlState::InvalidParameterValue,
                        format!(
                            "a CSV diff shows one table; these changed: {}",
                            names.join(", ")
                        ),
                    ));
                }
            };
            let columns = d.columns();
            let rows: Vec<RowChange> = selection.rows(d, repository)?.collect::<Result<_>>()?;
            let shown = selection.columns(d, &rows);
            let mut header = vec!["diff_type".to_owned()];
            header.extend(shown.iter().map(|&i| format!("from_{}", columns[i].name)));
            header.extend(shown.iter().map(|&i| format!("to_{}", columns[i].name)));
            let mut writer =
                RowWriter::begin(&mut *out, RowFormat::csv(b','), &header).map_err(write_error)?;
            for change in &rows {
                // A side without the row (added, removed) is all NULL.
                let side = |r: &Option<Vec<Value>>| -> Vec<Value> {
                    match r {
                        Some(values) => shown.iter().map(|&i| values[i].clone()).collect(),
                        None => vec![Value::Null; shown.len()],
                    }
                };
                let mut line = vec![Value::Text(diff_type(change).to_owned())];
                line.extend(side(&change.old));
                line.extend(side(&change.new));
                writer.row(&line).map_err(write_error)?;
            }
            writer.end().map_err(write_error)?;
            Ok(())
        }
        DiffFormat::Markdown => markdown(out, repository, selection, diffs, views),
        DiffFormat::Sql => {
            let script = sql_patch(repository, diffs, views)?;
            out.write_all(script.as_bytes()).map_err(write_error)
        }
    }
}

fn markdown(
    out: &mut dyn Write,
    repository: &Repository,
    selection: &RowSelection,
    diffs: &[TableDiff],
    views: &[ViewDiff],
) -> Result<()> {
    let mut text = String::new();
    if diffs.is_empty() && views.is_empty() {
        text.push_str("No differences.\n");
    } else {
        text.push_str(
            "| table | change | rows added | rows deleted | rows modified | cells modified |\n",
        );
        text.push_str("|---|---|---:|---:|---:|---:|\n");
        for d in diffs {
            let s = selection.stat(d, repository)?;
            let how = match (&d.schema, s == DiffStat::default()) {
                (Some(_), false) => "schema and data",
                (Some(_), true) => "schema",
                (None, _) => change_name(&d.change),
            };
            text.push_str(&format!(
                "| {} | {how} | {} | {} | {} | {} |\n",
                md(&d.name),
                s.rows_added,
                s.rows_deleted,
                s.rows_modified,
                s.cells_modified
            ));
        }
        for v in views {
            text.push_str(&format!(
                "| {} | {} | | | | |\n",
                md(&v.name),
                v.kind.word()
            ));
        }
        for d in diffs {
            let columns = d.columns();
            let schema = schema_lines(d);
            let mut rows = selection.rows(d, repository)?;
            let sample: Vec<RowChange> = rows.by_ref().take(SAMPLE).collect::<Result<_>>()?;
            let shown = selection.columns(d, &sample);
            if sample.is_empty() && schema.is_empty() {
                continue;
            }
            text.push_str(&format!("\n### {}\n\n", md(&d.name)));
            for line in &schema {
                text.push_str(&format!("- `{}`\n", line.trim()));
            }
            if sample.is_empty() {
                continue;
            }
            if !schema.is_empty() {
                text.push('\n');
            }
            let names: Vec<String> = shown.iter().map(|&i| md(&columns[i].name)).collect();
            text.push_str(&format!("| | {} |\n", names.join(" | ")));
            text.push_str(&format!("|---|{}\n", "---|".repeat(shown.len())));
            for change in &sample {
                let cells = |r: &Vec<Value>, mark_changed: bool| -> String {
                    let changed = change.changed_cells();
                    r.iter()
                        .enumerate()
                        .filter(|(i, _)| shown.contains(i))
                        .map(|(i, v)| {
                            let c = markdown_value(v);
                            if mark_changed && changed.contains(&i) {
                                format!("**{c}**")
                            } else {
                                c
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" | ")
                };
                match (&change.old, &change.new) {
                    (None, Some(n)) => text.push_str(&format!("| + | {} |\n", cells(n, false))),
                    (Some(o), None) => text.push_str(&format!("| - | {} |\n", cells(o, false))),
                    (Some(o), Some(n)) => {
                        text.push_str(&format!("| < | {} |\n", cells(o, false)));
                        text.push_str(&format!("| > | {} |\n", cells(n, true)));
                    }
                    (None, None) => {}
                }
            }
            if rows.next().is_some() {
                text.push_str(&format!(
                    "\n(only the first {SAMPLE} changed rows are shown)\n"
                ));
            }
        }
    }
    out.write_all(text.as_bytes()).map_err(write_error)
}

/// The rows of a table diff as statements keyed by the new schema's
/// primary key (or, for a table without one, by every column).
fn row_statements(repository: &Repository, d: &TableDiff, script: &mut String) -> Result<()> {
    use arbor_schema::sql_text::{quote_identifier as ident, quote_value as literal};
    let columns = d.columns();
    let table = ident(&d.name);
    let keys = key_positions(d);
    // Conditions that find a row: its key, or all its values when keyless.
    let matching = |values: &[Value], old: bool| -> String {
        let positions: Vec<usize> = if keys.is_empty() {
            (0..columns.len())
                .filter(|&i| {
                    if old {
                        columns[i].from.is_some()
                    } else {
                        columns[i].to.is_some()
                    }
                })
                .collect()
        } else {
            keys.clone()
        };
        let terms: Vec<String> = positions
            .iter()
            .map(|&i| {
                if values[i].is_null() {
                    format!("{} IS NULL", ident(&columns[i].name))
                } else {
                    format!("{} = {}", ident(&columns[i].name), literal(&values[i]))
                }
            })
            .collect();
        terms.join(" AND ")
    };
    let new_columns: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].to.is_some())
        .collect();
    let names: Vec<String> = new_columns
        .iter()
        .map(|&i| ident(&columns[i].name))
        .collect();
    // Deletes first: a row deleted and another inserted with the same
    // unique values (or, after a primary key change, the same row under its
    // old and new keys) must not collide.
    // A keyless table by content: its equal rows lose their last ordinals,
    // so the first one deleted of a group is the number that stay. No
    // statement deletes one of equal rows: all go, and those that stay
    // come back.
    let by_content = d
        .from
        .as_ref()
        .filter(|t| t.identity() == RowIdentity::Content);
    let mut last_group: Option<Vec<u8>> = None;
    for change in d.rows(repository)? {
        let change = change?;
        let (Some(old), None) = (&change.old, &change.new) else {
            continue;
        };
        let mut staying = 0;
        if let Some(from) = by_content {
            let group = from.group_of(&change.key)?;
            if last_group.as_deref() == Some(group) {
                continue;
            }
            last_group = Some(group.to_vec());
            staying = from.content_ordinal(&change.key)?;
        }
        script.push_str(&format!(
            "DELETE FROM {table} WHERE {};\n",
            matching(old, true)
        ));
        for _ in 0..staying {
            let values: Vec<String> = new_columns.iter().map(|&i| literal(&old[i])).collect();
            script.push_str(&format!(
                "INSERT INTO {table} ({}) VALUES ({});\n",
                names.join(", "),
                values.join(", ")
            ));
        }
    }
    for change in d.rows(repository)? {
        let change = change?;
        match (&change.old, &change.new) {
            (Some(_), None) => {}
            (None, Some(new)) => {
                let values: Vec<String> = new_columns.iter().map(|&i| literal(&new[i])).collect();
                script.push_str(&format!(
                    "INSERT INTO {table} ({}) VALUES ({});\n",
                    names.join(", "),
                    values.join(", ")
                ));
            }
            (Some(old), Some(new)) => {
                let sets: Vec<String> = change
                    .changed_cells()
                    .into_iter()
                    .filter(|&i| columns[i].to.is_some())
                    .map(|i| format!("{} = {}", ident(&columns[i].name), literal(&new[i])))
                    .collect();
                if !sets.is_empty() {
                    script.push_str(&format!(
                        "UPDATE {table} SET {} WHERE {};\n",
                        sets.join(", "),
                        matching(old, true)
                    ));
                }
            }
            (None, None) => {}
        }
    }
    Ok(())
}

/// The statements that turn type `name` from definition `from` (`None`: it
/// is new) into `to`: an enum's labels added at the end or renamed in place
/// with `ALTER TYPE`, as the tables using it need; otherwise dropped and
/// made again.
fn type_change(name: &str, from: Option<&str>, to: &str) -> Result<String> {
    use crate::sql::planner::user_types::enum_from_definition;
    use arbor_schema::sql_text::quote_identifier as ident;
    let literal = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let Some(from) = from else {
        return Ok(format!("{to};\n"));
    };
    let (old, new) = (enum_from_definition(from)?, enum_from_definition(to)?);
    let kept = old.labels.len().min(new.labels.len());
    let mut script = String::new();
    if new.labels.len() >= old.labels.len() {
        for (a, b) in old.labels.iter().zip(&new.labels) {
            if a != b {
                script.push_str(&format!(
                    "ALTER TYPE {} RENAME VALUE {} TO {};\n",
                    ident(name),
                    literal(a),
                    literal(b)
                ));
            }
        }
        for label in &new.labels[kept..] {
            script.push_str(&format!(
                "ALTER TYPE {} ADD VALUE {};\n",
                ident(name),
                literal(label)
            ));
        }
        return Ok(script);
    }
    Ok(format!("DROP TYPE {};\n{to};\n", ident(name)))
}

/// A SQL script that turns the old version into the new one.
pub fn sql_patch(
    repository: &Repository,
    diffs: &[TableDiff],
    views: &[ViewDiff],
) -> Result<String> {
    use arbor_schema::diff::{Change, ColumnChange};

    use arbor_schema::sql_text::quote_identifier as ident;
    let mut script = String::new();
    // Comments removed first, while what they describe is still there
    // (a dropped or renamed object takes its comment along in PostgreSQL).
    for v in views
        .iter()
        .filter(|v| v.kind == DefinitionKind::Comment && v.to.is_none())
    {
        if let Some(statement) = crate::sql::comments::statement(&v.name, None) {
            script.push_str(&statement);
            script.push('\n');
        }
    }
    // New and changed types next: the tables' columns may be of them.
    for v in views.iter().filter(|v| v.kind == DefinitionKind::Type) {
        if let Some(to) = &v.to {
            script.push_str(&type_change(&v.name, v.from.as_deref(), to)?);
        }
    }
    for d in diffs {
        // A renamed table keeps its old name until the schema's changes
        // end with the rename (`SchemaDiff::renamed`).
        let renamed_by_schema = d.schema.as_ref().is_some_and(|s| s.renamed.is_some());
        let table = match &d.change {
            TableChange::Renamed { from } if renamed_by_schema => ident(from),
            _ => ident(&d.name),
        };
        match &d.change {
            TableChange::Deleted => {
                script.push_str(&format!("DROP TABLE {table};\n"));
                continue;
            }
            TableChange::Renamed { from } if !renamed_by_schema => {
                script.push_str(&format!("ALTER TABLE {} RENAME TO {table};\n", ident(from)));
            }
            TableChange::Renamed { .. } => {}
            TableChange::Added => {
                let to =
                    d.to.as_ref()
                        .ok_or_else(|| Error::internal("an added table without its schema"))?;
                script.push_str(&to.schema.to_create_sql());
                row_statements(repository, d, &mut script)?;
                continue;
            }
            TableChange::Modified => {}
        }
        let (Some(from), Some(to)) = (&d.from, &d.to) else {
            continue;
        };
        let mut after_rows = Vec::new();
        if let Some(schema) = &d.schema {
            let alter = |what: String| format!("ALTER TABLE {table} {what};\n");
            // A new primary key: the old one goes before the rows change
            // (every row moves to a new key), the new one after.
            if let Some((before, after)) = &schema.primary_key {
                if !before.is_empty() {
                    script.push_str(&alter(format!(
                        "DROP CONSTRAINT {}",
                        ident(&format!("{}_pkey", from.schema.name))
                    )));
                }
                if !after.is_empty() {
                    let columns: Vec<String> = after
                        .iter()
                        .filter_map(|t| to.schema.column_by_tag(*t).map(|c| ident(&c.name)))
                        .collect();
                    after_rows.push(alter(format!("ADD PRIMARY KEY ({})", columns.join(", "))));
                }
            }
            // Foreign keys: dropped before the rows change, added after.
            for c in &schema.foreign_keys {
                if let Change::Dropped(f) | Change::Changed { before: f, .. } = c {
                    script.push_str(&alter(format!("DROP CONSTRAINT {}", ident(&f.name))));
                }
                if let Change::Added(f) | Change::Changed { after: f, .. } = c {
                    after_rows.push(alter(format!("ADD {}", to.schema.foreign_key_sql(f))));
                }
            }
            for c in &schema.columns {
                match c {
                    ColumnChange::Dropped(col) => {
                        script.push_str(&alter(format!("DROP COLUMN {}", ident(&col.name))))
                    }
                    ColumnChange::Added(col) => {
                        let mut what = format!("ADD COLUMN {} {}", ident(&col.name), col.data_type);
                        if let Some(default) = &col.default {
                            what.push_str(&format!(" DEFAULT {default}"));
                        }
                        script.push_str(&alter(what));
                        if !col.nullable {
                            after_rows.push(alter(format!(
                                "ALTER COLUMN {} SET NOT NULL",
                                ident(&col.name)
                            )));
                        }
                    }
                    ColumnChange::Altered { before, after } => {
                        if before.name != after.name {
                            script.push_str(&alter(format!(
                                "RENAME COLUMN {} TO {}",
                                ident(&before.name),
                                ident(&after.name)
                            )));
                        }
                        let name = ident(&after.name);
                        if before.data_type != after.data_type {
                            script.push_str(&alter(format!(
                                "ALTER COLUMN {name} TYPE {}",
                                after.data_type
                            )));
                        }
                        if before.default != after.default {
                            script.push_str(&alter(match &after.default {
                                Some(d) => format!("ALTER COLUMN {name} SET DEFAULT {d}"),
                                None => format!("ALTER COLUMN {name} DROP DEFAULT"),
                            }));
                        }
                        if before.nullable != after.nullable {
                            let what = if after.nullable {
                                "DROP NOT NULL"
                            } else {
                                "SET NOT NULL"
                            };
                            after_rows.push(alter(format!("ALTER COLUMN {name} {what}")));
                        }
                    }
                }
            }
            let column_names = |tags: &[u32]| -> String {
                tags.iter()
                    .filter_map(|t| to.schema.column_by_tag(*t).map(|c| ident(&c.name)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let drop_constraint = |name: &str| alter(format!("DROP CONSTRAINT {}", ident(name)));
            for c in &schema.checks {
                match c {
                    Change::Dropped(k) | Change::Changed { before: k, .. } => {
                        script.push_str(&drop_constraint(&k.name))
                    }
                    Change::Added(_) => {}
                }
                if let Change::Added(k) | Change::Changed { after: k, .. } = c {
                    after_rows.push(alter(format!(
                        "ADD CONSTRAINT {} CHECK ({})",
                        ident(&k.name),
                        k.expression
                    )));
                }
            }
            for c in &schema.uniques {
                match c {
                    Change::Dropped(u) | Change::Changed { before: u, .. } => {
                        script.push_str(&drop_constraint(&u.name))
                    }
                    Change::Added(_) => {}
                }
                if let Change::Added(u) | Change::Changed { after: u, .. } = c {
                    after_rows.push(alter(format!(
                        "ADD CONSTRAINT {} UNIQUE ({})",
                        ident(&u.name),
                        column_names(&u.columns)
                    )));
                }
            }
            for c in &schema.indexes {
                let is_unique_constraint = |name: &str| {
                    to.schema.uniques.iter().any(|u| u.name == name)
                        || from.schema.uniques.iter().any(|u| u.name == name)
                };
                match c {
                    Change::Dropped(i) | Change::Changed { before: i, .. }
                        if !is_unique_constraint(&i.name) =>
                    {
                        script.push_str(&format!("DROP INDEX {};\n", ident(&i.name)));
                    }
                    _ => {}
                }
                if let Change::Added(i) | Change::Changed { after: i, .. } = c
                    && !is_unique_constraint(&i.name)
                {
                    let cols: Vec<String> = i
                        .columns
                        .iter()
                        .filter_map(|(t, desc)| {
                            to.schema.column_by_tag(*t).map(|c| {
                                if *desc {
                                    format!("{} DESC", ident(&c.name))
                                } else {
                                    ident(&c.name)
                                }
                            })
                        })
                        .collect();
                    after_rows.push(format!(
                        "CREATE {}INDEX {} ON {table} ({});\n",
                        if i.unique { "UNIQUE " } else { "" },
                        ident(&i.name),
                        cols.join(", ")
                    ));
                }
            }
            if let Some((_, new_name)) = &schema.renamed {
                after_rows.push(alter(format!("RENAME TO {}", ident(new_name))));
            }
        }
        row_statements(repository, d, &mut script)?;
        for line in after_rows {
            script.push_str(&line);
        }
    }
    for v in views {
        match (v.kind, &v.from, &v.to) {
            (DefinitionKind::View, _, None) => {
                script.push_str(&format!("DROP VIEW {};\n", ident(&v.name)))
            }
            (DefinitionKind::View, _, Some(q)) => script.push_str(&format!(
                "CREATE OR REPLACE VIEW {} AS {q};\n",
                ident(&v.name)
            )),
            // A signature is `name(type, ...)`: the name quoted, the
            // types as PostgreSQL reads them.
            (DefinitionKind::Function, _, None) => {
                let (name, types) = v.name.split_once('(').unwrap_or((&v.name, ")"));
                script.push_str(&format!("DROP FUNCTION {}({types};\n", ident(name)));
            }
            (DefinitionKind::Type, _, None) => {
                script.push_str(&format!("DROP TYPE {};\n", ident(&v.name)))
            }
            // Written before the tables (above).
            (DefinitionKind::Type, _, Some(_)) => {}
            // Removed before the tables (above); set last, when what they
            // describe exists.
            (DefinitionKind::Comment, _, None) => {}
            (DefinitionKind::Comment, _, Some(text)) => {
                if let Some(statement) = crate::sql::comments::statement(&v.name, Some(text)) {
                    script.push_str(&statement);
                    script.push('\n');
                }
            }
            (DefinitionKind::Function, _, Some(definition)) => {
                let replacing = definition
                    .strip_prefix("CREATE FUNCTION ")
                    .map_or(definition.clone(), |rest| {
                        format!("CREATE OR REPLACE FUNCTION {rest}")
                    });
                script.push_str(&format!("{replacing};\n"));
            }
        }
    }
    Ok(script)
}
