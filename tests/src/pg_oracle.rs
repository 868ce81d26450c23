//! The differential oracle: the same statements run against PostgreSQL 15,
//! the reference for SQL behaviour, and against Arbor, and what a client
//! would see compared.
//!
//! What a client sees of a statement is its [`Outcome`]: a query's column
//! names, their types (PostgreSQL's type OIDs, as the wire protocol
//! describes them) and its rows in PostgreSQL's text format; another
//! statement's count of rows written; a failure's SQLSTATE and message,
//! and its DETAIL and HINT where PostgreSQL gives them (PostgreSQL's
//! wording is the aim). Rows are compared in order when the
//! statement ends with a top-level `ORDER BY`, else as multisets.
//!
//! A corpus file (`tests/pg/*.sql`) is statements, each ending with `;` at
//! the end of a line, after `--` comments if any. A statement known to
//! differ is preceded by a line `-- differs: <why>`; the run counts it
//! apart, and fails if it agrees (so the mark is removed once fixed).
//! Every file starts on empty databases on both sides.

use std::fmt;

use arbor_engine::{Database, Environment, Session, StatementResult, pg_catalog};
use postgres::SimpleQueryMessage;

use crate::postgres::Postgres;

/// What a client sees of one statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A query's result.
    Rows {
        /// Column names.
        columns: Vec<String>,
        /// Column type OIDs.
        types: Vec<u32>,
        /// Rows in PostgreSQL's text format (`None`: NULL).
        rows: Vec<Vec<Option<String>>>,
    },
    /// A statement that returned no rows, and the rows it wrote if it says
    /// (PostgreSQL says 0 for statements that write none).
    Done {
        /// Rows written.
        rows: Option<u64>,
    },
    /// A failure: SQLSTATE, message, and DETAIL and HINT if given.
    Failed {
        /// The SQLSTATE.
        code: String,
        /// The message.
        message: String,
        /// The DETAIL field.
        detail: Option<String>,
        /// The HINT field.
        hint: Option<String>,
    },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Rows {
                columns,
                types,
                rows,
            } => {
                let header: Vec<String> = columns
                    .iter()
                    .zip(types)
                    .map(|(c, t)| format!("{c}:{t}"))
                    .collect();
                write!(f, "[{}]", header.join(", "))?;
                for row in rows.iter().take(20) {
                    let cells: Vec<&str> =
                        row.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect();
                    write!(f, " ({})", cells.join("|"))?;
                }
                if rows.len() > 20 {
                    write!(f, " ... {} rows", rows.len())?;
                }
                Ok(())
            }
            Outcome::Done { rows } => match rows {
                Some(n) => write!(f, "ok, {n} rows"),
                None => write!(f, "ok"),
            },
            Outcome::Failed {
                code,
                message,
                detail,
                hint,
            } => {
                write!(f, "error {code}: {message}")?;
                if let Some(d) = detail {
                    write!(f, " DETAIL: {d}")?;
                }
                if let Some(h) = hint {
                    write!(f, " HINT: {h}")?;
                }
                Ok(())
            }
        }
    }
}

/// The first OID PostgreSQL gives an object a user makes.
const FIRST_USER_OID: u32 = 16_384;

/// A query's rows in PostgreSQL's text format (`None`: NULL).
pub type Rows = Vec<Vec<Option<String>>>;

/// The rows of two query outcomes with the same columns and types, to be
/// compared in order: as they came if `ordered`, else both sorted.
/// `Err` says how the columns differ; `None` if one is not a query's.
pub fn comparable_rows(
    pg: &Outcome,
    arbor: &Outcome,
    ordered: bool,
) -> Option<Result<(Rows, Rows), String>> {
    let (
        Outcome::Rows {
            columns: pc,
            types: pt,
            rows: pr,
        },
        Outcome::Rows {
            columns: ac,
            types: at,
            rows: ar,
        },
    ) = (pg, arbor)
    else {
        return None;
    };
    if pc != ac {
        return Some(Err(format!(
            "column names: PostgreSQL {pc:?}, Arbor {ac:?}"
        )));
    }
    // A type the user made (an enum) has an OID each system assigns its
    // own way (PostgreSQL counts up, Arbor hashes the name): such types
    // agree as long as both sides have one in the same place.
    let user_type = |oid: &u32| *oid >= FIRST_USER_OID;
    let same_types = pt.len() == at.len()
        && pt
            .iter()
            .zip(at)
            .all(|(p, a)| p == a || user_type(p) && user_type(a));
    if !same_types {
        return Some(Err(format!(
            "column types: PostgreSQL {pt:?}, Arbor {at:?}"
        )));
    }
    let (mut pr, mut ar) = (pr.clone(), ar.clone());
    if !ordered {
        pr.sort();
        ar.sort();
    }
    Some(Ok((pr, ar)))
}

