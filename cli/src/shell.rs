//! The interactive SQL shell: `arbor sql` on a terminal.
//!
//! Statements may span lines and run when a line ends with `;`. The prompt
//! names the branch and marks uncommitted changes (`arbor(main*)> `).
//! History persists in `$ARBOR_HISTORY`, else `~/.arbor_history`. Tab
//! completes keywords, table names and column names. psql-style meta
//! commands start with a backslash; `\?` lists them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use arbor_engine::{CatalogObjects, Session, StatementResult};
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use crate::render::{self, Format};
use crate::ui::CliError;

const HELP: &str = "\
  \\q              quit
  \\?              this help
  \\dt             list tables
  \\d [table]      describe a table (its CREATE TABLE), or list tables
  \\di             list indexes
  \\dv             list views
  \\timing         show how long each statement takes (toggle)
  \\x              expanded display: one column per line (toggle)
  \\i <file>       run the statements in a file
  \\o [file]       send results to a file, or back to the terminal
Statements end with ';'. Version control from SQL: SELECT arbor_commit('-am', 'message'), arbor_branch('dev'), arbor_checkout('dev'), arbor_merge('dev'); tables arbor_log, arbor_status, arbor_diff_<table>.";

const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "CREATE",
    "TABLE",
    "INDEX",
    "VIEW",
    "DROP",
    "ALTER",
    "ADD",
    "COLUMN",
    "PRIMARY",
    "KEY",
    "REFERENCES",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "NOT",
    "NULL",
    "AND",
    "OR",
    "JOIN",
    "LEFT",
    "RIGHT",
    "FULL",
    "INNER",
    "OUTER",
    "ON",
    "AS",
    "DISTINCT",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "WITH",
    "RECURSIVE",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "RETURNING",
    "CONFLICT",
    "EXPLAIN",
    "INTEGER",
    "BIGINT",
    "TEXT",
    "JSONB",
    "BOOLEAN",
    "NUMERIC",
    "TIMESTAMP",
    "DATE",
];

/// Completion of keywords, table and column names.
struct ShellHelper {
    names: Vec<String>,
}

impl Completer for ShellHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let start = line[..pos]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let word = &line[start..pos];
        if word.is_empty() {
            return Ok((pos, Vec::new()));
        }
        let lower = word.to_lowercase();
        let upper_case = word.chars().all(|c| !c.is_lowercase());
        let mut out: Vec<String> = KEYWORDS
            .iter()
            .filter(|k| k.to_lowercase().starts_with(&lower))
            .map(|k| {
                if upper_case {
                    (*k).to_owned()
                } else {
                    k.to_lowercase()
                }
            })
            .collect();
        out.extend(self.names.iter().filter(|n| n.starts_with(&lower)).cloned());
        out.sort();
        out.dedup();
        Ok((start, out))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

fn history_file() -> Option<PathBuf> {
    std::env::var_os("ARBOR_HISTORY")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".arbor_history")))
}

/// Where results go: the terminal (through the pager when longer than
/// the screen) or a file (`\o`).
struct Output {
    file: Option<std::fs::File>,
    pager: Option<String>,
}

impl Output {
    fn write(&mut self, text: &str) {
        let written = match (&mut self.file, &self.pager) {
            (Some(f), _) => f.write_all(text.as_bytes()),
            (None, Some(pager)) if crate::terminal::page_text(pager, text) => Ok(()),
            (None, _) => std::io::stdout().write_all(text.as_bytes()),
        };
        if let Err(e) = written {
            eprintln!("error: cannot write output: {e}");
        }
    }
}

/// The shell's state.
struct Shell {
    session: Session,
    timing: bool,
    expanded: bool,
    out: Output,
}

impl Shell {
    fn prompt(&mut self) -> String {
        let dirty = if self.session.is_dirty().unwrap_or(false) {
            "*"
        } else {
            ""
        };
        let tx = if self.session.in_transaction() {
            " tx"
        } else {
            ""
        };
        format!("arbor({}{dirty}{tx})> ", self.session.branch())
    }

    fn names(&mut self) -> Vec<String> {
        let Ok(CatalogObjects { tables, views }) = self.session.catalog_objects() else {
            return Vec::new();
        };
        let mut names: Vec<String> = tables.iter().map(|(n, _)| n.clone()).collect();
        for (_, t) in &tables {
            names.extend(t.schema.columns.iter().map(|c| c.name.clone()));
        }
        names.extend(views.into_iter().map(|(n, _)| n));
        names.sort();
        names.dedup();
        names
    }

    fn run_sql(&mut self, sql: &str) {
        let start = Instant::now();
        let mut printed = Vec::new();
        let expanded = self.expanded;
        let outcome = self.session.execute_each(sql, &mut |r| {
            printed.push(render_result(&r, expanded));
            Ok(())
        });
        crate::ui::print_notices(&self.session.take_notices());
        for text in printed {
            self.out.write(&text);
        }
        if let Err(e) = outcome {
            crate::ui::print_error(&CliError::from_sql(sql, e));
        }
        if self.timing {
            self.out.write(&format!(
                "Time: {:.3} ms\n",
                start.elapsed().as_secs_f64() * 1e3
            ));
        }
    }

