//! `arbor conflicts`: show and resolve the conflicts of a merge in progress.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, ResolveArgs};
use arbor_engine::{BranchState, Database, Environment, Table, VcError};
use arbor_schema::Value;

use crate::render;
use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor conflicts`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

impl Args {
    /// Whether this shows conflicts (`conflicts cat`), which may be long.
    pub fn shows_rows(&self) -> bool {
        matches!(self.action, Action::Cat { .. })
    }
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Show each conflict: the row in the base, ours and theirs.
    #[command(after_help = "Examples:\n  arbor conflicts cat\n  arbor conflicts cat orders")]
    Cat {
        /// Only these tables.
        tables: Vec<String>,
    },
    /// Resolve every conflict of the named tables to one side (the
    /// library's arguments and rules, shared with
    /// `SELECT arbor_conflicts_resolve(...)`).
    #[command(about = "Resolve every conflict of the named tables (or . for all) to one side")]
    #[command(
        after_help = "Examples:\n  arbor conflicts resolve --ours orders\n  arbor conflicts resolve --theirs ."
    )]
    Resolve(ResolveArgs),
}

/// A value as a cell of `conflicts cat`.
fn cell(v: &Value) -> String {
    if v.is_null() {
        "NULL".into()
    } else {
        v.to_string()
    }
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    match args.action {
        Action::Cat { tables } => {
            let state = BranchState::read(&repository, &branch)?;
            let Some(conflicts_at) = state.working_set.merge.and_then(|m| m.conflicts) else {
                println!("no conflicts");
                return Ok(ExitCode::SUCCESS);
            };
            let working = repository.read_catalog(&state.working_set.working)?;
            for c in ops::read_conflicts(&repository, conflicts_at)? {
                if !tables.is_empty() && !tables.contains(&c.table) {
                    continue;
                }
                println!("table {}: {}", c.table, c.description);
                let table = working
                    .tables
                    .get(&c.table)
                    .map(|a| Table::from_object(repository.read_table(a)?))
                    .transpose()?;
                let Some(table) = table.filter(|_| !c.key.is_empty()) else {
                    continue;
                };
                let names: Vec<String> = table
                    .schema
                    .columns
                    .iter()
                    .map(|c| c.name.clone())
                    .collect();
                // One aligned table: a header, then base, ours and theirs as
                // the merge found them, and the working row where it is
                // something else (a row the merge wrote and a constraint
                // refuses, or one edited since): never theirs shown as ours.
                let mut lines: Vec<(&str, Vec<String>)> = vec![("", names)];
                let working_row = repository
                    .map(table.object.rows)?
                    .get(&c.key)
                    .map_err(arbor_engine::Error::from)?;
                let mut shown = vec![
                    ("base", &c.versions[0]),
                    ("ours", &c.versions[1]),
                    ("theirs", &c.versions[2]),
                ];
                if working_row != c.versions[1] {
                    shown.push(("working", &working_row));
                }
                for (label, version) in shown {
                    let cells = match version {
                        Some(bytes) => match table.decode(&c.key, bytes) {
                            Ok(row) => row.iter().map(cell).collect(),
                            Err(_) => vec!["(a row of another schema)".to_owned()],
                        },
                        None => vec!["(no row)".to_owned()],
                    };
                    lines.push((label, cells));
                }
                let mut widths: Vec<usize> = Vec::new();
                for (_, cells) in &lines {
                    for (i, c) in cells.iter().enumerate() {
                        if widths.len() <= i {
                            widths.push(0);
                        }
                        widths[i] = widths[i].max(c.chars().count());
                    }
                }
                let label_width = lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
                for (label, cells) in &lines {
                    let padded: Vec<String> = cells
                        .iter()
                        .zip(&widths)
                        .map(|(c, w)| render::pad_right(c, *w))
                        .collect();
                    println!(
                        "  {} | {}",
                        render::pad_right(label, label_width),
                        padded.join(" | ").trim_end()
                    );
                }
            }
        }
        Action::Resolve(args) => {
            let database = Database::from_repository(repository, Environment::default());
            let resolved = match database.branch(&branch)?.resolve_conflicts(&args) {
                // Nothing to resolve is said, and is no failure.
                Err(e) if e.vc == Some(VcError::NoMergeInProgress) => {
                    println!("there is no merge in progress: nothing to resolve");
                    return Ok(ExitCode::SUCCESS);
                }
                other => other?,
            };
            for (table, n) in resolved {
                println!(
                    "resolved {n} conflict{} in {table}",
                    if n == 1 { "" } else { "s" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
