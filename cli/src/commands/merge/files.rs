//! `arbor merge --files base ours theirs`: a three-way, cell-level merge of
//! three versions of a CSV, TSV or PSV file, and Git's merge driver for
//! datasets kept as such files in a Git repository.
//!
//! The three versions are loaded into a scratch repository
//! ([`crate::data_files`]) and merged by the same three-way merge as
//! branches: rows matched by key, cells merged column by column, columns
//! added or dropped on either side combined. Every column is read as text,
//! so a value comes out exactly as it went in.
//!
//! The merged file keeps our file's order and our rows' fields as they were
//! written; a row the merge changed takes its merged values, a row it
//! removed is left out, and rows only they added follow at the end in key
//! order. On a conflict nothing is written: each conflicting row is listed
//! (with its key and the columns both sides changed) and the exit code is
//! 1, which Git takes as "conflicted, resolve by hand".

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::ops::diff_catalogs;
use arbor_engine::{SqlState, Table};
use arbor_schema::Value;

use super::Args;
use arbor_engine::io::{FileFormat, InputFile, RowFormat, RowWriter};

use crate::data_files::{Scratch, columns_of, input_file};
use crate::output::{Existing, Output};
use crate::ui::CliError;

pub fn run(args: &Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let [base, ours, theirs] = args.files.as_slice() else {
        return Err(CliError::new(
            "--files takes three files: base, ours and theirs",
        ));
    };
    let name = args.name.as_deref().unwrap_or(ours);
    let format = match args.file_format.or_else(|| FileFormat::from_path(name)) {
        Some(f @ (FileFormat::Csv | FileFormat::Tsv | FileFormat::Psv)) => f,
        Some(_) => {
            return Err(CliError::new(format!(
                "{}: merge --files merges CSV, TSV and PSV files",
                name.display()
            )));
        }
        None => {
            return Err(CliError::new(format!(
                "cannot tell the format of {} from its name",
                name.display()
            ))
            .with_hint("name it with --file-format csv|tsv|psv, or give Git's %P with --name"));
        }
    };
    let open = |path: &PathBuf, role: &str| -> Result<InputFile, CliError> {
        let mut file = input_file(cwd, path, Some(format), "--file-format")?;
        if args.name.is_some() {
            // Git's copies have temporary names: say which version it is.
            file.name = format!("{} ({role})", name.display());
        }
        Ok(file)
    };
    let files = [
        open(base, "base")?,
        open(ours, "ours")?,
        open(theirs, "theirs")?,
    ];
    let (our_header, _) = files[1]
        .infer_columns(false)
        .map_err(|e| CliError::from(e).without_hint())?;
    let key = if args.key.is_empty() {
        our_header.iter().take(1).cloned().collect()
    } else {
        args.key.clone()
    };
    let columns = columns_of(
        &[Some(&files[0]), Some(&files[1]), Some(&files[2])],
        &key,
        true,
    )?;
    let table = name.display().to_string();
    let mut scratch = Scratch::new(&table, &key)?;
    let first = columns[0].as_ref();
    let mut catalogs = Vec::new();
    for (file, columns) in files.iter().zip(&columns) {
        catalogs.push(scratch.version(first, Some(file).zip(columns.as_ref()))?);
    }
    let repository = scratch.repository();
    let scratch_database =
        arbor_engine::Database::from_repository(repository.clone(), Default::default());
    let (merged, conflicts) =
        scratch_database.merge_catalogs(&catalogs[0], &catalogs[1], &catalogs[2])?;

    let merged_table = match merged.tables.get(&table) {
        Some(address) => Table::from_object(repository.read_table(address)?)?,
        None => return Err(CliError::new("the merge removed the table")),
    };
    let schema = &merged_table.schema;
    let key_positions: Vec<usize> = schema
        .primary_key
        .iter()
        .filter_map(|t| schema.tag_index(*t))
        .collect();
    if !conflicts.is_empty() {
        for c in &conflicts {
            let row = c
                .versions
                .iter()
                .flatten()
                .find_map(|bytes| merged_table.decode(&c.key, bytes).ok());
            let at = match row {
                Some(row) => {
                    let names: Vec<&str> = key_positions
                        .iter()
                        .map(|&i| schema.columns[i].name.as_str())
                        .collect();
                    let values: Vec<String> =
                        key_positions.iter().map(|&i| row[i].to_string()).collect();
                    format!(" row ({})=({})", names.join(", "), values.join(", "))
                }
                None => String::new(),
            };
            eprintln!("CONFLICT in {table}:{at}: {}", c.description);
        }
        eprintln!(
            "{} conflict{}: nothing was written; {} is as it was",
            conflicts.len(),
            if conflicts.len() == 1 { "" } else { "s" },
            match &args.output {
                Some(path) => path.display().to_string(),
                None => files[1].name.clone(),
            }
        );
        return Ok(ExitCode::from(1));
    }

    // What the merge changed relative to our file, by key text.
    let mut changes: BTreeMap<Vec<String>, Option<Vec<Value>>> = BTreeMap::new();
    for d in diff_catalogs(repository, &catalogs[1], &merged, &[])? {
        let columns = d.columns();
        let by_name: Vec<Option<usize>> = schema
            .columns
            .iter()
            .map(|c| columns.iter().position(|dc| dc.name == c.name))
            .collect();
        for change in d.rows(repository)? {
            let change = change?;
            let side = change.new.as_ref().or(change.old.as_ref());
            let Some(values) = side else { continue };
            let key_text = key_positions
                .iter()
                .map(|&i| by_name[i].map_or(String::new(), |p| values[p].to_string()))
                .collect();
            let new = change.new.map(|values| {
                by_name
                    .iter()
                    .map(|p| p.map_or(Value::Null, |p| values[p].clone()))
                    .collect()
            });
            changes.insert(key_text, new);
        }
    }

    let names: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();
    // The file keeps our column order; columns only the merge brought
    // (added on their side) follow.
    let mut order: Vec<usize> = our_header
        .iter()
        .filter_map(|h| names.iter().position(|n| n == h))
        .collect();
    let brought: Vec<usize> = (0..names.len()).filter(|i| !order.contains(i)).collect();
    order.extend(brought);
    let reorder =
        |row: Vec<Value>| -> Vec<Value> { order.iter().map(|&i| row[i].clone()).collect() };
    let out_names: Vec<String> = order.iter().map(|&i| names[i].clone()).collect();
    let delimiter = files[1].delimiter_byte()?;
    let target = args.output.clone().unwrap_or_else(|| ours.clone());
    let mut sink = Output::open(cwd, Some(&target), Existing::Replace)?;
    let mut stream =
        RowWriter::begin(&mut sink, RowFormat::csv(delimiter), &out_names).map_err(write_error)?;
    // Our rows in our order, then the rows only they added.
    files[1].for_each_record(|header, fields| {
        let field = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| fields[i].clone())
        };
        let key_text: Vec<String> = key_positions
            .iter()
            .map(|&i| field(&names[i]).unwrap_or_default())
            .collect();
        let row: Vec<Value> = match changes.remove(&key_text) {
            Some(Some(merged_row)) => merged_row,
            Some(None) => return Ok(()),
            None => names
                .iter()
                .map(|n| field(n).map_or(Value::Null, Value::Text))
                .collect(),
        };
        stream
            .row(&reorder(row))
            .map_err(|e| arbor_engine::Error::new(SqlState::IoError, write_error(e).message))
    })?;
    for row in changes.into_values().flatten() {
        stream.row(&reorder(row)).map_err(write_error)?;
    }
    stream.end().map_err(write_error)?;
    sink.finish()?;
    Ok(ExitCode::SUCCESS)
}

fn write_error(e: io::Error) -> CliError {
    CliError::new(format!("cannot write the merged file: {e}"))
}
