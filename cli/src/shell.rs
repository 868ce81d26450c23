//! The interactive SQL shell: `arbor sql` on a terminal.
//!
//! Statements may span lines and run when a line ends with `;`. The prompt
//! names the branch and marks uncommitted changes (`arbor(main*)> `).
//! History persists in `$ARBOR_HISTORY`, else `~/.arbor_history`. Tab
//! completes keywords, table and column names (tables first after FROM,
//! JOIN, INTO, UPDATE). psql-style meta commands start with a backslash;
//! `\?` lists them. Ctrl-C while a statement runs stops it (a thread hears
//! SIGINT and interrupts the session), as psql does; the shell goes on.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arbor_engine::{CatalogObjects, CopyDirection, Interrupt, Session, StatementResult};
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
  \\c [branch]     work on another branch (this session only; no checkout)
  \\e              edit the query (or the last one) in $PSQL_EDITOR or $EDITOR
  \\copy ...       COPY through this shell: \\copy t FROM 'file.csv' WITH (FORMAT csv, HEADER)
                  or \\copy (SELECT ...) TO 'file.csv' WITH (FORMAT csv)
  \\set [name [value]]  set a variable (:name, :'name', :\"name\" in SQL), or list them
  \\unset name     forget a variable
Ctrl-C stops the running statement; at the prompt it clears the line.
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
    /// Tables and views.
    tables: Vec<String>,
    /// Their columns.
    columns: Vec<String>,
}

