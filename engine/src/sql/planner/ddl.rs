//! Binding CREATE TABLE, CREATE INDEX and ALTER TABLE.
//!
//! Each produces the complete new [`TableSchema`]; the session then writes
//! the new table object in full (phase one) and swaps it into the catalog
//! (phase two), so a failure halfway leaves the old table as it was.
//!
//! Columns are known by stable tags, and rows store values by tag, so most
//! of ALTER TABLE changes the schema alone: adding a column (old rows read
//! as its default through the column's `missing` value), dropping or
//! renaming one, defaults, NOT NULL, CHECK and foreign keys (the last three
//! check the existing rows). A new type for a column, or a new primary key,
//! rewrites every row. Constraint names follow PostgreSQL's defaults
//! (`t_pkey`, `t_a_key`, `t_a_check`, `t_a_fkey`).

use arbor_schema::table::{CheckConstraint, ForeignKey, ForeignKeyAction, Index, UniqueConstraint};
use arbor_schema::{DataType, TableSchema, Value};
use sqlparser::ast;

use std::sync::Arc;

use super::expr::Expr;
use super::scope::Scope;
use super::{
    Binder, Statement, check_new_name, ident, new_relation_name, object_name, sql_expression,
};
use crate::error::{Error, Result, SqlState};
use crate::sql::eval::{EvalContext, eval};
use crate::table::ForeignKeyCheck;
use crate::table::Table;
use crate::table::sequences::Sequence;

/// A bound ALTER TABLE: the table before and the schema after.
#[derive(Debug)]
pub struct AlterPlan {
    /// The table as it is.
    pub table: Table,
    /// Its schema after every action.
    pub schema: TableSchema,
    /// When rows must be rewritten (a column's type or the primary key
    /// changed): the new row's values, one expression per new column over
    /// the old row.
    pub rewrite: Option<Vec<Expr>>,
    /// Whether existing rows must be checked against the new schema's NOT
    /// NULL and CHECK constraints.
    pub validate: bool,
    /// Foreign keys the statement adds: existing rows must satisfy them.
    pub new_foreign_keys: Vec<ForeignKeyCheck>,
}

