//! What the version-control commands share: opening the repository,
//! resolving revisions, and printing commits and diffs the way Git does.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use arbor_engine::ops::SequenceDone;
use arbor_engine::{
    Commit, DiffStat, Fetched, MergeOutcome, Repository, RowChange, SequenceKind, SequenceOutcome,
    StepAction, TableChange, TableDiff, ViewDiff, ops,
};
use arbor_merkle::{Address, DiskStore};
use arbor_schema::Value;

use crate::terminal::{self, Role};
use crate::ui::CliError;
use arbor_engine::io::RowSelection;

/// The repository containing `cwd`, or a clear error.
pub fn repository_dir(cwd: &Path) -> Result<std::path::PathBuf, CliError> {
    ops::find_repository(cwd).ok_or_else(|| {
        CliError::new(format!("{} is not in an Arbor repository", cwd.display()))
            .with_hint("create one with `arbor init`, or point at one with `arbor -C <dir> ...`")
    })
}

/// The repository containing `cwd`, open for writing.
pub fn open(cwd: &Path) -> Result<Repository, CliError> {
    let dir = repository_dir(cwd)?;
    Ok(sized(Repository::open(ops::open_disk_store(&dir)?)?))
}

/// The repository containing `cwd`, open for reading only (no lock: it
/// runs beside a writer, seeing the last published state).
pub fn open_read_only(cwd: &Path) -> Result<Repository, CliError> {
    let dir = repository_dir(cwd)?;
    Ok(sized(Repository::open(read_only_store(&dir)?)?))
}

/// The store of the repository in `dir`, for reading only. A damaged journal
/// is read as of its last valid state, and the user is told so on stderr.
pub fn read_only_store(dir: &Path) -> Result<Arc<DiskStore>, CliError> {
    let store = ops::open_disk_store_read_only(dir)?;
    warn_if_damaged(&store);
    Ok(store)
}

/// Tells the user, on stderr, that `store` reads a damaged journal only up
/// to the damage.
pub fn warn_if_damaged(store: &DiskStore) {
    if let Some(damage) = store.damage() {
        eprintln!("warning: {}", ops::describe_damage(&damage));
    }
}

/// `repository` with its cache of decoded nodes sized by `ARBOR_CACHE_MB`
/// when that is set (the library's default otherwise).
pub fn sized(repository: Repository) -> Repository {
    sized_or(repository, None)
}

/// [`sized`], for a process that runs one script and ends (`sql -q`,
/// `sql -f`): without `ARBOR_CACHE_MB`, a cache of [`SCRIPT_CACHE_BYTES`].
/// Nodes cached for later statements of a shell or a server are of no use
/// once the process ends; a whole-table aggregate keeps 80 MB of peak
/// memory instead of 230 MB, in the same time.
pub fn sized_for_a_script(repository: Repository) -> Repository {
    sized_or(repository, Some(SCRIPT_CACHE_BYTES))
}

/// The node cache of a process that runs one script: the internal nodes
/// of tables of tens of millions of rows, and the leaves a statement reads
/// more than once.
const SCRIPT_CACHE_BYTES: usize = 32 << 20;

fn sized_or(repository: Repository, default: Option<usize>) -> Repository {
    let configured = std::env::var("ARBOR_CACHE_MB")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map(|mb| mb << 20);
    if let Some(bytes) = configured.or(default) {
        repository.nodes().limit_cache(bytes);
    }
    repository
}

/// Keeps `repository`'s node cache small, for a command that reads each
/// node once (an export, a diff): a big cache would only hold memory.
pub fn read_once(repository: &Repository) {
    repository.nodes().limit_cache(16 << 20);
}

/// Resolves a revision against the checked-out branch.
pub fn resolve(repository: &Repository, revision: &str) -> Result<Address, CliError> {
    let head = ops::current_branch(repository)?;
    Ok(ops::resolve_revision(repository, &head, revision)?)
}

/// A commit time as Git prints it: `2024-01-31 12:00:00 +0100`.
pub fn format_time(seconds: i64, offset_minutes: i64) -> String {
    let local = chrono::DateTime::from_timestamp(seconds + offset_minutes * 60, 0).map_or_else(
        || seconds.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    );
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.abs();
    format!("{local} {sign}{:02}{:02}", off / 60, off % 60)
}

