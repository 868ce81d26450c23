//! Interactive rebase from SQL, as Dolt's: `SELECT arbor_rebase('-i',
//! 'main')` writes the plan into the table `arbor_rebase` of the branch's
//! working set and records the rebase as planned; the user edits the
//! plan with UPDATE, DELETE or INSERT; `arbor_rebase('--continue')` reads
//! it back, drops the table and applies it (stopping at conflicts as any
//! rebase does); `arbor_rebase('--abort')` drops it and forgets the plan.
//!
//! ```text
//! arbor_rebase (rebase_order numeric PRIMARY KEY, action text NOT NULL,
//!               commit_hash text NOT NULL, commit_message text)
//! ```
//!
//! `action` is `pick`, `reword` (the commit takes `commit_message`),
//! `squash`, `fixup` or `drop`; rows apply in `rebase_order`.

use arbor_schema::Value;

use super::session::{Session, StatementResult};
use crate::env::Environment;
use crate::error::{Error, Result, SqlState};
use crate::objects::{Step, StepAction};
use crate::ops::{self, RebaseArgs};
use crate::repo::Repository;
use crate::vc;
use crate::vc::merge::SequenceOutcome;

/// The table the plan waits in.
pub const PLAN_TABLE: &str = "arbor_rebase";

/// A session on `branch` with the caller's environment.
fn session(repo: &Repository, branch: &str, env: &Environment) -> Result<Session> {
    let mut session = Session::open(repo.clone(), branch)?;
    session.set_environment(env.clone());
    Ok(session)
}

/// Plans the rebase `args` describe: the plan table, one `pick` per
/// commit; returns how many.
pub fn start(
    repo: &Repository,
    env: &Environment,
    branch: &str,
    args: &RebaseArgs,
) -> Result<usize> {
    // Refused before the table is made, so a refusal leaves nothing.
    vc::merge::refuse_in_progress(&vc::BranchState::read(repo, branch)?)?;
    let planned = ops::rebase_plan(repo, branch, args)?;
    if planned.is_empty() {
        return Err(Error::new(
            SqlState::ObjectNotInPrerequisiteState,
            "nothing to rebase: the branch has no commits of its own",
        ));
    }
    let onto = vc::revision::resolve(repo, branch, args.upstream.as_deref().unwrap_or("HEAD"))?;
    let mut sql = format!(
        "CREATE TABLE {PLAN_TABLE} (rebase_order numeric PRIMARY KEY, action text NOT NULL, \
         commit_hash text NOT NULL, commit_message text);\n"
    );
    for (i, p) in planned.iter().enumerate() {
        sql.push_str(&format!(
            "INSERT INTO {PLAN_TABLE} VALUES ({}, 'pick', {}, {});\n",
            i + 1,
            Value::Text(p.step.commit.to_hex()).sql_literal(),
            Value::Text(p.commit.message.clone()).sql_literal()
        ));
    }
    session(repo, branch, env)?.execute_as_one(&sql, &mut |_| Ok(()))?;
    vc::merge::plan_rebase(repo, branch, onto)?;
    Ok(planned.len())
}

/// Whether `branch` has a rebase planned and waiting for its plan.
pub fn is_planned(repo: &Repository, branch: &str) -> Result<bool> {
    Ok(repo
        .working_set(branch)?
        .1
        .sequence
        .is_some_and(|s| s.planned_onto.is_some()))
}

/// Applies the edited plan: read, checked, then the table dropped and the
/// rebase run.
pub fn continue_planned(
    repo: &Repository,
    env: &Environment,
    checks: &dyn crate::table::CheckBinder,
    branch: &str,
) -> Result<SequenceOutcome> {
    let mut session = session(repo, branch, env)?;
    let rows = match session
        .execute(&format!(
            "SELECT action, commit_hash, commit_message FROM {PLAN_TABLE} ORDER BY rebase_order"
        ))?
        .pop()
    {
        Some(StatementResult::Rows { rows, .. }) => rows,
        _ => return Err(Error::internal("the rebase plan's query returned no rows")),
    };
    let mut steps = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        let text = |i: usize| match row.get(i) {
            Some(Value::Text(s)) => Some(s.clone()),
            _ => None,
        };
        let at = || format!("row {} of {PLAN_TABLE}", n + 1);
        let written = text(0).unwrap_or_default().trim().to_ascii_lowercase();
        let reword = matches!(written.as_str(), "reword" | "r");
        let action = match written.as_str() {
            "pick" | "p" | "reword" | "r" => StepAction::Pick,
            "squash" | "s" => StepAction::Squash,
            "fixup" | "f" => StepAction::Fixup,
            "drop" | "d" => continue,
            other => {
                return Err(Error::new(
                    SqlState::InvalidParameterValue,
                    format!("{}: unknown action '{other}'", at()),
                )
                .with_hint("use pick, reword, squash, fixup or drop"));
            }
        };
        let commit = vc::revision::resolve(repo, branch, &text(1).unwrap_or_default())
            .map_err(|e| Error::new(e.code, format!("{}: {}", at(), e.message)))?;
        let message = if reword {
            match text(2).filter(|m| !m.trim().is_empty()) {
                Some(m) => Some(m),
                None => {
                    return Err(Error::new(
                        SqlState::InvalidParameterValue,
                        format!("{}: a reword needs a commit_message", at()),
                    ));
                }
            }
        } else {
            None
        };
        if steps.is_empty() && matches!(action, StepAction::Squash | StepAction::Fixup) {
            return Err(Error::new(
                SqlState::InvalidParameterValue,
                format!("{}: a rebase cannot start with a squash or fixup", at()),
            ));
        }
        steps.push(Step {
            action,
            commit,
            message,
        });
    }
    if steps.is_empty() {
        return Err(Error::new(
            SqlState::InvalidParameterValue,
            format!("every row of {PLAN_TABLE} is a drop: nothing to apply"),
        )
        .with_hint("abort the rebase with SELECT arbor_rebase('--abort')"));
    }
    session.execute(&format!("DROP TABLE {PLAN_TABLE}"))?;
    vc::merge::run_planned(repo, checks, branch, steps)
}

/// A rebase as `args` say (an interactive one applying `edited`), where a
/// plan made from SQL is read from, or dropped with, its table on
/// `--continue` or `--abort`: the one way in for the procedure and the
/// facade alike.
pub fn rebase(
    repo: &Repository,
    env: &Environment,
    checks: &dyn crate::table::CheckBinder,
    branch: &str,
    args: &RebaseArgs,
    edited: Option<Vec<Step>>,
) -> Result<ops::SequenceDone> {
    if is_planned(repo, branch)? {
        if args.continue_ {
            let outcome = continue_planned(repo, env, checks, branch)?;
            return Ok(ops::SequenceDone::Ran(outcome));
        }
        if args.abort {
            abort_planned(repo, env, branch)?;
            return Ok(ops::SequenceDone::Aborted);
        }
    }
    ops::rebase(repo, checks, branch, args, edited)
}

/// Drops the plan and forgets the planned rebase.
pub fn abort_planned(repo: &Repository, env: &Environment, branch: &str) -> Result<()> {
    session(repo, branch, env)?.execute(&format!("DROP TABLE IF EXISTS {PLAN_TABLE}"))?;
    vc::merge::abort_sequence(repo, branch, crate::objects::SequenceKind::Rebase)
}