/// Where two outcomes part, if they do.
pub fn difference(pg: &Outcome, arbor: &Outcome, ordered: bool) -> Option<String> {
    if let Some(rows) = comparable_rows(pg, arbor, ordered) {
        return match rows {
            Err(how) => Some(how),
            Ok((pr, ar)) => (pr != ar).then(|| "rows differ".to_owned()),
        };
    }
    match (pg, arbor) {
        (Outcome::Done { rows: p }, Outcome::Done { rows: a }) => match (p, a) {
            (Some(p), Some(a)) if p != a => {
                Some(format!("rows written: PostgreSQL {p}, Arbor {a}"))
            }
            _ => None,
        },
        (
            Outcome::Failed {
                code: p,
                message: pm,
                detail: pd,
                hint: ph,
            },
            Outcome::Failed {
                code: a,
                message: am,
                detail: ad,
                hint: ah,
            },
        ) => {
            if p != a {
                Some(format!("SQLSTATE: PostgreSQL {p}, Arbor {a}"))
            } else if pm != am {
                Some(format!("message: PostgreSQL {pm:?}, Arbor {am:?}"))
            } else if pd.is_some() && pd != ad {
                // DETAIL and HINT where PostgreSQL gives them; Arbor may
                // say more where PostgreSQL says nothing.
                Some(format!("DETAIL: PostgreSQL {pd:?}, Arbor {ad:?}"))
            } else if ph.is_some() && ph != ah {
                Some(format!("HINT: PostgreSQL {ph:?}, Arbor {ah:?}"))
            } else {
                None
            }
        }
        _ => Some("one failed, the other did not (or one returned rows)".to_owned()),
    }
}

/// Whether `sql` ends with an ORDER BY at its top level (outside
/// parentheses), so that its rows come in a defined order.
pub fn is_ordered(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    let mut depth = 0i32;
    let mut last_order = None;
    let bytes = upper.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b'O' if depth == 0 && upper[i..].starts_with("ORDER BY") => last_order = Some(i),
            _ => {}
        }
    }
    // An ORDER BY inside a window or an aggregate sits in parentheses; one
    // at the top level orders the result unless a LIMIT cuts it oddly.
    last_order.is_some()
}

/// PostgreSQL and Arbor side by side, each on an empty database.
pub struct Oracle {
    pg: postgres::Client,
    arbor: Session,
}

impl fmt::Debug for Oracle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Oracle")
    }
}

impl Oracle {
    /// An oracle on `server`, both sides empty.
    pub fn new(server: &Postgres) -> Result<Oracle, String> {
        let mut pg = server.connect()?;
        reset_postgres(&mut pg)?;
        Ok(Oracle {
            pg,
            arbor: empty_arbor()?,
        })
    }

    /// Empties both sides again.
    pub fn reset(&mut self) -> Result<(), String> {
        reset_postgres(&mut self.pg)?;
        self.arbor = empty_arbor()?;
        Ok(())
    }

    /// Runs `sql` (one statement) on both sides.
    pub fn run(&mut self, sql: &str) -> (Outcome, Outcome) {
        (self.run_postgres(sql), self.run_arbor(sql))
    }

    fn run_postgres(&mut self, sql: &str) -> Outcome {
        let messages = match self.pg.simple_query(sql) {
            Ok(m) => m,
            Err(e) => return failed_postgres(&e),
        };
        let mut columns = None;
        let mut rows = Vec::new();
        let mut written = None;
        for m in messages {
            match m {
                SimpleQueryMessage::RowDescription(c) => {
                    columns = Some(c.iter().map(|c| c.name().to_owned()).collect::<Vec<_>>());
                }
                SimpleQueryMessage::Row(r) => {
                    rows.push((0..r.len()).map(|i| r.get(i).map(str::to_owned)).collect());
                }
                SimpleQueryMessage::CommandComplete(n) => written = Some(n),
                _ => {}
            }
        }
        let Some(columns) = columns else {
            return Outcome::Done { rows: written };
        };
        // The types: the statement prepared (parsed and described, not run).
        let types = match self.pg.prepare(sql) {
            Ok(s) => s.columns().iter().map(|c| c.type_().oid()).collect(),
            Err(e) => return failed_postgres(&e),
        };
        Outcome::Rows {
            columns,
            types,
            rows,
        }
    }