/// Prints a commit's header and message, as `git log` does.
pub fn print_commit(out: &mut dyn Write, address: &Address, commit: &Commit) -> io::Result<()> {
    print_decorated_commit(out, address, commit, "")
}

/// [`print_commit`] with `decoration` (see [`Decorations`]) after the hash.
pub fn print_decorated_commit(
    out: &mut dyn Write,
    address: &Address,
    commit: &Commit,
    decoration: &str,
) -> io::Result<()> {
    let hash = format!("commit {}", address.to_hex());
    writeln!(out, "{}{decoration}", terminal::paint(Role::Hash, &hash))?;
    if commit.parents.len() > 1 {
        let parents: Vec<String> = commit.parents.iter().map(|p| p.short(8)).collect();
        writeln!(out, "Merge: {}", parents.join(" "))?;
    }
    writeln!(
        out,
        "Author: {} <{}>",
        commit.author.name, commit.author.email
    )?;
    writeln!(
        out,
        "Date:   {}",
        format_time(commit.author.time, commit.author.offset_minutes)
    )?;
    writeln!(out)?;
    for line in commit.message.lines() {
        writeln!(out, "    {line}")?;
    }
    writeln!(out)
}

/// The names pointing at each commit, as `git log` decorates it:
/// `HEAD -> main`, other branches, remote-tracking branches and `tag: v1`.
#[derive(Debug, Default)]
pub struct Decorations {
    names: std::collections::HashMap<Address, Vec<(Role, String)>>,
}

impl Decorations {
    /// The names in `repository`'s refs, `current` being the checked-out
    /// branch.
    pub fn read(repository: &Repository, current: &str) -> Result<Decorations, CliError> {
        let mut names: std::collections::HashMap<Address, Vec<(Role, String)>> = Default::default();
        for (name, address) in repository.store_root()?.refs {
            let (role, shown, commit) = if let Some(b) = name.strip_prefix("refs/heads/") {
                let shown = if b == current {
                    format!("HEAD -> {b}")
                } else {
                    b.to_owned()
                };
                let role = if b == current {
                    Role::Head
                } else {
                    Role::Branch
                };
                (role, shown, address)
            } else if let Some(r) = name.strip_prefix("refs/remotes/") {
                (Role::RemoteBranch, r.to_owned(), address)
            } else if let Some(t) = name.strip_prefix("refs/tags/") {
                let commit = match repository.read_tag(&address)? {
                    Some(tag) => tag.commit,
                    None => address,
                };
                (Role::Tag, format!("tag: {t}"), commit)
            } else {
                continue;
            };
            names.entry(commit).or_default().push((role, shown));
        }
        for list in names.values_mut() {
            // HEAD first, then branches, remote ones, tags; each by name.
            list.sort_by_key(|(role, name)| {
                let rank = [Role::Head, Role::Branch, Role::RemoteBranch, Role::Tag]
                    .iter()
                    .position(|r| r == role);
                (rank, name.clone())
            });
        }
        Ok(Decorations { names })
    }

    /// ` (HEAD -> main, tag: v1)` for `commit`, painted; empty without names.
    pub fn of(&self, commit: &Address) -> String {
        let Some(list) = self.names.get(commit) else {
            return String::new();
        };
        let painted: Vec<String> = list
            .iter()
            .map(|(role, name)| match name.split_once(" -> ") {
                Some((head, branch)) => format!(
                    "{} -> {}",
                    terminal::paint(Role::Head, head),
                    terminal::paint(Role::Branch, branch)
                ),
                None => terminal::paint(*role, name).into_owned(),
            })
            .collect();
        let open = terminal::paint(Role::Hash, " (");
        let close = terminal::paint(Role::Hash, ")");
        format!(
            "{open}{}{close}",
            painted.join(&terminal::paint(Role::Hash, ", "))
        )
    }
}

/// An annotated tag as `arbor show` prints it before its commit.
pub fn print_tag(out: &mut dyn Write, tag: &arbor_engine::TagObject) -> io::Result<()> {
    writeln!(out, "tag {}", tag.name)?;
    writeln!(out, "Tagger: {} <{}>", tag.tagger.name, tag.tagger.email)?;
    writeln!(
        out,
        "Date:   {}",
        format_time(tag.tagger.time, tag.tagger.offset_minutes)
    )?;
    writeln!(out)?;
    for line in tag.message.lines() {
        writeln!(out, "{line}")?;
    }
    writeln!(out)
}