impl Binder<'_> {
    pub(super) fn create_table(&self, ct: &ast::CreateTable) -> Result<Statement> {
        if ct.query.is_some() {
            return Err(Error::unsupported("CREATE TABLE ... AS"));
        }
        // A child table would silently lack its parent's columns and rows.
        if ct.inherits.is_some() {
            return Err(Error::unsupported("CREATE TABLE ... INHERITS"));
        }
        if ct.partition_of.is_some() || ct.partition_by.is_some() {
            return Err(Error::unsupported("table partitioning"));
        }
        if ct.like.is_some() || ct.clone.is_some() {
            return Err(Error::unsupported("CREATE TABLE ... LIKE"));
        }
        if ct.temporary && !matches!(ct.on_commit, None | Some(ast::OnCommit::PreserveRows)) {
            return Err(Error::unsupported(
                "ON COMMIT DELETE ROWS and ON COMMIT DROP",
            ));
        }
        let name = new_relation_name(&ct.name)?;
        let mut schema = TableSchema::new(name);
        let mut sequences = Vec::new();
        for col in &ct.columns {
            let col_name = ident(&col.name);
            if schema.column_index(&col_name).is_some() {
                return Err(Error::new(
                    SqlState::DuplicateColumn,
                    format!("column \"{col_name}\" specified more than once"),
                ));
            }
            if let Some(sequence) = self.add_column(&mut schema, col)? {
                sequences.push(sequence);
            }
        }
        for c in &ct.constraints {
            self.add_constraint(&mut schema, c, None)?;
        }
        schema.validate().map_err(crate::table::value_error)?;
        Ok(Statement::CreateTable {
            schema,
            if_not_exists: ct.if_not_exists,
            sequences,
            temporary: ct.temporary,
        })
    }

    /// Adds a column and its inline constraints to `schema`. A serial or
    /// identity column draws its default from a new sequence, whose name
    /// is returned.
    /// Adds column `col` to `schema`; for a serial or identity column, also
    /// returns the sequence it draws from, to create with the table.
    fn add_column(
        &self,
        schema: &mut TableSchema,
        col: &ast::ColumnDef,
    ) -> Result<Option<(String, Sequence)>> {
        let col_name = ident(&col.name);
        check_new_name(&col_name)?;
        if schema.columns.len() >= arbor_schema::table::MAX_COLUMNS {
            // PostgreSQL's limit. Tables stored before it keep working:
            // only a new column is refused.
            return Err(Error::new(
                SqlState::TooManyColumns,
                format!(
                    "tables can have at most {} columns",
                    arbor_schema::table::MAX_COLUMNS
                ),
            )
            .with_table(&schema.name));
        }
        if schema.column_index(&col_name).is_some() {
            return Err(Error::new(
                SqlState::DuplicateColumn,
                format!(
                    "column \"{col_name}\" of relation \"{}\" already exists",
                    schema.name
                ),
            ));
        }
        let serial = serial_type(&col.data_type);
        let column_type = match &serial {
            Some(t) => t.clone(),
            None => self.column_type(&col.data_type)?,
        };
        schema.add_column(col_name.clone(), column_type, true);
        let mut sequence = None;
        // An identity column's sequence options (`START WITH 100`, ...).
        let identity = col.options.iter().find_map(|o| match &o.option {
            ast::ColumnOption::Generated {
                generation_expr: None,
                sequence_options,
                ..
            } => Some(sequence_options.as_deref().unwrap_or_default()),
            _ => None,
        });
        if serial.is_some() || identity.is_some() {
            let name = crate::table::sequences::owned_name(&schema.name, &col_name);
            let position = schema.columns.len() - 1;
            schema.columns[position].nullable = false;
            schema.columns[position].generated_always = col.options.iter().any(|o| {
                matches!(
                    &o.option,
                    ast::ColumnOption::Generated {
                        generated_as: ast::GeneratedAs::Always,
                        generation_expr: None,
                        ..
                    }
                )
            });
            schema.columns[position].default =
                Some(crate::table::sequences::nextval_default(&name));
            sequence = Some((
                name,
                self.sequence_from_options(identity.unwrap_or_default())?,
            ));
        }
        for opt in &col.options {
            let position = schema.columns.len() - 1;
            let column_key = || {
                vec![ast::IndexColumn {
                    column: ast::OrderByExpr {
                        expr: ast::Expr::Identifier(col.name.clone()),
                        options: ast::OrderByOptions {
                            sort: None,
                            nulls_first: None,
                        },
                        with_fill: None,
                    },
                    operator_class: None,
                }]
            };
            match &opt.option {
                ast::ColumnOption::NotNull => schema.columns[position].nullable = false,
                ast::ColumnOption::Null => {}
                // An identity column: a sequence-backed default, set above.
                ast::ColumnOption::Generated {
                    generation_expr: None,
                    ..
                } => {}
                ast::ColumnOption::Default(e) => {
                    self.check_default(e, &schema.columns[position].data_type)?;
                    schema.columns[position].default = Some(e.to_string());
                }
                ast::ColumnOption::PrimaryKey(pk) => {
                    let mut pk = pk.clone();
                    pk.columns = column_key();
                    pk.name = pk.name.or(opt.name.clone());
                    self.add_constraint(schema, &ast::TableConstraint::PrimaryKey(pk), None)?;
                }
                ast::ColumnOption::Unique(u) => {
                    let mut u = u.clone();
                    u.columns = column_key();
                    u.name = u.name.or(opt.name.clone());
                    self.add_constraint(schema, &ast::TableConstraint::Unique(u), None)?;
                }
                ast::ColumnOption::Check(c) => {
                    let mut c = c.clone();
                    c.name = c.name.or(opt.name.clone());
                    self.add_constraint(schema, &ast::TableConstraint::Check(c), Some(&col_name))?;
                }
                ast::ColumnOption::ForeignKey(fk) => {
                    let mut fk = fk.clone();
                    fk.columns = vec![col.name.clone()];
                    fk.name = fk.name.or(opt.name.clone());
                    self.add_constraint(schema, &ast::TableConstraint::ForeignKey(fk), None)?;
                }
                ast::ColumnOption::Collation(collation) => {
                    let data_type = &schema.columns[position].data_type;
                    let text_like = |t: &DataType| {
                        matches!(t, DataType::Text | DataType::Varchar(_) | DataType::Char(_))
                    };
                    let collatable = match data_type {
                        DataType::Array(element) => text_like(element),
                        other => text_like(other),
                    };
                    if !collatable {
                        return Err(Error::new(
                            SqlState::DatatypeMismatch,
                            format!("collations are not supported by type {data_type}"),
                        ));
                    }
                    super::check_collation(collation)?;
                }
                _ => {
                    return Err(Error::unsupported(format!(
                        "the column option `{}`",
                        opt.option
                    )));
                }
            }
        }
        Ok(sequence)
    }

    /// Refuses a DEFAULT that does not bind as a constant of the column's type.
    fn check_default(&self, e: &ast::Expr, data_type: &DataType) -> Result<()> {
        let bound = self.expr(e, &Scope::new(), &[], None)?;
        let mut moves_a_sequence = false;
        bound.walk(&mut |x| {
            moves_a_sequence |= matches!(x, Expr::Function(name, _)
                if crate::table::sequences::FUNCTIONS.contains(&name.as_str()));
        });
        if !bound.has_subquery() && !moves_a_sequence {
            let value = eval(&bound, &[], &EvalContext::default())?;
            arbor_schema::cast::assign(value, data_type).map_err(crate::table::value_error)?;
        }
        Ok(())
    }

    /// Adds a table constraint to `schema`. `column` names the column of an
    /// inline CHECK (for its default name).
    fn add_constraint(
        &self,
        schema: &mut TableSchema,
        constraint: &ast::TableConstraint,
        column: Option<&str>,
    ) -> Result<()> {
        let table = schema.name.clone();
        match constraint {
            ast::TableConstraint::PrimaryKey(pk) => {
                if !schema.primary_key.is_empty() {
                    return Err(Error::new(
                        SqlState::InvalidTableDefinition,
                        format!("multiple primary keys for table \"{table}\" are not allowed"),
                    ));
                }
                let tags = key_columns(schema, &pk.columns)?;
                for tag in &tags {
                    if let Some(i) = schema.tag_index(*tag) {
                        schema.columns[i].nullable = false;
                    }
                }
                schema.primary_key = tags;
            }
            ast::TableConstraint::Unique(u) => {
                let tags = key_columns(schema, &u.columns)?;
                let name = match &u.name {
                    Some(n) => ident(n),
                    None => constraint_name(schema, &tags, "key"),
                };
                if schema.indexes.iter().any(|i| i.name == name) {
                    return Err(Error::new(
                        SqlState::DuplicateTable,
                        format!("relation \"{name}\" already exists"),
                    ));
                }
                schema.uniques.push(UniqueConstraint {
                    name: name.clone(),
                    columns: tags.clone(),
                });
                schema.indexes.push(Index {
                    name,
                    unique: true,
                    columns: tags.into_iter().map(|t| (t, false)).collect(),
                });
            }
            ast::TableConstraint::Check(c) => {
                let scope = Scope::for_schema(&table, schema);
                let bound = self.expr(&c.expr, &scope, &[], None)?;
                if bound.has_subquery() {
                    return Err(Error::new(
                        SqlState::FeatureNotSupported,
                        "cannot use subquery in check constraint",
                    ));
                }
                let name = match (&c.name, column) {
                    (Some(n), _) => ident(n),
                    (None, Some(col)) => unique_name(schema, &format!("{table}_{col}_check")),
                    (None, None) => {
                        let first = bound.columns().into_iter().min();
                        let base = match first {
                            Some(i) => format!("{table}_{}_check", schema.columns[i].name),
                            None => format!("{table}_check"),
                        };
                        unique_name(schema, &base)
                    }
                };
                if schema.checks.iter().any(|k| k.name == name) {
                    return Err(Error::new(
                        SqlState::DuplicateObject,
                        format!("constraint \"{name}\" for relation \"{table}\" already exists"),
                    ));
                }
                schema.checks.push(CheckConstraint {
                    name,
                    expression: c.expr.to_string(),
                });
            }
            ast::TableConstraint::ForeignKey(fk) => {
                let columns = fk
                    .columns
                    .iter()
                    .map(|c| column_tag(schema, &ident(c)))
                    .collect::<Result<Vec<_>>>()?;
                let parent_name = object_name(&fk.foreign_table)?;
                let parent_columns = self.referenced_columns(schema, &parent_name, fk)?;
                if parent_columns.len() != columns.len() {
                    return Err(Error::new(
                        SqlState::InvalidForeignKey,
                        "number of referencing and referenced columns for foreign key disagree",
                    ));
                }
                let action = |a: &Option<ast::ReferentialAction>| -> Result<ForeignKeyAction> {
                    Ok(match a {
                        None | Some(ast::ReferentialAction::NoAction) => ForeignKeyAction::NoAction,
                        Some(ast::ReferentialAction::Restrict) => ForeignKeyAction::Restrict,
                        Some(ast::ReferentialAction::Cascade) => ForeignKeyAction::Cascade,
                        Some(ast::ReferentialAction::SetNull) => ForeignKeyAction::SetNull,
                        Some(ast::ReferentialAction::SetDefault) => ForeignKeyAction::SetDefault,
                    })
                };
                let name = match &fk.name {
                    Some(n) => ident(n),
                    None => constraint_name(schema, &columns, "fkey"),
                };
                schema.foreign_keys.push(ForeignKey {
                    name,
                    columns,
                    referenced_table: parent_name,
                    referenced_columns: parent_columns,
                    on_delete: action(&fk.on_delete)?,
                    on_update: action(&fk.on_update)?,
                });
            }
            other => {
                return Err(Error::unsupported(format!("the constraint `{other}`")));
            }
        }
        Ok(())
    }

    /// The referenced columns of a foreign key (the parent's primary key when
    /// not named), which must be the parent's primary key or a unique constraint.
    fn referenced_columns(
        &self,
        child: &TableSchema,
        parent_name: &str,
        fk: &ast::ForeignKeyConstraint,
    ) -> Result<Vec<String>> {
        let parent = if parent_name == child.name {
            child.clone()
        } else {
            (*self.table(parent_name)?.schema).clone()
        };
        let names = |tags: &[u32]| -> Vec<String> {
            tags.iter()
                .filter_map(|t| parent.column_by_tag(*t).map(|c| c.name.clone()))
                .collect()
        };
        let wanted: Vec<String> = if fk.referred_columns.is_empty() {
            if parent.primary_key.is_empty() {
                return Err(Error::new(
                    SqlState::InvalidForeignKey,
                    format!("there is no primary key for referenced table \"{parent_name}\""),
                ));
            }
            names(&parent.primary_key)
        } else {
            fk.referred_columns.iter().map(ident).collect()
        };
        let mut sorted = wanted.clone();
        sorted.sort();
        let matches = |tags: &[u32]| {
            let mut n = names(tags);
            n.sort();
            n == sorted
        };
        let keyed = matches(&parent.primary_key)
            || parent
                .indexes
                .iter()
                .any(|i| i.unique && matches(&i.columns.iter().map(|c| c.0).collect::<Vec<_>>()));
        if !keyed {
            return Err(Error::new(
                SqlState::InvalidForeignKey,
                format!(
                    "there is no unique constraint matching given keys for referenced table \"{parent_name}\""
                ),
            ));
        }
        Ok(wanted)
    }

    pub(super) fn create_index(&self, ci: &ast::CreateIndex) -> Result<Statement> {
        let table = self.table(&object_name(&ci.table_name)?)?;
        // An index over some rows only would refuse rows as duplicates
        // that PostgreSQL's takes, or miss rows a lookup needs.
        if ci.predicate.is_some() {
            return Err(Error::unsupported(
                "a partial index (CREATE INDEX ... WHERE)",
            ));
        }
        if ci.nulls_distinct == Some(false) {
            return Err(Error::unsupported("UNIQUE NULLS NOT DISTINCT"));
        }
        // INCLUDE adds columns for index-only reads, which change no
        // result: they are checked, not stored.
        for column in &ci.include {
            let n = ident(column);
            if table.schema.column_index(&n).is_none() {
                return Err(Error::new(
                    SqlState::UndefinedColumn,
                    format!("column \"{n}\" does not exist"),
                ));
            }
        }
        let mut columns = Vec::new();
        for ic in &ci.columns {
            let ast::Expr::Identifier(id) = &ic.column.expr else {
                return Err(Error::unsupported("an index on an expression"));
            };
            let n = ident(id);
            let i = table.schema.column_index(&n).ok_or_else(|| {
                Error::new(
                    SqlState::UndefinedColumn,
                    format!("column \"{n}\" does not exist"),
                )
            })?;
            columns.push((i, super::descending(&ic.column.options)?));
        }
        let (name, name_chosen) = match &ci.name {
            Some(n) => (object_name(n)?, false),
            None => {
                let mut parts = vec![table.name().to_owned()];
                parts.extend(
                    columns
                        .iter()
                        .map(|(i, _)| table.schema.columns[*i].name.clone()),
                );
                parts.push("idx".to_owned());
                (truncate_identifier(parts.join("_"), MAX_IDENTIFIER), true)
            }
        };
        Ok(Statement::CreateIndex {
            table,
            name,
            name_chosen,
            columns,
            unique: ci.unique,
            if_not_exists: ci.if_not_exists,
        })
    }

    pub(super) fn alter_table(&self, at: &ast::AlterTable) -> Result<Statement> {
        let name = object_name(&at.name)?;
        let table = match self.catalog.table(&name)? {
            Some(t) => t,
            None if at.if_exists => return Ok(Statement::Nothing("ALTER TABLE".into())),
            None => return Err(super::undefined_table(&name)),
        };
        let old = table.schema.clone();
        let mut schema = (*old).clone();
        // Per new column: how to compute it from an old row when rewriting.
        let mut sources: Vec<Option<Expr>> = (0..schema.columns.len())
            .map(|i| Some(Expr::Column(i)))
            .collect();
        let mut rewrite = false;
        let mut validate = false;
        // Whether a row's stored values no longer encode it as it reads.
        let mut changes_stored_values = false;
        for op in &at.operations {
            use ast::AlterTableOperation as Op;
            match op {
                Op::AddColumn {
                    if_not_exists,
                    column_def,
                    ..
                } => {
                    if *if_not_exists && schema.column_index(&ident(&column_def.name)).is_some() {
                        continue;
                    }
                    if self.add_column(&mut schema, column_def)?.is_some() {
                        return Err(Error::unsupported(
                            "adding a serial or identity column to an existing table",
                        ));
                    }
                    let position = schema.columns.len() - 1;
                    // Old rows read as the default: a constant, fixed now.
                    let missing = match &schema.columns[position].default {
                        Some(text) => {
                            let e = self.expr(&sql_expression(text)?, &Scope::new(), &[], None)?;
                            let ctx = EvalContext {
                                times: self.catalog.times(),
                                ..EvalContext::default()
                            };
                            let v = eval(&e, &[], &ctx)?;
                            arbor_schema::cast::assign(v, &schema.columns[position].data_type)
                                .map_err(crate::table::value_error)?
                        }
                        None => Value::Null,
                    };
                    sources.push(Some(Expr::Literal(missing.clone())));
                    if !missing.is_null() {
                        schema.columns[position].missing = Some(missing);
                        changes_stored_values = true;
                    }
                    validate = true;
                }
                Op::DropColumn {
                    column_names,
                    if_exists,
                    ..
                } => {
                    for c in column_names {
                        let n = ident(c);
                        let Some(i) = schema.column_index(&n) else {
                            if *if_exists {
                                continue;
                            }
                            return Err(no_column(&n, &schema.name));
                        };
                        drop_column(&mut schema, i)?;
                        sources.remove(i);
                        changes_stored_values = true;
                    }
                }
                Op::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => {
                    let (from, to) = (ident(old_column_name), ident(new_column_name));
                    check_new_name(&to)?;
                    let i = schema
                        .column_index(&from)
                        .ok_or_else(|| no_column(&from, &schema.name))?;
                    if schema.column_index(&to).is_some() {
                        return Err(Error::new(
                            SqlState::DuplicateColumn,
                            format!(
                                "column \"{to}\" of relation \"{}\" already exists",
                                schema.name
                            ),
                        ));
                    }
                    schema.columns[i].name = to.clone();
                    for check in &mut schema.checks {
                        check.expression = rename_identifier(&check.expression, &from, &to)?;
                    }
                }
                Op::RenameTable { table_name } => {
                    let (ast::RenameTableNameKind::To(n) | ast::RenameTableNameKind::As(n)) =
                        table_name;
                    let new_name = new_relation_name(n)?;
                    if self.catalog.table(&new_name)?.is_some()
                        || self.catalog.view(&new_name).is_some()
                    {
                        return Err(Error::new(
                            SqlState::DuplicateTable,
                            format!("relation \"{new_name}\" already exists"),
                        ));
                    }
                    for fk in &mut schema.foreign_keys {
                        if fk.referenced_table == schema.name {
                            fk.referenced_table = new_name.clone();
                        }
                    }
                    schema.name = new_name;
                }
                Op::AlterColumn { column_name, op } => {
                    let n = ident(column_name);
                    let i = schema
                        .column_index(&n)
                        .ok_or_else(|| no_column(&n, &schema.name))?;
                    match op {
                        ast::AlterColumnOperation::SetNotNull => {
                            schema.columns[i].nullable = false;
                            validate = true;
                        }
                        ast::AlterColumnOperation::DropNotNull => {
                            if schema.primary_key.contains(&schema.columns[i].tag) {
                                return Err(Error::new(
                                    SqlState::InvalidTableDefinition,
                                    format!("column \"{n}\" is in a primary key"),
                                ));
                            }
                            schema.columns[i].nullable = true;
                        }
                        ast::AlterColumnOperation::SetDefault { value } => {
                            self.check_default(value, &schema.columns[i].data_type)?;
                            schema.columns[i].default = Some(value.to_string());
                        }
                        ast::AlterColumnOperation::DropDefault => schema.columns[i].default = None,
                        ast::AlterColumnOperation::SetDataType {
                            data_type: t,
                            using,
                            ..
                        } => {
                            let new_type = self.column_type(t)?;
                            let source = match using {
                                Some(e) => {
                                    let scope = Scope::for_schema(&name, &old);
                                    self.expr(e, &scope, &[], None)?
                                }
                                None => sources[i]
                                    .clone()
                                    .ok_or_else(|| Error::internal("a column without a source"))?,
                            };
                            sources[i] = Some(Expr::Cast(Box::new(source), new_type.clone()));
                            schema.columns[i].data_type = new_type;
                            schema.columns[i].missing = None;
                            rewrite = true;
                        }
                        other => {
                            return Err(Error::unsupported(format!("ALTER COLUMN {other}")));
                        }
                    }
                }
                Op::AddConstraint { constraint, .. } => {
                    let had_key = !schema.primary_key.is_empty();
                    self.add_constraint(&mut schema, constraint, None)?;
                    if !had_key && !schema.primary_key.is_empty() {
                        rewrite = true;
                    }
                    validate = true;
                }
                Op::DropConstraint {
                    name: constraint,
                    if_exists,
                    ..
                } => {
                    let c = ident(constraint);
                    let before = (
                        schema.checks.len(),
                        schema.uniques.len(),
                        schema.foreign_keys.len(),
                    );
                    schema.checks.retain(|k| k.name != c);
                    schema.uniques.retain(|u| u.name != c);
                    schema.foreign_keys.retain(|f| f.name != c);
                    let dropped_unique = schema.uniques.len() != before.1;
                    if dropped_unique {
                        schema.indexes.retain(|i| i.name != c);
                    }
                    let is_key =
                        c == format!("{}_pkey", old.name) && !schema.primary_key.is_empty();
                    if is_key {
                        schema.primary_key.clear();
                        rewrite = true;
                    }
                    let dropped = before
                        != (
                            schema.checks.len(),
                            schema.uniques.len(),
                            schema.foreign_keys.len(),
                        )
                        || is_key;
                    if !dropped && !if_exists {
                        return Err(Error::new(
                            SqlState::UndefinedObject,
                            format!(
                                "constraint \"{c}\" of relation \"{}\" does not exist",
                                old.name
                            ),
                        ));
                    }
                }
                other => {
                    return Err(Error::unsupported(format!("ALTER TABLE ... {other}")));
                }
            }
        }
        schema.validate().map_err(crate::table::value_error)?;
        // A keyless row is keyed by its stored values: a column dropped (its
        // values stay in the rows) or added with a default (old rows read
        // it without holding it) would leave keys that are not the rows'.
        if schema.primary_key.is_empty() && changes_stored_values {
            rewrite = true;
        }
        let rewrite = if rewrite {
            Some(
                sources
                    .into_iter()
                    .map(|s| s.ok_or_else(|| Error::internal("a column without a source")))
                    .collect::<Result<Vec<_>>>()?,
            )
        } else {
            None
        };
        let child = Table::new(Arc::new(schema.clone()), table.object.clone());
        let mut new_foreign_keys = Vec::new();
        for fk in &schema.foreign_keys {
            if old.foreign_keys.iter().any(|f| f.name == fk.name) {
                continue;
            }
            let parent = if fk.referenced_table == schema.name {
                child.clone()
            } else {
                self.table(&fk.referenced_table)?
            };
            new_foreign_keys.push(crate::table::bind_foreign_key(fk, &child, &parent)?);
        }
        Ok(Statement::AlterTable(Box::new(AlterPlan {
            table,
            schema,
            rewrite,
            validate,
            new_foreign_keys,
        })))
    }
}