    /// Runs a meta command; false when the shell should end.
    fn meta(&mut self, line: &str) -> bool {
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or_default();
        let arg = words.next();
        match command {
            "\\q" => return false,
            "\\?" => self.out.write(&format!("{HELP}\n")),
            "\\timing" => {
                self.timing = !self.timing;
                let state = if self.timing { "on" } else { "off" };
                self.out.write(&format!("Timing is {state}.\n"));
            }
            "\\x" => {
                self.expanded = !self.expanded;
                let state = if self.expanded { "on" } else { "off" };
                self.out.write(&format!("Expanded display is {state}.\n"));
            }
            "\\dt" | "\\d" | "\\di" | "\\dv" => self.describe(command, arg),
            "\\i" => match arg.map(std::fs::read_to_string) {
                Some(Ok(sql)) => self.run_sql(&sql),
                Some(Err(e)) => eprintln!("error: cannot read {}: {e}", arg.unwrap_or_default()),
                None => eprintln!("error: \\i needs a file"),
            },
            "\\o" => match arg {
                None => self.out.file = None,
                Some(path) => match std::fs::File::create(path) {
                    Ok(f) => self.out.file = Some(f),
                    Err(e) => eprintln!("error: cannot write {path}: {e}"),
                },
            },
            other => eprintln!("error: unknown command {other}; \\? lists the commands"),
        }
        true
    }

    fn describe(&mut self, command: &str, arg: Option<&str>) {
        let CatalogObjects { tables, views } = match self.session.catalog_objects() {
            Ok(objects) => objects,
            Err(e) => {
                eprintln!("error: {}", e.message);
                return;
            }
        };
        let text = match (command, arg) {
            ("\\d", Some(name)) => match tables.iter().find(|(n, _)| n == name) {
                Some((_, t)) => t.schema.to_create_sql(),
                None => match views.iter().find(|(n, _)| n == name) {
                    Some((_, q)) => format!("CREATE VIEW {name} AS {q};\n"),
                    None => {
                        eprintln!("error: did not find any relation named \"{name}\"");
                        return;
                    }
                },
            },
            ("\\di", _) => {
                let mut lines = String::new();
                for (name, t) in &tables {
                    for i in &t.schema.indexes {
                        let unique = if i.unique { "unique " } else { "" };
                        lines.push_str(&format!("{} ({unique}index on {name})\n", i.name));
                    }
                }
                lines
            }
            ("\\dv", _) => views.iter().map(|(n, _)| format!("{n}\n")).collect(),
            _ => tables.iter().map(|(n, _)| format!("{n}\n")).collect(),
        };
        if text.is_empty() {
            self.out.write("Did not find any relations.\n");
        } else {
            self.out.write(&text);
        }
    }
}

/// A result as the shell shows it.
fn render_result(r: &StatementResult, expanded: bool) -> String {
    let mut buffer = Vec::new();
    let written = match (r, expanded) {
        (StatementResult::Rows { columns, rows, .. }, true) => {
            render::vertical(&mut buffer, columns, rows)
        }
        _ => render::print(&mut buffer, r, Format::Table),
    };
    if let Err(e) = written {
        return format!("error: {e}\n");
    }
    String::from_utf8_lossy(&buffer).into_owned()
}

/// Runs the shell until `\q` or end of input.
pub fn run(session: Session, pager: Option<String>) -> Result<(), CliError> {
    let mut editor: Editor<ShellHelper, DefaultHistory> =
        Editor::new().map_err(|e| CliError::new(format!("cannot start the shell: {e}")))?;
    let history = history_file();
    if let Some(h) = &history {
        // A missing history file is the normal first run.
        let _ = editor.load_history(h);
    }
    let mut shell = Shell {
        session,
        timing: false,
        expanded: false,
        out: Output { file: None, pager },
    };
    println!(
        "arbor {}: SQL on branch {}. \\? for help, \\q to quit.",
        env!("CARGO_PKG_VERSION"),
        shell.session.branch()
    );
    let mut pending = String::new();
    loop {
        editor.set_helper(Some(ShellHelper {
            names: shell.names(),
        }));
        let prompt = if pending.is_empty() {
            shell.prompt()
        } else {
            format!("{}> ", " ".repeat(shell.prompt().len().saturating_sub(2)))
        };
        let line = match editor.readline(&prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                pending.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(CliError::new(format!("cannot read a line: {e}"))),
        };
        let trimmed = line.trim();
        if pending.is_empty() && trimmed.starts_with('\\') {
            let _ = editor.add_history_entry(trimmed);
            if !shell.meta(trimmed) {
                break;
            }
            continue;
        }
        if trimmed.is_empty() && pending.is_empty() {
            continue;
        }
        if !pending.is_empty() {
            pending.push('\n');
        }
        pending.push_str(&line);
        if trimmed.ends_with(';') {
            let _ = editor.add_history_entry(pending.as_str());
            let sql = std::mem::take(&mut pending);
            shell.run_sql(&sql);
        }
    }
    if let Some(h) = &history {
        editor
            .save_history(h)
            .map_err(|e| CliError::new(format!("cannot save history to {}: {e}", h.display())))?;
    }
    Ok(())
}