/// The keywords after which a table name comes: there tables are offered
/// first.
const BEFORE_A_TABLE: &[&str] = &["FROM", "JOIN", "INTO", "UPDATE", "TABLE"];

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
        let matching = |names: &[String]| -> Vec<String> {
            let mut out: Vec<String> = names
                .iter()
                .filter(|n| n.starts_with(&lower))
                .cloned()
                .collect();
            out.sort();
            out.dedup();
            out
        };
        // After FROM, JOIN, ...: the tables alone, if any matches.
        let previous = line[..start]
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .rfind(|w| !w.is_empty())
            .unwrap_or_default()
            .to_uppercase();
        if BEFORE_A_TABLE.contains(&previous.as_str()) {
            let tables = matching(&self.tables);
            if !tables.is_empty() {
                return Ok((start, tables));
            }
        }
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
        out.extend(matching(&self.tables));
        out.extend(matching(&self.columns));
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
    /// Where Ctrl-C's thread finds the session to interrupt (`\c` changes it).
    interrupt: Arc<Mutex<Interrupt>>,
    /// `\set`'s variables.
    variables: BTreeMap<String, String>,
    /// The last statement run, for `\e`.
    last: String,
    /// How results are printed (`\x` aside): a table in the shell, the
    /// `--format` of a script.
    format: Format,
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

    /// What tab completes with: the tables and views, and their columns.
    fn completion(&mut self) -> ShellHelper {
        let Ok(CatalogObjects { tables, views }) = self.session.catalog_objects() else {
            return ShellHelper {
                tables: Vec::new(),
                columns: Vec::new(),
            };
        };
        let mut columns = Vec::new();
        for (_, t) in &tables {
            columns.extend(t.schema.columns.iter().map(|c| c.name.clone()));
        }
        let mut names: Vec<String> = tables.into_iter().map(|(n, _)| n).collect();
        names.extend(views.into_iter().map(|(n, _)| n));
        ShellHelper {
            tables: names,
            columns,
        }
    }

    /// Runs `sql`, statement by statement; false when one failed.
    fn run_sql(&mut self, sql: &str) -> bool {
        self.last = sql.to_owned();
        let sql = &interpolate(sql, &self.variables);
        let start = Instant::now();
        let mut printed = Vec::new();
        let (expanded, format) = (self.expanded, self.format);
        let outcome = self.session.execute_each(sql, &mut |r| {
            printed.push(render_result(&r, expanded, format));
            Ok(())
        });
        crate::ui::print_notices(&self.session.take_notices());
        for text in printed {
            self.out.write(&text);
        }
        let ok = outcome.is_ok();
        if let Err(e) = outcome {
            crate::ui::print_error(&CliError::from_sql(sql, e));
        }
        if self.timing {
            self.out.write(&format!(
                "Time: {:.3} ms\n",
                start.elapsed().as_secs_f64() * 1e3
            ));
        }
        ok
    }

    /// Runs a meta command; false when the shell should end. `pending` is
    /// the query typed so far (`\e` edits it).
    fn meta(&mut self, line: &str, pending: &mut String) -> bool {
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or_default();
        let arg = words.next();
        let rest = line.trim_start()[command.len()..].trim();
        match command {
            "\\c" | "\\connect" => self.connect(arg),
            "\\e" | "\\edit" => {
                let text = if pending.is_empty() {
                    self.last.clone()
                } else {
                    std::mem::take(pending)
                };
                match crate::editor::edit(&text, "arbor-query", crate::editor::Edited::Query) {
                    // As psql: a query that ends with ';' runs; else it
                    // waits in the buffer for more.
                    Ok(edited) if edited.trim_end().ends_with(';') => {
                        self.run_sql(edited.trim_end());
                    }
                    Ok(edited) => *pending = edited.trim_end().to_owned(),
                    Err(e) => crate::ui::print_error(&e),
                }
            }
            "\\copy" => self.copy(rest),
            "\\set" => match arg {
                None => {
                    let listed: String = self
                        .variables
                        .iter()
                        .map(|(k, v)| format!("{k} = '{v}'\n"))
                        .collect();
                    self.out.write(&listed);
                }
                Some(name) if is_variable_name(name) => {
                    let value = rest[name.len()..].trim().to_owned();
                    self.variables.insert(name.to_owned(), value);
                }
                Some(name) => eprintln!("error: invalid variable name: \"{name}\""),
            },
            "\\unset" => match arg {
                Some(name) => {
                    self.variables.remove(name);
                }
                None => eprintln!("error: \\unset needs a variable name"),
            },
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
                Some(Ok(sql)) => {
                    self.run_sql(&sql);
                }
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

    /// `\c [branch]`: the session moves to another branch (a session of
    /// its own: HEAD stays), as psql's `\c` connects to another database.
    fn connect(&mut self, branch: Option<&str>) {
        let Some(branch) = branch else {
            let on = format!("You are on branch \"{}\".\n", self.session.branch());
            self.out.write(&on);
            return;
        };
        if self.session.in_transaction() {
            eprintln!("error: a transaction is open; end it (COMMIT or ROLLBACK) first");
            return;
        }
        let repository = self.session.repository().clone();
        match Session::open(repository, branch) {
            Ok(mut session) => {
                session.set_environment(self.session.environment().clone());
                self.session = session;
                *self.interrupt.lock().unwrap_or_else(|e| e.into_inner()) =
                    self.session.interrupter();
                self.out
                    .write(&format!("You are now on branch \"{branch}\".\n"));
            }
            Err(e) => crate::ui::print_error(&CliError::from(e)),
        }
    }

    /// `\copy`: COPY with the file read or written here, as psql's `\copy`.
    fn copy(&mut self, rest: &str) {
        let done = copy_statement(rest).and_then(|(sql, file)| {
            let copy = self
                .session
                .copy_command(&sql)
                .map_err(CliError::from)?
                .ok_or_else(|| CliError::new(format!("\\copy: not a COPY: {sql}")))?;
            let rows = match copy.direction {
                CopyDirection::In => {
                    let data = std::fs::read(&file)
                        .map_err(|e| CliError::new(format!("cannot read {file}: {e}")))?;
                    self.session.copy_in(&copy, &data).map_err(CliError::from)?
                }
                CopyDirection::Out => {
                    let mut out = std::fs::File::create(&file)
                        .map_err(|e| CliError::new(format!("cannot write {file}: {e}")))?;
                    let mut write = |line: Vec<u8>| {
                        out.write_all(&line).map_err(|e| {
                            arbor_engine::Error::new(
                                arbor_engine::SqlState::IoError,
                                format!("cannot write {file}: {e}"),
                            )
                        })
                    };
                    self.session
                        .copy_out(&copy, &mut write)
                        .map_err(CliError::from)?
                }
            };
            Ok(rows)
        });
        match done {
            Ok(rows) => self.out.write(&format!("COPY {rows}\n")),
            Err(e) => crate::ui::print_error(&e),
        }
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

/// Whether `name` may name a `\set` variable.
fn is_variable_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// `sql` with psql's variables put in: `:name` as the value, `:'name'` as
/// a string literal, `:"name"` as an identifier; not inside quotes or
/// comments, not `::` casts, and names no variable has left as written.
fn interpolate(sql: &str, variables: &BTreeMap<String, String>) -> String {
    if variables.is_empty() {
        return sql.to_owned();
    }
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '-' if chars.get(i + 1) == Some(&'-') => {
                // A comment: the rest of the line as it is.
                while i < chars.len() && chars[i] != '\n' {
                    out.push(chars[i]);
                    i += 1;
                }
                continue;
            }
            ':' if chars.get(i + 1) == Some(&':') => {
                out.push_str("::");
                i += 2;
                continue;
            }
            ':' => {
                let (wrap, start) = match chars.get(i + 1) {
                    Some(&q @ ('\'' | '"')) => (Some(q), i + 2),
                    _ => (None, i + 1),
                };
                let mut end = start;
                while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
                    end += 1;
                }
                let name: String = chars[start..end].iter().collect();
                let closed = wrap.is_none_or(|q| chars.get(end) == Some(&q));
                if let (Some(value), true) = (variables.get(&name), closed && end > start) {
                    match wrap {
                        None => out.push_str(value),
                        Some('\'') => out.push_str(&format!("'{}'", value.replace('\'', "''"))),
                        Some(_) => out.push_str(&format!("\"{}\"", value.replace('"', "\"\""))),
                    }
                    i = end + usize::from(wrap.is_some());
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The COPY statement and the file of `\copy <rest>`: the file after FROM
/// or TO (quoted or not) becomes STDIN or STDOUT.
fn copy_statement(rest: &str) -> Result<(String, String), CliError> {
    let usage = || {
        CliError::new("\\copy needs a table (or a query), FROM or TO, and a file").with_hint(
            "\\copy t FROM 'file.csv' WITH (FORMAT csv, HEADER), or \\copy (SELECT ...) TO 'file.csv'",
        )
    };
    // FROM or TO outside parentheses and quotes.
    let bytes = rest.as_bytes();
    let (mut depth, mut quoted) = (0i32, false);
    let mut found = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            _ if !quoted && depth == 0 && found.is_none() => {
                let at_word = i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b')';
                for (word, direction) in [("from", "STDIN"), ("to", "STDOUT")] {
                    let end = i + word.len();
                    if at_word
                        && rest.len() > end
                        && rest.is_char_boundary(end)
                        && rest[i..end].eq_ignore_ascii_case(word)
                        && bytes[end].is_ascii_whitespace()
                    {
                        found = Some((i, end, direction));
                    }
                }
            }
            _ => {}
        }
    }
    let (at, end, direction) = found.ok_or_else(usage)?;
    let after = rest[end..].trim_start();
    let (file, tail) = if let Some(quoted) = after.strip_prefix('\'') {
        let close = quoted.find('\'').ok_or_else(usage)?;
        (quoted[..close].to_owned(), &quoted[close + 1..])
    } else {
        let stop = after.find(char::is_whitespace).unwrap_or(after.len());
        (after[..stop].to_owned(), &after[stop..])
    };
    if file.is_empty() || rest[..at].trim().is_empty() {
        return Err(usage());
    }
    let keyword = &rest[at..end];
    Ok((
        format!("COPY {} {keyword} {direction}{tail}", rest[..at].trim_end()),
        file,
    ))
}

/// A result as the shell shows it.
fn render_result(r: &StatementResult, expanded: bool, format: Format) -> String {
    let mut buffer = Vec::new();
    let written = match (r, expanded) {
        (StatementResult::Rows { columns, rows, .. }, true) => {
            render::vertical(&mut buffer, columns, rows)
        }
        _ => render::print(&mut buffer, r, format),
    };
    if let Err(e) = written {
        return format!("error: {e}\n");
    }
    String::from_utf8_lossy(&buffer).into_owned()
}

/// Whether `text` holds a meta command: a line that starts with a
/// backslash (but `\.`, which ends the rows of a COPY FROM STDIN).
pub fn has_meta_commands(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l.starts_with('\\') && l != "\\."
    })
}

/// Runs a script (`-f`, standard input or `-q`) that holds meta commands,
/// as psql runs one: line by line, SQL gathered until a line ends with
/// `;` (or the script ends) and run statement by statement, each line that
/// starts with a backslash a meta command (`\set`, `\c`, `\copy`, `\dt`,
/// `\i`, `\o`, `\q`, ...). It stops at the first statement that fails
/// unless `keep_going`; returns whether any failed.
pub fn run_script(
    session: Session,
    text: &str,
    format: Format,
    keep_going: bool,
) -> Result<bool, CliError> {
    let interrupt = Arc::new(Mutex::new(session.interrupter()));
    let mut shell = Shell {
        session,
        timing: false,
        expanded: false,
        out: Output {
            file: None,
            pager: None,
        },
        interrupt,
        variables: BTreeMap::new(),
        last: String::new(),
        format,
    };
    let mut pending = String::new();
    let mut failed = false;
    // Inside the rows of a COPY FROM STDIN, up to `\.`.
    let mut in_copy_rows = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if in_copy_rows {
            pending.push_str(line);
            pending.push('\n');
            if trimmed == "\\." {
                in_copy_rows = false;
                let sql = std::mem::take(&mut pending);
                if !shell.run_sql(&sql) {
                    failed = true;
                    if !keep_going {
                        return Ok(true);
                    }
                }
            }
            continue;
        }
        if pending.trim().is_empty() && trimmed.starts_with('\\') {
            pending.clear();
            if !shell.meta(trimmed, &mut pending) {
                return Ok(failed);
            }
            continue;
        }
        pending.push_str(line);
        pending.push('\n');
        if trimmed.ends_with(';') && pending.to_ascii_uppercase().contains("FROM STDIN") {
            in_copy_rows = true;
            continue;
        }
        if trimmed.ends_with(';') {
            let sql = std::mem::take(&mut pending);
            if !shell.run_sql(&sql) {
                failed = true;
                if !keep_going {
                    return Ok(true);
                }
            }
        }
    }
    if !pending.trim().is_empty() && !shell.run_sql(&pending) {
        failed = true;
    }
    Ok(failed)
}