impl Binder<'_> {
    /// `CREATE SEQUENCE name [INCREMENT n] [MINVALUE n] [MAXVALUE n] [START n]`.
    /// The sequence `options` (`START WITH`, `INCREMENT BY`, `MINVALUE`,
    /// `MAXVALUE`) describe, as CREATE SEQUENCE and an identity column's
    /// options give them.
    fn sequence_from_options(&self, options: &[ast::SequenceOptions]) -> Result<Sequence> {
        let constant = |e: &ast::Expr| -> Result<i64> {
            match self.expr(e, &Scope::new(), &[], None)? {
                Expr::Literal(v) => v.as_i64(),
                Expr::Unary(super::expr::UnaryOp::Negate, inner) => match *inner {
                    Expr::Literal(v) => v.as_i64().and_then(i64::checked_neg),
                    _ => None,
                },
                _ => None,
            }
            .ok_or_else(|| {
                Error::new(
                    SqlState::InvalidParameterValue,
                    "sequence options take integer constants",
                )
            })
        };
        let (mut start, mut increment, mut min, mut max) = (None, 1, None, None);
        for o in options {
            match o {
                ast::SequenceOptions::IncrementBy(e, _) => increment = constant(e)?,
                ast::SequenceOptions::StartWith(e, _) => start = Some(constant(e)?),
                ast::SequenceOptions::MinValue(e) => min = e.as_ref().map(constant).transpose()?,
                ast::SequenceOptions::MaxValue(e) => max = e.as_ref().map(constant).transpose()?,
                ast::SequenceOptions::DataType(_) | ast::SequenceOptions::Cache(_) => {}
                other => return Err(Error::unsupported(format!("the sequence option `{other}`"))),
            }
        }
        if increment == 0 {
            return Err(Error::new(
                SqlState::InvalidParameterValue,
                "INCREMENT must not be zero",
            ));
        }
        let mut sequence = Sequence::new(1, increment);
        if let Some(m) = min {
            sequence.min = m;
        }
        if let Some(m) = max {
            sequence.max = m;
        }
        sequence.last = start.unwrap_or(if increment > 0 {
            sequence.min
        } else {
            sequence.max
        });
        sequence.start = sequence.last;
        if sequence.last < sequence.min || sequence.last > sequence.max {
            return Err(Error::new(
                SqlState::InvalidParameterValue,
                format!(
                    "START value ({}) cannot be outside the sequence's bounds",
                    sequence.last
                ),
            ));
        }
        Ok(sequence)
    }

    pub(super) fn create_sequence(
        &self,
        name: String,
        options: &[ast::SequenceOptions],
        if_not_exists: bool,
    ) -> Result<Statement> {
        let sequence = self.sequence_from_options(options)?;
        Ok(Statement::CreateSequence {
            name,
            sequence,
            if_not_exists,
        })
    }
}

