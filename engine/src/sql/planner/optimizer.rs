//! Plan rewrites that keep results and cut work.
//!
//! **Predicate pushdown.** A WHERE clause over a FROM list is first bound as
//! a filter over a tree of cross joins. Each of its AND-ed terms is moved to
//! the lowest place where every column it reads is available: into a filter
//! on a single table, or into the condition of the smallest inner join that
//! covers it. A join then discards non-matching pairs as it forms them,
//! instead of forming the whole cross product first. Terms with subqueries
//! stay where they are (their cost and correlation make moving them a
//! separate decision).

use super::expr::Expr;
use super::plan::{JoinKind, Plan};

/// Applies every rewrite to `plan`.
pub fn optimize(plan: Plan) -> Plan {
    push_down(plan)
}

fn push_down(plan: Plan) -> Plan {
    match plan {
        Plan::Filter { source, predicate } => {
            let source = push_down(*source);
            let mut kept = Vec::new();
            let mut source = source;
            for term in predicate.into_conjuncts() {
                if term.has_subquery() {
                    kept.push(term);
                    continue;
                }
                match place(source, term) {
                    (s, None) => source = s,
                    (s, Some(t)) => {
                        source = s;
                        kept.push(t);
                    }
                }
            }
            match Expr::conjunction(kept) {
                Some(predicate) => Plan::Filter {
                    source: Box::new(source),
                    predicate,
                },
                None => source,
            }
        }
        Plan::NestedLoopJoin {
            left,
            right,
            kind,
            on,
        } => Plan::NestedLoopJoin {
            left: Box::new(push_down(*left)),
            right: Box::new(push_down(*right)),
            kind,
            on,
        },
        Plan::Project { source, exprs } => Plan::Project {
            source: Box::new(push_down(*source)),
            exprs,
        },
        Plan::Aggregate {
            source,
            group_by,
            aggregates,
        } => Plan::Aggregate {
            source: Box::new(push_down(*source)),
            group_by,
            aggregates,
        },
        Plan::Sort { source, keys } => Plan::Sort {
            source: Box::new(push_down(*source)),
            keys,
        },
        Plan::Limit {
            source,
            limit,
            offset,
        } => Plan::Limit {
            source: Box::new(push_down(*source)),
            limit,
            offset,
        },
        Plan::Distinct { source, on } => Plan::Distinct {
            source: Box::new(push_down(*source)),
            on,
        },
        Plan::SetOp {
            kind,
            all,
            left,
            right,
        } => Plan::SetOp {
            kind,
            all,
            left: Box::new(push_down(*left)),
            right: Box::new(push_down(*right)),
        },
        other => other,
    }
}

/// Tries to place `term` (over `plan`'s columns) inside `plan`. Returns the
/// new plan and the term if it could not be placed.
fn place(plan: Plan, term: Expr) -> (Plan, Option<Expr>) {
    let columns = term.columns();
    match plan {
        Plan::NestedLoopJoin {
            left,
            right,
            kind: JoinKind::Inner,
            on,
        } => {
            let lw = left.width();
            if columns.iter().all(|c| *c < lw) {
                let (l, rest) = place(*left, term);
                let l = wrap(l, rest);
                return (
                    Plan::NestedLoopJoin {
                        left: Box::new(l),
                        right,
                        kind: JoinKind::Inner,
                        on,
                    },
                    None,
                );
            }
            if columns.iter().all(|c| *c >= lw) {
                let shifted = shift(term, lw);
                let (r, rest) = place(*right, shifted);
                let r = wrap(r, rest);
                return (
                    Plan::NestedLoopJoin {
                        left,
                        right: Box::new(r),
                        kind: JoinKind::Inner,
                        on,
                    },
                    None,
                );
            }
            let on = Expr::conjunction(on.into_iter().chain([term]).collect());
            (
                Plan::NestedLoopJoin {
                    left,
                    right,
                    kind: JoinKind::Inner,
                    on,
                },
                None,
            )
        }
        other => (other, Some(term)),
    }
}

/// Adds a filter for a term that could not go deeper.
fn wrap(plan: Plan, term: Option<Expr>) -> Plan {
    match term {
        None => plan,
        Some(t) => match plan {
            Plan::Filter { source, predicate } => Plan::Filter {
                source,
                predicate: Expr::and(predicate, t),
            },
            other => Plan::Filter {
                source: Box::new(other),
                predicate: t,
            },
        },
    }
}

/// Renumbers the columns of a term moved into a join's right side.
fn shift(term: Expr, by: usize) -> Expr {
    term.transform(&mut |e| match e {
        Expr::Column(i) => Expr::Column(i - by),
        other => other,
    })
}