/// The first line of a commit message.
pub fn subject(commit: &Commit) -> &str {
    commit.message.lines().next().unwrap_or_default()
}

/// A value as one line of a diff table: line breaks and tabs are shown
/// escaped (`\n`, `\r`, `\t`) so that a cell never breaks the table.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        other => {
            let text = other.to_string();
            if text.contains(['\n', '\r', '\t']) {
                text.replace('\n', "\\n")
                    .replace('\r', "\\r")
                    .replace('\t', "\\t")
            } else {
                text
            }
        }
    }
}

/// `line` in the colour for a diff line starting with `mark` (added and
/// after, removed and before, changed, a heading), or as it is without
/// `color`.
fn paint(color: bool, mark: char, line: &str) -> String {
    let role = match mark {
        '+' | '>' => Role::Added,
        '-' | '<' => Role::Removed,
        '~' => Role::Changed,
        'h' => Role::Heading,
        _ => return line.to_owned(),
    };
    terminal::paint_if(color, role, line).into_owned()
}

/// The `--stat` line of one table's diff: rows and cells changed (only
/// those `selection` picks), or `None` when filtering leaves nothing of
/// a table whose schema stayed.
pub fn stat_line(
    repository: &Repository,
    d: &TableDiff,
    selection: &RowSelection,
) -> Result<Option<String>, CliError> {
    let s = selection.stat(d, repository)?;
    let renamed;
    let table = match &d.change {
        TableChange::Added => Some("table added"),
        TableChange::Deleted => Some("table deleted"),
        TableChange::Renamed { from } => {
            renamed = format!("renamed from {from}");
            Some(renamed.as_str())
        }
        TableChange::Modified if d.schema.is_some() => Some("schema changed"),
        TableChange::Modified => None,
    };
    if selection.filters_rows() && table.is_none() && s == DiffStat::default() {
        return Ok(None);
    }
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let rows = format!(
        "{} added, {} deleted, {} modified, {} modified",
        count(s.rows_added, "row", "rows"),
        count(s.rows_deleted, "row", "rows"),
        count(s.rows_modified, "row", "rows"),
        count(s.cells_modified, "cell", "cells"),
    );
    Ok(Some(match table {
        Some(table) => format!("{}: {table}, {rows}", d.name),
        None => format!("{}: {rows}", d.name),
    }))
}

/// Prints what `commit` changed from its first parent (as `show` and
/// `log -p` do): each table's diff, or with `stat` each table's `--stat`
/// line; then the views.
pub fn print_commit_changes(
    out: &mut dyn Write,
    repository: &Repository,
    commit: &Commit,
    stat: bool,
) -> Result<(), CliError> {
    let write = |e: io::Error| CliError::new(format!("cannot write output: {e}"));
    let parent = match commit.parents.first() {
        Some(p) => repository.read_catalog(&repository.read_commit(p)?.catalog)?,
        None => Default::default(),
    };
    let catalog = repository.read_catalog(&commit.catalog)?;
    let selection = RowSelection::default();
    for d in ops::diff_catalogs(repository, &parent, &catalog, &[])? {
        if stat {
            if let Some(line) = stat_line(repository, &d, &selection)? {
                writeln!(out, " {line}").map_err(write)?;
            }
        } else {
            print_table_diff(out, repository, &d, &selection, terminal::color())?;
        }
    }
    for v in ops::diff_views(&parent, &catalog, &[]) {
        if stat {
            writeln!(out, " {} {} {}", v.kind.word(), v.name, view_change(&v)).map_err(write)?;
        } else {
            write_view_change(out, &v).map_err(write)?;
        }
    }
    Ok(())
}

/// How a view or function changed: added, dropped or changed.
pub fn view_change(v: &ViewDiff) -> &'static str {
    match (&v.from, &v.to) {
        (None, _) => "added",
        (_, None) => "dropped",
        _ => "changed",
    }
}

/// A view's or function's change with its old (`-`) and new (`+`)
/// definition.
pub fn write_view_change(out: &mut dyn Write, v: &ViewDiff) -> io::Result<()> {
    writeln!(out, "{} {} {}", v.kind.word(), v.name, view_change(v))?;
    if let Some(old) = &v.from {
        writeln!(out, "- {old}")?;
    }
    if let Some(new) = &v.to {
        writeln!(out, "+ {new}")?;
    }
    Ok(())
}