/// The integer type of `serial`, `bigserial` and `smallserial`.
fn serial_type(t: &ast::DataType) -> Option<DataType> {
    let ast::DataType::Custom(name, _) = t else {
        return None;
    };
    match name.to_string().to_lowercase().as_str() {
        "serial" | "serial4" => Some(DataType::Integer),
        "bigserial" | "serial8" => Some(DataType::BigInt),
        "smallserial" | "serial2" => Some(DataType::SmallInt),
        _ => None,
    }
}

/// Removes column `i`, with the indexes and constraints that use it.
fn drop_column(schema: &mut TableSchema, i: usize) -> Result<()> {
    let tag = schema.columns[i].tag;
    let name = schema.columns[i].name.clone();
    if schema.primary_key.contains(&tag) {
        return Err(Error::new(
            SqlState::DependentObjectsStillExist,
            format!("cannot drop column \"{name}\" because it is part of the primary key"),
        )
        .with_hint("Drop the primary key constraint first."));
    }
    if schema.columns.len() == 1 {
        return Err(Error::unsupported("dropping a table's last column"));
    }
    schema.columns.remove(i);
    schema
        .indexes
        .retain(|x| !x.columns.iter().any(|(t, _)| *t == tag));
    schema.uniques.retain(|u| !u.columns.contains(&tag));
    schema.foreign_keys.retain(|f| !f.columns.contains(&tag));
    let mentions = |text: &str| {
        sqlparser::tokenizer::Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, text)
            .tokenize()
            .map(|tokens| {
                tokens.iter().any(|t| {
                    matches!(t, sqlparser::tokenizer::Token::Word(w)
                        if (w.quote_style.is_some() && w.value == name)
                            || (w.quote_style.is_none() && w.value.to_lowercase() == name))
                })
            })
            .unwrap_or(true)
    };
    schema.checks.retain(|c| !mentions(&c.expression));
    Ok(())
}

