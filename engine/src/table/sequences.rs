//! Sequences: `CREATE SEQUENCE`, `nextval`, `currval`, `setval`, and the
//! sequences behind `serial` and identity columns.
//!
//! A sequence's state lives in the catalog (`Catalog::sequences`, by name),
//! so it is versioned with the tables: a commit records it, and a merge
//! keeps the greater of the two sides' values, so rows added on either
//! branch never reuse an id. A statement works on a copy of the states: a
//! statement that fails leaves them as they were (PostgreSQL would keep the
//! numbers it handed out; Arbor hands them out again).
//!
//! ```text
//! state: i64 last value | i64 increment | i64 min | i64 max | u8 called
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;

use arbor_merkle::codec::{Reader, Writer};
use arbor_schema::{TableSchema, Value};

use crate::error::{Error, Result, SqlState};

/// One sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sequence {
    /// The value last handed out (or, before the first `nextval`, the start).
    pub last: i64,
    /// The step.
    pub increment: i64,
    /// The least value.
    pub min: i64,
    /// The greatest value.
    pub max: i64,
    /// Whether `last` has been handed out.
    pub called: bool,
    /// The first value: where a restart (`TRUNCATE ... RESTART IDENTITY`)
    /// puts it back.
    pub start: i64,
}

impl Sequence {
    /// A sequence starting at `start`, stepping by `increment`.
    pub fn new(start: i64, increment: i64) -> Sequence {
        Sequence {
            last: start,
            increment,
            min: if increment > 0 { 1 } else { i64::MIN },
            max: if increment > 0 { i64::MAX } else { -1 },
            called: false,
            start,
        }
    }

    /// Back to its start, as if no value had been handed out.
    pub fn restart(&mut self) {
        self.last = self.start;
        self.called = false;
    }

    /// The stored bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.i64(self.last)
            .i64(self.increment)
            .i64(self.min)
            .i64(self.max)
            .u8(u8::from(self.called))
            .i64(self.start);
        w.into_bytes()
    }

    /// Reads stored bytes.
    pub fn decode(bytes: &[u8]) -> Result<Sequence> {
        let mut r = Reader::new(bytes, "sequence");
        let (last, increment, min, max, called) =
            (r.i64()?, r.i64()?, r.i64()?, r.i64()?, r.u8()? != 0);
        // Sequences stored before the start was kept began at their bound.
        let start = if r.remaining() > 0 {
            r.i64()?
        } else if increment > 0 {
            min
        } else {
            max
        };
        r.finish()?;
        let s = Sequence {
            last,
            increment,
            min,
            max,
            called,
            start,
        };
        if s.increment == 0 || s.min > s.max {
            return Err(Error::new(
                SqlState::DataCorrupted,
                "a stored sequence is malformed",
            ));
        }
        Ok(s)
    }
}

/// The sequences a statement may advance, and which it did; and what the
/// session's `nextval` calls returned, which `currval` and `lastval` read
/// (a session's own, kept from statement to statement, never rolled back:
/// sequences are not transactional).
#[derive(Debug, Default)]
pub struct Sequences {
    states: RefCell<BTreeMap<String, Sequence>>,
    changed: RefCell<bool>,
    /// The value the session's last `nextval` of each sequence returned.
    session: RefCell<BTreeMap<String, i64>>,
    /// The value the session's last `nextval` of any sequence returned.
    last: RefCell<Option<i64>>,
}

fn undefined(name: &str) -> Error {
    Error::new(
        SqlState::UndefinedTable,
        format!("relation \"{name}\" does not exist"),
    )
}

impl Sequences {
    /// The sequences stored in a catalog.
    pub fn load(stored: &BTreeMap<String, Vec<u8>>) -> Result<Sequences> {
        let states = stored
            .iter()
            .map(|(n, b)| Ok((n.clone(), Sequence::decode(b)?)))
            .collect::<Result<_>>()?;
        Ok(Sequences {
            states: RefCell::new(states),
            changed: RefCell::new(false),
            ..Sequences::default()
        })
    }

