//! Binding INSERT, UPDATE and DELETE.
//!
//! UPDATE and DELETE are planned as queries: the target table is scanned
//! with its encoded primary key appended (`Scan { with_key }`), joined with
//! the FROM or USING items and filtered by WHERE, so the optimizer's key
//! ranges and hash joins serve them as they serve SELECT. The statement then
//! changes each stored row named by a key once (the first match wins, as in
//! PostgreSQL).
//!
//! INSERT binds each column's DEFAULT, the `DEFAULT` keyword in VALUES, an
//! `ON CONFLICT` clause with its arbiter (the primary key or a unique index
//! whose columns it names) and `RETURNING`. Every statement that writes rows
//! carries the table's CHECK constraints, bound over the new row.

use sqlparser::ast;

use super::expr::{BinaryOp, Expr};
use super::plan::{Access, JoinKind, Plan, TableSource};
use super::scope::{Scope, ScopeColumn};
use super::{Binder, Statement, ident, object_name, sql_expression};
use crate::error::{Error, Result, SqlState};
use crate::sql::dml::{Cascade, CascadeAction};
use arbor_schema::{DataType, Value};

use crate::table::{Checks, ForeignKeyCheck, RowCheck, Table, bind_foreign_key};

/// A bound INSERT.
#[derive(Debug)]
pub struct InsertPlan {
    /// The target table.
    pub table: Table,
    /// For each source column, the target column's position.
    pub targets: Vec<usize>,
    /// The rows to insert.
    pub source: Plan,
    /// Each column's DEFAULT, bound (`None`: NULL).
    pub defaults: Vec<Option<Expr>>,
    /// `ON CONFLICT`.
    pub on_conflict: Option<OnConflict>,
    /// `RETURNING`, over the inserted (or updated) row.
    pub returning: Option<Returning>,
    /// The table's CHECK constraints.
    pub checks: Checks,
    /// The foreign keys the new rows must satisfy.
    pub foreign_keys: ForeignKeys,
}

/// A bound UPDATE or DELETE.
#[derive(Debug)]
pub struct ChangePlan {
    /// The target table.
    pub table: Table,
    /// The rows to change: the table's columns, the encoded primary key
    /// (bytea), then the columns of the FROM or USING items.
    pub source: Plan,
    /// UPDATE's (column position, new value over the source row); `None`
    /// for DELETE.
    pub assignments: Option<Vec<(usize, Expr)>>,
    /// `RETURNING`, over the source row with the new values (UPDATE) or the
    /// old ones (DELETE).
    pub returning: Option<Returning>,
    /// The table's CHECK constraints.
    pub checks: Checks,
    /// Foreign keys from and to the table.
    pub foreign_keys: ForeignKeys,
}

/// `INSERT ... ON CONFLICT`.
#[derive(Debug)]
pub struct OnConflict {
    /// The conflict target's column positions: the primary key's or a
    /// unique index's. `None` (only with DO NOTHING): any unique constraint.
    pub arbiter: Option<Vec<usize>>,
    /// What to do with a conflicting row.
    pub action: ConflictAction,
}

/// `DO NOTHING` or `DO UPDATE`.
#[derive(Debug)]
pub enum ConflictAction {
    /// Skip the proposed row.
    Nothing,
    /// Update the existing row. Expressions are over the existing row
    /// followed by the proposed one (`excluded`).
    Update {
        /// (column position, new value).
        assignments: Vec<(usize, Expr)>,
        /// Only rows for which this holds are updated.
        filter: Option<Expr>,
    },
}

/// `RETURNING` expressions and their column names.
#[derive(Debug)]
pub struct Returning {
    /// The expressions.
    pub exprs: Vec<Expr>,
    /// Output column names.
    pub columns: Vec<String>,
    /// Output column types, where binding can tell them.
    pub types: Vec<Option<DataType>>,
}

/// The foreign keys a writing statement must keep: those of its table
/// (checked on new rows) and those of other tables that reference it
/// (checked on removed rows).
#[derive(Debug, Default)]
pub struct ForeignKeys {
    /// Keys from the written table to its parents.
    pub outgoing: Vec<ForeignKeyCheck>,
    /// Keys from other tables (or this one) to the written table.
    pub incoming: Vec<ForeignKeyCheck>,
}