/// Rewrites identifier `from` to `to` in an expression kept as text.
fn rename_identifier(text: &str, from: &str, to: &str) -> Result<String> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, text)
        .tokenize()
        .map_err(|e| Error::syntax(e.to_string()))?;
    let renamed: Vec<String> = tokens
        .into_iter()
        .map(|t| match &t {
            Token::Word(w)
                if (w.quote_style.is_none() && w.value.to_lowercase() == from)
                    || (w.quote_style.is_some() && w.value == from) =>
            {
                ast::Ident::with_quote('"', to).to_string()
            }
            _ => t.to_string(),
        })
        .collect();
    Ok(renamed.concat())
}

/// The tags of the columns a key constraint names.
fn key_columns(schema: &TableSchema, columns: &[ast::IndexColumn]) -> Result<Vec<u32>> {
    columns
        .iter()
        .map(|ic| match &ic.column.expr {
            ast::Expr::Identifier(id) => column_tag(schema, &ident(id)).map_err(|_| {
                Error::new(
                    SqlState::UndefinedColumn,
                    format!("column \"{}\" named in key does not exist", ident(id)),
                )
            }),
            _ => Err(Error::unsupported("a key on an expression")),
        })
        .collect()
}

fn column_tag(schema: &TableSchema, name: &str) -> Result<u32> {
    schema
        .column_index(name)
        .map(|i| schema.columns[i].tag)
        .ok_or_else(|| no_column(name, &schema.name))
}