    /// Takes the sequences stored in a catalog for the next statement,
    /// keeping what the session's `nextval` calls returned.
    pub fn reload(&mut self, stored: &BTreeMap<String, Vec<u8>>) -> Result<()> {
        let fresh = Sequences::load(stored)?;
        self.states = fresh.states;
        self.changed = fresh.changed;
        Ok(())
    }

    /// Whether any sequence moved.
    pub fn changed(&self) -> bool {
        *self.changed.borrow()
    }

    /// The states to store back in the catalog.
    pub fn store(&self) -> BTreeMap<String, Vec<u8>> {
        self.states
            .borrow()
            .iter()
            .map(|(n, s)| (n.clone(), s.encode()))
            .collect()
    }

    /// `nextval`, `currval`, `setval` or `lastval`.
    pub fn call(&self, function: &str, args: &[Value]) -> Result<Value> {
        if function == "lastval" {
            return match *self.last.borrow() {
                Some(v) => Ok(Value::BigInt(v)),
                None => Err(Error::new(
                    SqlState::ObjectNotInPrerequisiteState,
                    "lastval is not yet defined in this session",
                )),
            };
        }
        let name = match args.first() {
            Some(Value::Text(n)) => n.to_lowercase(),
            Some(Value::Null) | None => return Ok(Value::Null),
            Some(other) => other.to_string(),
        };
        let mut states = self.states.borrow_mut();
        let seq = states.get_mut(&name).ok_or_else(|| undefined(&name))?;
        let value = match function {
            "nextval" => {
                let next = if seq.called {
                    seq.last.checked_add(seq.increment)
                } else {
                    Some(seq.last)
                };
                let next = next
                    .filter(|v| *v >= seq.min && *v <= seq.max)
                    .ok_or_else(|| {
                        Error::new(
                            SqlState::SequenceGeneratorLimitExceeded,
                            format!("nextval: reached maximum value of sequence \"{name}\""),
                        )
                    })?;
                seq.last = next;
                seq.called = true;
                self.session.borrow_mut().insert(name.clone(), next);
                *self.last.borrow_mut() = Some(next);
                next
            }
            "currval" => {
                return match self.session.borrow().get(&name) {
                    Some(v) => Ok(Value::BigInt(*v)),
                    None => Err(Error::new(
                        SqlState::ObjectNotInPrerequisiteState,
                        format!(
                            "currval of sequence \"{name}\" is not yet defined in this session"
                        ),
                    )),
                };
            }
            _ => {
                let value = args.get(1).and_then(Value::as_i64).ok_or_else(|| {
                    Error::new(
                        SqlState::InvalidParameterValue,
                        "setval takes a sequence and a bigint",
                    )
                })?;
                if value < seq.min || value > seq.max {
                    return Err(Error::new(
                        SqlState::NumericValueOutOfRange,
                        format!("setval: value {value} is out of bounds for sequence \"{name}\""),
                    ));
                }
                seq.last = value;
                seq.called = !matches!(args.get(2), Some(Value::Boolean(false)));
                value
            }
        };
        *self.changed.borrow_mut() = true;
        Ok(Value::BigInt(value))
    }
}

/// The name of the sequence behind serial or identity column `column` of
/// table `table`. The table owns it: it is made with the table, the
/// column's default draws from it ([`nextval_default`]), it is dropped with
/// the table, and it goes wherever version control keeps or moves the table
/// alone (an untracked table that `reset --hard` keeps).
pub fn owned_name(table: &str, column: &str) -> String {
    format!("{table}_{column}_seq")
}

/// The default of a column whose values come from `sequence`.
pub fn nextval_default(sequence: &str) -> String {
    format!("nextval('{sequence}')")
}

/// The sequences table `table` (its name in the catalog) owns: those of
/// its serial and identity columns (see [`owned_name`]).
pub fn owned_by(table: &str, schema: &TableSchema) -> Vec<String> {
    schema
        .columns
        .iter()
        .map(|c| owned_name(table, &c.name))
        .zip(&schema.columns)
        .filter(|(owned, c)| c.default.as_deref() == Some(nextval_default(owned).as_str()))
        .map(|(owned, _)| owned)
        .collect()
}

/// The functions that read or move a sequence.
pub const FUNCTIONS: [&str; 4] = ["nextval", "currval", "setval", "lastval"];
