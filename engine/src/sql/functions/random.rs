//! `random()`, `setseed(x)` and `gen_random_uuid()`: the volatile
//! functions, computed anew at every call (never folded into a plan).
//!
//! `random()` draws from a generator of the thread running the statement:
//! seeded by the operating system, or by `setseed(x)`, after which the
//! values repeat from the same seed, as PostgreSQL's do (not the same
//! values as PostgreSQL's). `gen_random_uuid()` is a version 4 UUID from
//! the operating system's generator (the `uuid` crate), never seeded.

use std::cell::RefCell;

use arbor_schema::Value;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::wrong_args;
use crate::error::{Error, Result, SqlState};

/// The functions this module answers.
pub const NAMES: &[&str] = &["random", "setseed", "gen_random_uuid"];

thread_local! {
    /// The generator `setseed` seeded, if it did.
    static SEEDED: RefCell<Option<StdRng>> = const { RefCell::new(None) };
}

/// Calls `name` on non-NULL `args`.
pub fn call(name: &str, args: &[Value]) -> Result<Value> {
    match (name, args) {
        ("random", []) => Ok(Value::Double(SEEDED.with(
            |seeded| match seeded.borrow_mut().as_mut() {
                Some(rng) => rng.random::<f64>(),
                None => rand::rng().random::<f64>(),
            },
        ))),
        ("setseed", [seed]) => {
            let x = seed.as_f64().ok_or_else(|| wrong_args(name, 1))?;
            if !(-1.0..=1.0).contains(&x) {
                return Err(Error::new(
                    SqlState::InvalidParameterValue,
                    format!("setseed parameter {x} is out of allowed range [-1,1]"),
                ));
            }
            SEEDED.with(|seeded| *seeded.borrow_mut() = Some(StdRng::seed_from_u64(x.to_bits())));
            Ok(Value::Null)
        }
        ("gen_random_uuid", []) => Ok(Value::Uuid(uuid::Uuid::new_v4())),
        _ => Err(wrong_args(name, args.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_repeats_the_values_and_uuids_are_version_4() {
        let draws = || {
            call("setseed", &[Value::Double(0.5)]).unwrap();
            (0..3)
                .map(|_| call("random", &[]).unwrap())
                .collect::<Vec<_>>()
        };
        let first = draws();
        assert_eq!(first, draws());
        assert!(
            first
                .iter()
                .all(|v| matches!(v, Value::Double(x) if (0.0..1.0).contains(x)))
        );
        assert!(call("setseed", &[Value::Double(2.0)]).is_err());
        let Value::Uuid(u) = call("gen_random_uuid", &[]).unwrap() else {
            panic!("not a uuid")
        };
        assert_eq!(u.get_version_num(), 4);
        assert_ne!(call("gen_random_uuid", &[]).unwrap(), Value::Uuid(u));
    }
}