fn no_column(name: &str, table: &str) -> Error {
    Error::new(
        SqlState::UndefinedColumn,
        format!("column \"{name}\" of relation \"{table}\" does not exist"),
    )
}

/// PostgreSQL's default constraint name: the table, the columns, a suffix.
fn constraint_name(schema: &TableSchema, tags: &[u32], suffix: &str) -> String {
    let columns: Vec<&str> = tags
        .iter()
        .filter_map(|t| schema.column_by_tag(*t).map(|c| c.name.as_str()))
        .collect();
    unique_name(
        schema,
        &format!("{}_{}_{suffix}", schema.name, columns.join("_")),
    )
}

/// `base`, or `base1`, `base2`, ... if a constraint or index has it already.
fn unique_name(schema: &TableSchema, base: &str) -> String {
    let taken = |n: &str| {
        schema.checks.iter().any(|c| c.name == n)
            || schema.indexes.iter().any(|i| i.name == n)
            || schema.foreign_keys.iter().any(|f| f.name == n)
    };
    if !taken(base) {
        return base.to_owned();
    }
    (1..)
        .map(|k| format!("{base}{k}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_owned())
}

impl Binder<'_> {
    /// `COMMENT ON <object> IS 'text'`: the object checked to exist, as
    /// PostgreSQL checks it, and its key. An empty text removes the
    /// comment, as in PostgreSQL.
    pub(super) fn comment(
        &self,
        object: ast::CommentObject,
        name: &ast::ObjectName,
        text: Option<&str>,
    ) -> Result<Statement> {
        use crate::sql::comments;
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(ident))
            .collect();
        let last = object_name(name)?;
        let undefined_table = |n: &str| {
            Error::new(
                SqlState::UndefinedTable,
                format!("relation \"{n}\" does not exist"),
            )
        };
        let key = match object {
            ast::CommentObject::Table => {
                if self.catalog.table(&last)?.is_none() {
                    return Err(undefined_table(&last));
                }
                comments::relation_key(comments::RelationKind::Table, &last)
            }
            ast::CommentObject::View => {
                if self.catalog.view(&last).is_none() {
                    return Err(undefined_table(&last));
                }
                comments::relation_key(comments::RelationKind::View, &last)
            }
            ast::CommentObject::Sequence => {
                if !self.catalog.sequences()?.iter().any(|(n, _)| *n == last) {
                    return Err(undefined_table(&last));
                }
                comments::relation_key(comments::RelationKind::Sequence, &last)
            }
            ast::CommentObject::Column => {
                let [.., table, column] = parts.as_slice() else {
                    return Err(Error::syntax("column name must be qualified"));
                };
                let Some(t) = self.catalog.table(table)? else {
                    if self.catalog.view(table).is_some() {
                        return Err(Error::unsupported("COMMENT ON COLUMN of a view"));
                    }
                    return Err(undefined_table(table));
                };
                if t.schema.column_index(column).is_none() {
                    return Err(Error::new(
                        SqlState::UndefinedColumn,
                        format!("column \"{column}\" of relation \"{table}\" does not exist"),
                    ));
                }
                comments::column_key(table, column)
            }
            ast::CommentObject::Type => {
                if self.catalog.user_type(&last).is_none() {
                    return Err(Error::new(
                        SqlState::UndefinedObject,
                        format!("type \"{last}\" does not exist"),
                    ));
                }
                comments::type_key(&last)
            }
            ast::CommentObject::Function => {
                let functions = self.catalog.functions();
                let mut named = functions
                    .iter()
                    .filter(|(s, _)| crate::objects::function_name(s) == last);
                match (named.next(), named.next()) {
                    (Some((signature, _)), None) => comments::function_key(signature),
                    (None, _) => {
                        return Err(Error::new(
                            SqlState::UndefinedFunction,
                            format!("could not find a function named \"{last}\""),
                        ));
                    }
                    (Some(_), Some(_)) => {
                        return Err(Error::new(
                            SqlState::AmbiguousFunction,
                            format!("function name \"{last}\" is not unique"),
                        )
                        .with_hint(
                            "Specify the argument list to select the function unambiguously.",
                        ));
                    }
                }
            }
            ast::CommentObject::Schema if last == "public" => {
                comments::PUBLIC_SCHEMA_KEY.to_owned()
            }
            ast::CommentObject::Schema => {
                return Err(Error::new(
                    SqlState::InvalidSchemaName,
                    format!("schema \"{last}\" does not exist"),
                ));
            }
            other => return Err(Error::unsupported(format!("COMMENT ON {other}"))),
        };
        Ok(Statement::Comment {
            key,
            text: text.filter(|t| !t.is_empty()).map(str::to_owned),
        })
    }

    /// The type of a table column: any type but the catalogs' vectors
    /// (`int2vector`, `oidvector`), the catalog's enum types included.
    fn column_type(&self, t: &ast::DataType) -> Result<DataType> {
        let column_type = self.resolve_type(t)?;
        if matches!(column_type, DataType::Vector(_)) {
            return Err(Error::new(
                SqlState::FeatureNotSupported,
                format!("columns of type {column_type} are not supported"),
            ));
        }
        Ok(column_type)
    }
}

/// PostgreSQL's longest identifier, in bytes.
pub(crate) const MAX_IDENTIFIER: usize = 63;

/// `name` cut to at most `max` bytes, at a character boundary.
pub(crate) fn truncate_identifier(mut name: String, max: usize) -> String {
    if name.len() > max {
        let mut end = max;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    name
}