/// A CHECK constraint bound over a row of its table.
#[derive(Debug, Clone)]
pub struct Check {
    /// The constraint's name.
    pub name: String,
    /// The condition; a row passes unless it is false.
    pub expr: Expr,
}

impl RowCheck for Check {
    fn name(&self) -> &str {
        &self.name
    }

    fn holds(&self, row: &[Value]) -> Result<bool> {
        let verdict =
            crate::sql::eval::eval(&self.expr, row, &crate::sql::eval::EvalContext::default())?;
        Ok(crate::sql::eval::truth(&verdict)? != Some(false))
    }
}

impl Binder<'_> {
    pub(super) fn insert(&self, insert: &ast::Insert) -> Result<Statement> {
        let ast::TableObject::TableName(name) = &insert.table else {
            return Err(Error::unsupported("INSERT into a table function"));
        };
        let name = object_name(name)?;
        let table = self.table(&name)?;
        let qualifier = insert
            .table_alias
            .as_ref()
            .map_or(name.clone(), |a| ident(&a.alias));
        let table_scope = Scope::for_schema(&qualifier, &table.schema);
        let targets: Vec<usize> = if insert.columns.is_empty() {
            (0..table.schema.columns.len()).collect()
        } else {
            let mut targets = Vec::new();
            for c in &insert.columns {
                let i = column_position(&table, &object_name(c)?)?;
                if targets.contains(&i) {
                    return Err(Error::new(
                        SqlState::DuplicateColumn,
                        format!(
                            "column \"{}\" specified more than once",
                            table.schema.columns[i].name
                        ),
                    ));
                }
                targets.push(i);
            }
            targets
        };
        let defaults = self.defaults(&table)?;
        let (source, width) = match insert.source.as_deref() {
            None => (
                Plan::Values {
                    rows: vec![Vec::new()],
                    width: 0,
                },
                0,
            ),
            Some(q) => match q.body.as_ref() {
                ast::SetExpr::Values(values)
                    if q.with.is_none()
                        && q.order_by.is_none()
                        && q.limit_clause.is_none()
                        && q.fetch.is_none() =>
                {
                    self.insert_values(values, &table, &targets, &defaults)?
                }
                _ => {
                    let (plan, scope) = self.query(q, &[])?;
                    let width = scope.len();
                    (plan, width)
                }
            },
        };
        if width > targets.len() {
            return Err(Error::syntax(
                "INSERT has more expressions than target columns",
            ));
        }
        refuse_values_for_generated_always(insert, &table, &targets[..width])?;
        let on_conflict = match &insert.on {
            None => None,
            Some(ast::OnInsert::OnConflict(c)) => {
                Some(self.on_conflict(c, &table, &table_scope)?)
            }
            Some(_) => return Err(Error::unsupported("ON DUPLICATE KEY UPDATE")),
        };
        let returning = self.returning(insert.returning.as_deref(), &table_scope)?;
        Ok(Statement::Insert(Box::new(InsertPlan {
            checks: self.checks(&table)?,
            foreign_keys: self.foreign_keys(&table)?,
            targets: targets[..width].to_vec(),
            table,
            source,
            defaults,
            on_conflict,
            returning,
        })))
    }

    /// VALUES rows of an INSERT, where `DEFAULT` stands for the column's default.
    fn insert_values(
        &self,
        values: &ast::Values,
        table: &Table,
        targets: &[usize],
        defaults: &[Option<Expr>],
    ) -> Result<(Plan, usize)> {
        let width = values.rows.first().map_or(0, |r| r.len());
        let empty = Scope::new();
        let mut rows = Vec::with_capacity(values.rows.len());
        for r in &values.rows {
            if r.len() != width {
                return Err(Error::syntax("VALUES lists must all be the same length"));
            }
            let mut row = Vec::with_capacity(width);
            for (j, e) in r.iter().enumerate() {
                row.push(if is_default_keyword(e) {
                    let target = targets.get(j).ok_or_else(|| {
                        Error::syntax("INSERT has more expressions than target columns")
                    })?;
                    defaults[*target]
                        .clone()
                        .unwrap_or(Expr::Literal(Value::Null))
                } else {
                    // A parameter takes the column's type, and a string
                    // literal is read as one (its errors PostgreSQL's:
                    // `invalid input syntax for type integer`).
                    let bound = self.expr(e, &empty, &[], None)?;
                    let column_type = targets
                        .get(j)
                        .map(|t| table.schema.columns[*t].data_type.clone());
                    self.in_context(e, bound, None, column_type)?
                });
            }
            rows.push(row);
        }
        Ok((Plan::Values { rows, width }, width))
    }

    /// Each column's DEFAULT expression, bound.
    pub(super) fn defaults(&self, table: &Table) -> Result<Vec<Option<Expr>>> {
        let empty = Scope::new();
        table
            .schema
            .columns
            .iter()
            .map(|c| {
                c.default
                    .as_deref()
                    .map(|text| self.expr(&sql_expression(text)?, &empty, &[], None))
                    .transpose()
            })
            .collect()
    }

    /// The table's CHECK constraints, bound over its rows.
    pub(super) fn checks(&self, table: &Table) -> Result<Checks> {
        super::checks_of(&table.schema, self.catalog)
    }

    /// The foreign keys from and to `table`.
    pub(super) fn foreign_keys(&self, table: &Table) -> Result<ForeignKeys> {
        let mut keys = ForeignKeys::default();
        for fk in &table.schema.foreign_keys {
            let parent = if fk.referenced_table == table.name() {
                table.clone()
            } else {
                self.table(&fk.referenced_table)?
            };
            keys.outgoing.push(bind_foreign_key(fk, table, &parent)?);
        }
        for name in self.catalog.table_names() {
            let child = if name == table.name() {
                table.clone()
            } else {
                self.table(&name)?
            };
            for fk in &child.schema.foreign_keys {
                if fk.referenced_table == table.name() {
                    keys.incoming.push(bind_foreign_key(fk, &child, table)?);
                }
            }
        }
        Ok(keys)
    }

    fn on_conflict(
        &self,
        c: &ast::OnConflict,
        table: &Table,
        table_scope: &Scope,
    ) -> Result<OnConflict> {
        let schema = &table.schema;
        let primary_key: Vec<usize> = schema
            .primary_key
            .iter()
            .filter_map(|t| schema.tag_index(*t))
            .collect();
        let unique_indexes = || {
            schema.indexes.iter().filter(|i| i.unique).map(|i| {
                let positions: Vec<usize> = i
                    .columns
                    .iter()
                    .filter_map(|(t, _)| schema.tag_index(*t))
                    .collect();
                (i.name.clone(), positions)
            })
        };
        let no_match = || {
            Error::new(
                SqlState::InvalidColumnReference,
                "there is no unique or exclusion constraint matching the ON CONFLICT specification",
            )
        };
        let arbiter = match &c.conflict_target {
            None => None,
            Some(ast::ConflictTarget::Columns { columns, predicate }) => {
                if predicate.is_some() {
                    return Err(Error::unsupported("ON CONFLICT with an index predicate"));
                }
                let mut wanted = columns
                    .iter()
                    .map(|c| column_position(table, &ident(c)))
                    .collect::<Result<Vec<_>>>()?;
                wanted.sort_unstable();
                let same = |mut positions: Vec<usize>| {
                    positions.sort_unstable();
                    positions == wanted
                };
                if !primary_key.is_empty() && same(primary_key.clone()) {
                    Some(primary_key.clone())
                } else {
                    let found = unique_indexes().find(|(_, p)| same(p.clone()));
                    Some(found.ok_or_else(no_match)?.1)
                }
            }
            Some(ast::ConflictTarget::OnConstraint(name)) => {
                let name = object_name(name)?;
                if name == format!("{}_pkey", schema.name) && !primary_key.is_empty() {
                    Some(primary_key.clone())
                } else {
                    let found = unique_indexes().find(|(n, _)| *n == name);
                    Some(
                        found
                            .ok_or_else(|| {
                                Error::new(
                                    SqlState::UndefinedObject,
                                    format!(
                                        "constraint \"{name}\" for table \"{}\" does not exist",
                                        schema.name
                                    ),
                                )
                            })?
                            .1,
                    )
                }
            }
        };
        let action = match &c.action {
            ast::OnConflictAction::DoNothing => ConflictAction::Nothing,
            ast::OnConflictAction::DoUpdate(update) => {
                if arbiter.is_none() {
                    return Err(Error::new(
                        SqlState::SyntaxError,
                        "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                    )
                    .with_hint("For example, ON CONFLICT (column_name)."));
                }
                let excluded = Scope::for_schema("excluded", &table.schema);
                let scope = table_scope.join(&excluded);
                let assignments = self.assignments(&update.assignments, table, &scope)?;
                let filter = update
                    .selection
                    .as_ref()
                    .map(|w| self.expr(w, &scope, &[], None))
                    .transpose()?;
                ConflictAction::Update {
                    assignments,
                    filter,
                }
            }
        };
        Ok(OnConflict { arbiter, action })
    }

    fn assignments(
        &self,
        list: &[ast::Assignment],
        table: &Table,
        scope: &Scope,
    ) -> Result<Vec<(usize, Expr)>> {
        // `SET (a, b) = (x, y)` (or `ROW(x, y)`) is `SET a = x, b = y`.
        let mut pairs: Vec<(&ast::ObjectName, &ast::Expr)> = Vec::new();
        for a in list {
            match &a.target {
                ast::AssignmentTarget::ColumnName(col) => pairs.push((col, &a.value)),
                ast::AssignmentTarget::Tuple(columns) => {
                    let Some(values) = super::row_items(&a.value) else {
                        if matches!(a.value, ast::Expr::Subquery(_)) {
                            return Err(Error::unsupported(
                                "assigning a sub-SELECT to a tuple of columns",
                            ));
                        }
                        return Err(Error::new(
                            SqlState::FeatureNotSupported,
                            "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression",
                        ));
                    };
                    if values.len() != columns.len() {
                        return Err(Error::syntax(
                            "number of columns does not match number of values",
                        ));
                    }
                    pairs.extend(columns.iter().zip(values));
                }
            }
        }
        let mut out: Vec<(usize, Expr)> = Vec::new();
        for (col, value) in pairs {
            // `SET t.a = ...` may qualify the column with the table name.
            let name = col.0.last().and_then(|p| p.as_ident()).map(ident);
            let name = name.ok_or_else(|| Error::syntax("bad column name in SET"))?;
            let i = column_position(table, &name)?;
            // `SET a = DEFAULT` is the column's default.
            if is_default_keyword(value) {
                out.retain(|(j, _)| *j != i);
                let default = self.defaults(table)?.swap_remove(i);
                out.push((i, default.unwrap_or(Expr::Literal(Value::Null))));
                continue;
            }
            if table.schema.columns[i].generated_always {
                return Err(Error::new(
                    SqlState::GeneratedAlways,
                    format!("column \"{name}\" can only be updated to DEFAULT"),
                )
                .with_detail(format!(
                    "Column \"{name}\" is an identity column defined as GENERATED ALWAYS."
                )));
            }
            // PostgreSQL refuses a column assigned twice; the SQLite-derived
            // corpus expects the last assignment to win, and so it does here.
            out.retain(|(j, _)| *j != i);
            // As in INSERT: a parameter takes the column's type, a string
            // literal is read as one.
            let bound = self.expr(value, scope, &[], None)?;
            let column_type = table.schema.columns[i].data_type.clone();
            out.push((i, self.in_context(value, bound, None, Some(column_type))?));
        }
        Ok(out)
    }

    fn returning(
        &self,
        items: Option<&[ast::SelectItem]>,
        scope: &Scope,
    ) -> Result<Option<Returning>> {
        let Some(items) = items else {
            return Ok(None);
        };
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        for item in items {
            match item {
                ast::SelectItem::UnnamedExpr(e) => {
                    exprs.push(self.expr(e, scope, &[], None)?);
                    columns.push(super::column_label(e));
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    exprs.push(self.expr(expr, scope, &[], None)?);
                    columns.push(ident(alias));
                }
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    let qualifier = match item {
                        ast::SelectItem::QualifiedWildcard(
                            ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                            _,
                        ) => Some(object_name(n)?),
                        _ => None,
                    };
                    for i in scope.expand(qualifier.as_deref())? {
                        exprs.push(Expr::Column(i));
                        columns.push(scope.columns[i].name.clone());
                    }
                }
                _ => return Err(Error::unsupported("this kind of RETURNING item")),
            }
        }
        let types = exprs
            .iter()
            .map(|e| super::types::static_type(e, scope, &[]))
            .collect();
        Ok(Some(Returning {
            exprs,
            columns,
            types,
        }))
    }

    /// The target of UPDATE or DELETE scanned with its keys, and its scope
    /// (the table's columns, then the hidden key).
    fn change_target(&self, twj: &ast::TableWithJoins) -> Result<(Table, Plan, Scope)> {
        if !twj.joins.is_empty() {
            return Err(Error::unsupported(
                "joins in the target of UPDATE or DELETE",
            ));
        }
        let ast::TableFactor::Table { name, alias, .. } = &twj.relation else {
            return Err(Error::unsupported("this target of UPDATE or DELETE"));
        };
        let table_name = object_name(name)?;
        let qualifier = alias
            .as_ref()
            .map_or(table_name.clone(), |a| ident(&a.name));
        self.change_scan(&table_name, qualifier)
    }

    /// Table `table_name` scanned with its keys, as the target of a change
    /// known by `qualifier`.
    fn change_scan(&self, table_name: &str, qualifier: String) -> Result<(Table, Plan, Scope)> {
        let table_name = table_name.to_owned();
        let table = self.table(&table_name)?;
        let mut scope = Scope::for_schema(&qualifier, &table.schema);
        scope.columns.push(ScopeColumn {
            table: Some(qualifier),
            name: "ctid".into(),
            hidden: true,
            qualified_only: false,
            data_type: None,
        });
        let plan = Plan::Scan {
            table: TableSource::of(table_name, &table),
            access: Access::full(),
            filter: None,
            with_key: true,
            columns: None,
        };
        Ok((table, plan, scope))
    }

    /// Joins the FROM (UPDATE) or USING (DELETE) items to the target, filters
    /// by WHERE and optimizes.
    fn change_rows(
        &self,
        mut plan: Plan,
        mut scope: Scope,
        from: &[ast::TableWithJoins],
        selection: Option<&ast::Expr>,
    ) -> Result<(Plan, Scope)> {
        for twj in from {
            let (p, s) = self.join_tree(twj, &[], None)?;
            plan = Plan::NestedLoopJoin {
                left: Box::new(plan),
                right: Box::new(p),
                kind: JoinKind::Inner,
                on: None,
            };
            scope = scope.join(&s);
        }
        if let Some(w) = selection {
            plan = Plan::Filter {
                predicate: self.expr(w, &scope, &[], None)?,
                source: Box::new(plan),
            };
        }
        Ok((self.optimize(plan), scope))
    }

    pub(super) fn update(&self, u: &ast::Update) -> Result<Statement> {
        let (table, scan, scope) = self.change_target(&u.table)?;
        let from = match &u.from {
            None => &[][..],
            Some(ast::UpdateTableFromKind::AfterSet(list))
            | Some(ast::UpdateTableFromKind::BeforeSet(list)) => list.as_slice(),
        };
        let (source, scope) = self.change_rows(scan, scope, from, u.selection.as_ref())?;
        let assignments = self.assignments(&u.assignments, &table, &scope)?;
        let returning = self.returning(u.returning.as_deref(), &scope)?;
        Ok(Statement::Update(Box::new(ChangePlan {
            checks: self.checks(&table)?,
            foreign_keys: self.foreign_keys(&table)?,
            table,
            source,
            assignments: Some(assignments),
            returning,
        })))
    }

    pub(super) fn delete(&self, d: &ast::Delete) -> Result<Statement> {
        let from = match &d.from {
            ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t,
        };
        let [target] = from.as_slice() else {
            return Err(Error::unsupported("DELETE from several tables"));
        };
        let (table, scan, scope) = self.change_target(target)?;
        let using = d.using.as_deref().unwrap_or_default();
        let (source, scope) = self.change_rows(scan, scope, using, d.selection.as_ref())?;
        let returning = self.returning(d.returning.as_deref(), &scope)?;
        Ok(Statement::Delete(Box::new(ChangePlan {
            foreign_keys: self.foreign_keys(&table)?,
            table,
            source,
            assignments: None,
            returning,
            checks: Vec::new(),
        })))
    }
}