/// Prints one table's diff: schema changes, then a table of changed rows
/// marked `+` (added), `-` (deleted), `<` and `>` (a modified row before
/// and after; changed cells are starred on the `>` line); in color with
/// `color`.
pub fn print_table_diff(
    out: &mut dyn Write,
    repository: &Repository,
    diff: &TableDiff,
    selection: &RowSelection,
    color: bool,
) -> Result<(), CliError> {
    print_table_heading(out, diff, color)?;
    print_changed_rows(out, repository, diff, selection, color)
}

/// The first part of [`print_table_diff`]: the table's heading, whether it
/// was added or deleted, and its schema changes (`diff --schema` prints
/// only this).
pub fn print_table_heading(
    out: &mut dyn Write,
    diff: &TableDiff,
    color: bool,
) -> Result<(), CliError> {
    let write = |e: io::Error| CliError::new(format!("cannot write output: {e}"));
    let name = &diff.name;
    // A renamed table, as Git shows a renamed file.
    let old_name = match &diff.change {
        TableChange::Renamed { from } => from,
        _ => name,
    };
    let heading = format!("diff --arbor a/{old_name} b/{name}");
    writeln!(out, "{}", paint(color, 'h', &heading)).map_err(write)?;
    match &diff.change {
        TableChange::Added => writeln!(out, "added table {name}").map_err(write)?,
        TableChange::Deleted => writeln!(out, "deleted table {name}").map_err(write)?,
        TableChange::Renamed { from } => {
            writeln!(out, "rename from {from}\nrename to {name}").map_err(write)?
        }
        TableChange::Modified => {}
    }
    writeln!(out, "--- a/{old_name}\n+++ b/{name}").map_err(write)?;
    if let Some(schema) = &diff.schema {
        for line in schema_lines(schema) {
            let mark = line.chars().next().unwrap_or(' ');
            writeln!(out, "{}", paint(color, mark, &line)).map_err(write)?;
        }
    }
    Ok(())
}

/// The second part of [`print_table_diff`]: the changed rows.
fn print_changed_rows(
    out: &mut dyn Write,
    repository: &Repository,
    diff: &TableDiff,
    selection: &RowSelection,
    color: bool,
) -> Result<(), CliError> {
    let write = |e: io::Error| CliError::new(format!("cannot write output: {e}"));
    let all_columns = diff.columns();
    let changes: Vec<RowChange> = selection
        .rows(diff, repository)?
        .collect::<Result<_, _>>()?;
    let shown = selection.columns(diff, &changes);
    let columns: Vec<&arbor_engine::DiffColumn> = shown.iter().map(|&i| &all_columns[i]).collect();
    let pick =
        |values: &[Value]| -> Vec<Value> { shown.iter().map(|&i| values[i].clone()).collect() };
    let mut lines: Vec<(char, Vec<String>)> = Vec::new();
    for change in &changes {
        let changed: Vec<usize> = change
            .changed_cells()
            .into_iter()
            .filter_map(|i| shown.iter().position(|&s| s == i))
            .collect();
        match (&change.old, &change.new) {
            (None, Some(n)) => lines.push(('+', pick(n).iter().map(cell).collect())),
            (Some(o), None) => lines.push(('-', pick(o).iter().map(cell).collect())),
            (Some(o), Some(n)) => {
                lines.push(('<', pick(o).iter().map(cell).collect()));
                lines.push((
                    '>',
                    pick(n)
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            if changed.contains(&i) {
                                format!("{}*", cell(v))
                            } else {
                                cell(v)
                            }
                        })
                        .collect(),
                ));
            }
            (None, None) => {}
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    let header: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    crate::render::marked_table(out, &header, &lines, &|mark, line| paint(color, mark, line))
        .map_err(write)
}

/// Schema changes, one line each (`+` added, `-` dropped, `~` changed), as
/// `arbor_schema::diff::SchemaDiff` prints them.
pub fn schema_lines(schema: &arbor_schema::diff::SchemaDiff) -> Vec<String> {
    schema.to_string().lines().map(str::to_owned).collect()
}