/// Ctrl-C while a statement runs stops that statement, not the shell: a
/// thread hears SIGINT (which the terminal sends while no line is being
/// edited; at the prompt the line editor reads Ctrl-C as a key) and
/// interrupts the session the shell is on.
fn cancel_on_ctrl_c(current: Arc<Mutex<Interrupt>>) -> Result<(), CliError> {
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT])
        .map_err(|e| CliError::new(format!("cannot hear Ctrl-C: {e}")))?;
    std::thread::spawn(move || {
        for _ in signals.forever() {
            current
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .interrupt();
        }
    });
    Ok(())
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
    let interrupt = Arc::new(Mutex::new(session.interrupter()));
    cancel_on_ctrl_c(interrupt.clone())?;
    let mut shell = Shell {
        session,
        timing: false,
        expanded: false,
        out: Output { file: None, pager },
        interrupt,
        variables: BTreeMap::new(),
        last: String::new(),
        format: Format::Table,
    };
    println!(
        "arbor {}: SQL on branch {}. \\? for help, \\q to quit.",
        env!("CARGO_PKG_VERSION"),
        shell.session.branch()
    );
    let mut pending = String::new();
    loop {
        editor.set_helper(Some(shell.completion()));
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
            if !shell.meta(trimmed, &mut pending) {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn variables_are_put_in_as_psql_does() {
        let vars: BTreeMap<String, String> = [("n", "2"), ("who", "O'Neil"), ("col", "a\"b")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(interpolate("SELECT :n + 1", &vars), "SELECT 2 + 1");
        assert_eq!(
            interpolate("SELECT * FROM t WHERE name = :'who'", &vars),
            "SELECT * FROM t WHERE name = 'O''Neil'"
        );
        assert_eq!(interpolate("SELECT :\"col\"", &vars), "SELECT \"a\"\"b\"");
        // Casts, quotes, comments and unknown names stay as written.
        assert_eq!(
            interpolate("SELECT 1::text, ':n'", &vars),
            "SELECT 1::text, ':n'"
        );
        assert_eq!(
            interpolate("SELECT 1 -- :n\n, :n", &vars),
            "SELECT 1 -- :n\n, 2"
        );
        assert_eq!(interpolate("SELECT :nope, :'n", &vars), "SELECT :nope, :'n");
    }

    #[test]
    fn copy_lines_become_copy_statements() {
        let (sql, file) = copy_statement("fruit FROM 'in.csv' WITH (FORMAT csv, HEADER)").unwrap();
        assert_eq!(sql, "COPY fruit FROM STDIN WITH (FORMAT csv, HEADER)");
        assert_eq!(file, "in.csv");
        let (sql, file) = copy_statement("(SELECT 'a from b' FROM t) to out.tsv").unwrap();
        assert_eq!(sql, "COPY (SELECT 'a from b' FROM t) to STDOUT");
        assert_eq!(file, "out.tsv");
        let (sql, _) = copy_statement("fruit (id, name) FROM data.csv CSV").unwrap();
        assert_eq!(sql, "COPY fruit (id, name) FROM STDIN CSV");
        for bad in [
            "",
            "fruit",
            "FROM 'x.csv'",
            "fruit FROM",
            "fruit FROM 'unclosed",
        ] {
            assert!(copy_statement(bad).is_err(), "{bad}");
        }
    }
}