    fn run_arbor(&mut self, sql: &str) -> Outcome {
        let result = match self.arbor.execute(sql) {
            Ok(mut r) => r.pop(),
            Err(e) => {
                let e = e.into_fields();
                return Outcome::Failed {
                    code: e.code.to_string(),
                    message: e.message,
                    detail: e.detail,
                    hint: e.hint,
                };
            }
        };
        match result {
            Some(StatementResult::Rows {
                columns,
                types,
                rows,
                ..
            }) => {
                let types = (0..columns.len())
                    .map(|i| {
                        let planned = types.get(i).and_then(Option::as_ref);
                        pg_catalog::result_type_oid(planned, i, &rows) as u32
                    })
                    .collect();
                let rows = rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|v| (!v.is_null()).then(|| v.to_string()))
                            .collect()
                    })
                    .collect();
                Outcome::Rows {
                    columns,
                    types,
                    rows,
                }
            }
            Some(StatementResult::Command { rows, .. }) => Outcome::Done { rows },
            Some(StatementResult::Explain(_)) | None => Outcome::Done { rows: None },
        }
    }
}

fn failed_postgres(e: &postgres::Error) -> Outcome {
    match e.as_db_error() {
        Some(db) => Outcome::Failed {
            code: db.code().code().to_owned(),
            message: db.message().to_owned(),
            detail: db.detail().map(str::to_owned),
            hint: db.hint().map(str::to_owned),
        },
        None => Outcome::Failed {
            code: "?".to_owned(),
            message: e.to_string(),
            detail: None,
            hint: None,
        },
    }
}

/// PostgreSQL's database back to empty: its schema dropped and made
/// again, its settings reset.
fn reset_postgres(pg: &mut postgres::Client) -> Result<(), String> {
    pg.batch_execute(
        "ROLLBACK; RESET ALL; DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;",
    )
    .map_err(|e| format!("cannot empty PostgreSQL's database: {e}"))
}

/// A session on a new, empty repository in memory.
fn empty_arbor() -> Result<Session, String> {
    let db = Database::in_memory("main", Environment::default()).map_err(|e| e.to_string())?;
    db.branch("main")
        .and_then(|b| b.session())
        .map_err(|e| e.to_string())
}

/// One statement of a corpus file.
#[derive(Clone, Debug)]
pub struct Statement {
    /// The line it starts on.
    pub line: usize,
    /// Its text.
    pub sql: String,
    /// Why it is known to differ, if it is.
    pub differs: Option<String>,
}

/// The statements of a corpus file (see the module documentation).
pub fn parse_corpus(text: &str) -> Vec<Statement> {
    let mut statements = Vec::new();
    let mut sql = String::new();
    let mut start = 0;
    let mut differs = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if sql.is_empty() {
            if let Some(why) = trimmed.strip_prefix("-- differs:") {
                differs = Some(why.trim().to_owned());
                continue;
            }
            if trimmed.is_empty() || trimmed.starts_with("--") {
                continue;
            }
            start = i + 1;
        }
        sql.push_str(line);
        sql.push('\n');
        if trimmed.ends_with(';') {
            statements.push(Statement {
                line: start,
                sql: std::mem::take(&mut sql).trim().to_owned(),
                differs: differs.take(),
            });
        }
    }
    statements
}

/// What a corpus run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Statements run.
    pub run: usize,
    /// Statements whose outcomes agreed.
    pub agreed: usize,
    /// Statements marked as known to differ that did.
    pub known: usize,
    /// Statements that differed unmarked, or were marked and agreed:
    /// where, and how.
    pub problems: Vec<String>,
}

/// Runs the statements of one corpus file (`name`, for messages) through
/// `oracle`, from empty databases, adding to `report`.
pub fn run_corpus(
    oracle: &mut Oracle,
    name: &str,
    text: &str,
    report: &mut Report,
) -> Result<(), String> {
    oracle.reset()?;
    for s in parse_corpus(text) {
        let (pg, arbor) = oracle.run(&s.sql);
        report.run += 1;
        match (difference(&pg, &arbor, is_ordered(&s.sql)), &s.differs) {
            (None, None) => report.agreed += 1,
            (Some(_), Some(_)) => report.known += 1,
            (Some(how), None) => report.problems.push(format!(
                "{name}:{}: {}\n  {how}\n  PostgreSQL: {pg}\n  Arbor:      {arbor}",
                s.line, s.sql
            )),
            (None, Some(why)) => report.problems.push(format!(
                "{name}:{}: marked as differing ({why}) but agrees now: remove the mark\n  {}",
                s.line, s.sql
            )),
        }
    }
    Ok(())
}