/// The change a foreign key's action makes to its child table's rows that
/// reference the parent's old key, bound like the UPDATE or DELETE it
/// stands for (`UPDATE child SET cols = ... WHERE cols = old`), so it is
/// checked, indexed and cascades further like one.
pub fn plan_cascade(cascade: &Cascade, catalog: &dyn super::CatalogView) -> Result<Statement> {
    let binder = Binder::new(catalog);
    let (table, scan, _) = binder.change_scan(&cascade.child, cascade.child.clone())?;
    let mut predicate: Option<Expr> = None;
    for (&column, old) in cascade.columns.iter().zip(&cascade.old) {
        let equal = Expr::Binary(
            BinaryOp::Eq,
            Box::new(Expr::Column(column)),
            Box::new(Expr::Literal(old.clone())),
        );
        predicate = Some(match predicate {
            None => equal,
            Some(p) => Expr::Binary(BinaryOp::And, Box::new(p), Box::new(equal)),
        });
    }
    let source = match predicate {
        Some(predicate) => Plan::Filter {
            predicate,
            source: Box::new(scan),
        },
        None => scan,
    };
    let source = binder.optimize(source);
    let foreign_keys = binder.foreign_keys(&table)?;
    match &cascade.action {
        CascadeAction::Delete => Ok(Statement::Delete(Box::new(ChangePlan {
            foreign_keys,
            table,
            source,
            assignments: None,
            returning: None,
            checks: Vec::new(),
        }))),
        CascadeAction::Set(values) => {
            let defaults = binder.defaults(&table)?;
            let assignments = cascade
                .columns
                .iter()
                .zip(values)
                .map(|(&column, value)| {
                    let expr = match value {
                        Some(v) => Expr::Literal(v.clone()),
                        None => defaults[column]
                            .clone()
                            .unwrap_or(Expr::Literal(Value::Null)),
                    };
                    (column, expr)
                })
                .collect();
            Ok(Statement::Update(Box::new(ChangePlan {
                checks: binder.checks(&table)?,
                foreign_keys,
                table,
                source,
                assignments: Some(assignments),
                returning: None,
            })))
        }
    }
}

