//! `arbor log`: the commits reachable from a revision, newest first.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops;
use arbor_merkle::Address;

use crate::terminal::{self, Role};
use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor log`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show at most this many commits.
    #[arg(short = 'n', long = "max-count")]
    max_count: Option<usize>,
    /// One line per commit: short hash and subject.
    #[arg(long)]
    oneline: bool,
    /// Draw the commit graph beside the log: branches and merges as lines.
    #[arg(long)]
    graph: bool,
    /// Show the branches and tags at each commit (the default on a
    /// terminal, as Git's log.decorate=auto).
    #[arg(long, overrides_with = "no_decorate")]
    decorate: bool,
    /// Do not show branches and tags.
    #[arg(long)]
    no_decorate: bool,
    /// The commits of every branch, tag and remote-tracking branch.
    #[arg(long, conflicts_with = "revision")]
    all: bool,
    /// Only merge commits (more than one parent).
    #[arg(long, conflicts_with = "no_merges")]
    merges: bool,
    /// No merge commits.
    #[arg(long)]
    no_merges: bool,
    /// Each commit's changes as rows and cells changed per table.
    #[arg(long)]
    stat: bool,
    /// Each commit's changes as rows (as `arbor show` prints them).
    #[arg(short = 'p', long = "patch", conflicts_with = "stat")]
    patch: bool,
    /// A revision (default HEAD), a range `A..B` (in B, not in A), or
    /// `A...B` (in either, not in both). `-<n>` is `-n <n>`.
    revision: Option<String>,
    /// Only commits that changed these tables.
    #[arg(last = true)]
    tables: Vec<String>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open_read_only(cwd)?;
    let (starts, hide) = if args.all {
        (every_ref(&repository)?, Vec::new())
    } else {
        range(&repository, args.revision.as_deref().unwrap_or("HEAD"))?
    };
    if args.graph && !args.tables.is_empty() {
        return Err(
            CliError::new("--graph does not combine with a table filter")
                .with_hint("drop --graph, or the tables after --"),
        );
    }
    let commits = ops::log(&repository, &starts, &hide)?;
    let decorate = args.decorate || (!args.no_decorate && terminal::stdout_is_terminal());
    let decorations = if decorate {
        vcs::Decorations::read(&repository, &ops::current_branch(&repository)?)?
    } else {
        vcs::Decorations::default()
    };
    let mut graph = Graph::default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut shown = 0;
    for (address, commit) in &commits {
        if args.max_count.is_some_and(|n| shown >= n) {
            break;
        }
        let merge = commit.parents.len() > 1;
        if (args.merges && !merge) || (args.no_merges && merge) {
            continue;
        }
        if !args.tables.is_empty() {
            // A commit touches a table when it differs from its first parent there.
            let parent_catalog = match commit.parents.first() {
                Some(p) => repository.read_catalog(&repository.read_commit(p)?.catalog)?,
                None => Default::default(),
            };
            let catalog = repository.read_catalog(&commit.catalog)?;
            let touched = args
                .tables
                .iter()
                .any(|t| parent_catalog.tables.get(t) != catalog.tables.get(t));
            if !touched {
                continue;
            }
        }
        shown += 1;
        let mut text = Vec::new();
        let decoration = decorations.of(address);
        if args.oneline {
            let hash = terminal::paint(Role::Hash, &address.short(8)).into_owned();
            writeln!(text, "{hash}{decoration} {}", vcs::subject(commit)).ok();
        } else {
            vcs::print_decorated_commit(&mut text, address, commit, &decoration).ok();
        }
        if args.stat || args.patch {
            vcs::print_commit_changes(&mut text, &repository, commit, args.stat)?;
            if args.stat {
                writeln!(text).ok();
            }
        }
        let text = String::from_utf8_lossy(&text);
        let written = if args.graph {
            graph.write(&mut out, *address, &commit.parents, &text)
        } else {
            out.write_all(text.as_bytes())
        };
        if written.is_err() {
            break; // a closed pipe (`arbor log | head`)
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The commits a revision or range names: where the walk starts, and the
/// commits (with their ancestors) it leaves out. An empty side is HEAD.
fn range(repository: &arbor_engine::Repository, spec: &str) -> Result<RangeEnds, CliError> {
    let resolve =
        |side: &str| vcs::resolve(repository, if side.is_empty() { "HEAD" } else { side });
    if let Some((a, b)) = spec.split_once("...") {
        // In either, not in both: leave out every commit the two share.
        let (a, b) = (resolve(a)?, resolve(b)?);
        let from_a: std::collections::HashSet<Address> =
            ops::reachable(repository, &[a])?.into_iter().collect();
        let shared = ops::reachable(repository, &[b])?
            .into_iter()
            .filter(|c| from_a.contains(c))
            .collect();
        return Ok((vec![a, b], shared));
    }
    Ok(match spec.split_once("..") {
        Some((a, b)) => (vec![resolve(b)?], vec![resolve(a)?]),
        None => (vec![resolve(spec)?], Vec::new()),
    })
}

/// Where a log walk starts and what it leaves out.
type RangeEnds = (Vec<Address>, Vec<Address>);

/// The commits every branch, tag and remote-tracking branch points at
/// (`log --all`); an annotated tag counts as the commit it tags.
fn every_ref(repository: &arbor_engine::Repository) -> Result<Vec<Address>, CliError> {
    let mut starts = Vec::new();
    for (name, target) in &repository.store_root()?.refs {
        if name.starts_with("refs/heads/") || name.starts_with("refs/remotes/") {
            starts.push(*target);
        } else if name.starts_with("refs/tags/") {
            starts.push(vcs::resolve(repository, name)?);
        }
    }
    Ok(starts)
}

/// The lanes of `arbor log --graph`, as Git draws them: each lane is a line
/// waiting for a commit (two characters wide: `| `); a commit is a `*` in
/// its lane; a merge opens a lane for each further parent (`|\\`); two
/// lanes waiting for the same commit join (`|/`, or `|_|/` across a lane).
#[derive(Debug, Default)]
struct Graph {
    lanes: Vec<Address>,
}

impl Graph {
    /// Writes one commit's `text` with the graph beside it, and moves the
    /// lanes on to its parents.
    fn write(
        &mut self,
        out: &mut dyn Write,
        commit: Address,
        parents: &[Address],
        text: &str,
    ) -> std::io::Result<()> {
        let column = match self.lanes.iter().position(|a| *a == commit) {
            Some(c) => c,
            None => {
                self.lanes.push(commit);
                self.lanes.len() - 1
            }
        };
        let row = |lanes: usize, mark: Option<(usize, &str)>| -> String {
            (0..lanes)
                .map(|i| match mark {
                    Some((c, m)) if c == i => m.to_owned(),
                    _ => "| ".to_owned(),
                })
                .collect::<String>()
        };
        let mut lines = text.lines();
        let first = lines.next().unwrap_or_default();
        writeln!(
            out,
            "{}{first}",
            row(self.lanes.len(), Some((column, "* ")))
        )?;
        // The lanes move on to the parents: the first takes this lane, the
        // others open lanes beside it (unless a lane already waits for them).
        let mut new_parents: Vec<Address> = Vec::new();
        match parents.first() {
            Some(p) => self.lanes[column] = *p,
            None => {
                self.lanes.remove(column);
            }
        }
        for p in parents.iter().skip(1) {
            if !self.lanes.contains(p) {
                new_parents.push(*p);
            }
        }
        let before = self.lanes.len();
        for (k, p) in new_parents.iter().enumerate() {
            self.lanes.insert(column + 1 + k, *p);
        }
        let rest: Vec<&str> = lines.collect();
        let continuation = row(self.lanes.len(), None);
        if self.lanes.len() > before {
            // A merge: `|\` from this lane to the new ones.
            writeln!(
                out,
                "{}",
                row(before.max(column + 1), Some((column, "|\\"))).trim_end()
            )?;
        }
        for line in rest {
            if line.is_empty() {
                writeln!(out, "{}", continuation.trim_end())?;
            } else {
                writeln!(out, "{continuation}{line}")?;
            }
        }
        // Lanes that wait for the same commit join the leftmost one.
        // A lane further right crosses the ones between with `_`: `|_|/`.
        let mut i = 1;
        while i < self.lanes.len() {
            match self.lanes[..i].iter().position(|a| *a == self.lanes[i]) {
                Some(j) => {
                    let joined: String = (0..i)
                        .map(|k| {
                            if k == i - 1 {
                                "|/"
                            } else if k >= j {
                                "|_"
                            } else {
                                "| "
                            }
                        })
                        .collect();
                    self.lanes.remove(i);
                    let shifted: String = (i..self.lanes.len()).map(|_| " /").collect();
                    writeln!(out, "{joined}{shifted}")?;
                }
                None => i += 1,
            }
        }
        Ok(())
    }
}