/// Prints what a fetch did, as Git does.
pub fn print_fetched(repository: &Repository, name: &str, fetched: &Fetched) {
    let changed =
        !(fetched.branches.is_empty() && fetched.tags.is_empty() && fetched.pruned.is_empty());
    if changed {
        // As Git's: the remote it talked to, then what changed.
        let url = ops::remotes(repository)
            .ok()
            .and_then(|r| r.remotes.get(name).cloned())
            .unwrap_or_else(|| name.to_owned());
        println!("From {url}");
    }
    for b in &fetched.branches {
        match b.old {
            None => println!(" * [new branch]  {} -> {name}/{}", b.branch, b.branch),
            Some(old) => println!(
                "   {}..{}  {} -> {name}/{}",
                old.short(8),
                b.new.short(8),
                b.branch,
                b.branch
            ),
        }
    }
    for t in &fetched.tags {
        println!(" * [new tag]     {t} -> {t}");
    }
    for b in &fetched.pruned {
        println!(" - [deleted]     {name}/{b}");
    }
}

/// Prints what a merge did (as Git does) and gives the exit code: 1 when
/// it stopped with conflicts.
pub fn print_merge_outcome(outcome: MergeOutcome) -> ExitCode {
    match outcome {
        MergeOutcome::UpToDate => println!("Already up to date."),
        MergeOutcome::Aborted => {}
        MergeOutcome::FastForward(to) => println!("Fast-forward to {}", to.short(8)),
        MergeOutcome::Committed(c) => {
            println!("Merge made by the 'arbor' strategy: {}", c.short(8))
        }
        MergeOutcome::Uncommitted { conflicts } if conflicts.is_empty() => {
            println!(
                "Squash merge: changes are in the working set; commit them with `arbor commit`."
            )
        }
        MergeOutcome::Uncommitted { conflicts } => {
            for c in &conflicts {
                println!("CONFLICT in table {}: {}", c.table, c.description);
            }
            println!("Automatic merge failed; fix conflicts and then commit the result.");
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

/// Prints what a cherry-pick, revert or rebase did, as Git does: a line
/// per commit made; where it stopped, the conflicts and what to do next
/// (exit code 1).
pub fn print_sequence(
    repository: &Repository,
    branch: &str,
    kind: SequenceKind,
    done: SequenceDone,
) -> Result<ExitCode, CliError> {
    let name = kind.command();
    let outcome = match done {
        SequenceDone::Aborted => return Ok(ExitCode::SUCCESS),
        SequenceDone::UpToDate => {
            println!("Current branch {branch} is up to date.");
            return Ok(ExitCode::SUCCESS);
        }
        SequenceDone::Ran(outcome) => outcome,
    };
    let applied = match &outcome {
        SequenceOutcome::Done { applied } | SequenceOutcome::Stopped { applied, .. } => applied,
    };
    for a in applied {
        let picked = repository.read_commit(&a.step.commit)?;
        match a.commit {
            Some(made) => {
                let commit = repository.read_commit(&made)?;
                let verb = match a.step.action {
                    StepAction::Squash | StepAction::Fixup => " (amended)",
                    _ => "",
                };
                println!("[{branch} {}]{verb} {}", made.short(8), subject(&commit));
            }
            None => println!(
                "dropped {} {}: its changes are already here",
                a.step.commit.short(8),
                subject(&picked)
            ),
        }
    }
    match outcome {
        SequenceOutcome::Done { .. } => {
            if kind == SequenceKind::Rebase {
                println!("Successfully rebased and updated {branch}.");
            }
            Ok(ExitCode::SUCCESS)
        }
        SequenceOutcome::Stopped {
            step, conflicts, ..
        } => {
            for c in &conflicts {
                println!("CONFLICT in table {}: {}", c.table, c.description);
            }
            let picked = repository.read_commit(&step.commit)?;
            eprintln!(
                "error: could not apply {}... {}",
                step.commit.short(8),
                subject(&picked)
            );
            eprintln!(
                "hint: resolve the conflicts (`arbor conflicts resolve`, or edit the rows), then run `arbor {name} --continue`"
            );
            eprintln!(
                "hint: to drop this commit, run `arbor {name} --skip`; to give up, `arbor {name} --abort`"
            );
            Ok(ExitCode::from(1))
        }
    }
}