/// The position of column `name` in `table`, or PostgreSQL's error.
fn column_position(table: &Table, name: &str) -> Result<usize> {
    table.schema.column_index(name).ok_or_else(|| {
        Error::new(
            SqlState::UndefinedColumn,
            format!(
                "column \"{name}\" of relation \"{}\" does not exist",
                table.name()
            ),
        )
    })
}

/// Whether `e` is the `DEFAULT` keyword (in VALUES or SET).
fn is_default_keyword(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(id)
        if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
}

/// Refuses an INSERT that gives a value (not `DEFAULT`) for an identity
/// column `GENERATED ALWAYS` among `targets` (the columns its source
/// fills), unless it says `OVERRIDING SYSTEM VALUE`, as PostgreSQL does.
fn refuse_values_for_generated_always(
    insert: &ast::Insert,
    table: &Table,
    targets: &[usize],
) -> Result<()> {
    match insert.overriding {
        Some(ast::InsertOverriding::System) => return Ok(()),
        Some(ast::InsertOverriding::User) => {
            return Err(Error::unsupported("OVERRIDING USER VALUE"));
        }
        None => {}
    }
    let Some(source) = insert.source.as_deref() else {
        return Ok(());
    };
    let given = |j: usize| -> bool {
        match source.body.as_ref() {
            // A VALUES list gives a value where some row has one there.
            ast::SetExpr::Values(values) => values
                .rows
                .iter()
                .any(|r| r.get(j).is_some_and(|e| !is_default_keyword(e))),
            _ => true,
        }
    };
    for (j, &i) in targets.iter().enumerate() {
        let column = &table.schema.columns[i];
        if column.generated_always && given(j) {
            return Err(Error::new(
                SqlState::GeneratedAlways,
                format!(
                    "cannot insert a non-DEFAULT value into column \"{}\"",
                    column.name
                ),
            )
            .with_detail(format!(
                "Column \"{}\" is an identity column defined as GENERATED ALWAYS.",
                column.name
            ))
            .with_hint("Use OVERRIDING SYSTEM VALUE to override."));
        }
    }
    Ok(())
}
