//! `arbor schema show`: the working set's tables as CREATE TABLE statements.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::table::Table;
use arbor_engine::vc::{self, BranchState};
use arbor_schema::TableSchema;
use arbor_schema::table::ForeignKeyAction;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Print CREATE TABLE (and CREATE INDEX, CREATE VIEW) statements.
    Show {
        /// Only these tables (all tables and views by default).
        tables: Vec<String>,
    },
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let Action::Show { tables } = args.action;
    let repository = vcs::open(cwd)?;
    let branch = vc::current_branch(&repository)?;
    let state = BranchState::read(&repository, &branch)?;
    let catalog = repository.read_catalog(&state.working_set.working)?;
    for name in &tables {
        if !catalog.tables.contains_key(name) && !catalog.views.contains_key(name) {
            return Err(CliError::new(format!("relation \"{name}\" does not exist")));
        }
    }
    let wanted = |name: &str| tables.is_empty() || tables.iter().any(|t| t == name);
    let mut first = true;
    for (name, address) in &catalog.tables {
        if !wanted(name) {
            continue;
        }
        let table = Table::from_object(repository.read_table(address)?)?;
        if !first {
            println!();
        }
        first = false;
        print!("{}", create_table(&table.schema));
    }
    for (name, sql) in &catalog.views {
        if !wanted(name) {
            continue;
        }
        if !first {
            println!();
        }
        first = false;
        println!(
            "CREATE VIEW {} AS {};",
            ident(name),
            sql.trim_end_matches(';')
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// An identifier, quoted only when it has to be.
fn ident(name: &str) -> String {
    const RESERVED: &[&str] = &[
        "all",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "both",
        "case",
        "cast",
        "check",
        "column",
        "constraint",
        "create",
        "current_date",
        "default",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "from",
        "grant",
        "group",
        "having",
        "in",
        "intersect",
        "into",
        "is",
        "join",
        "key",
        "leading",
        "limit",
        "not",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "primary",
        "references",
        "select",
        "table",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "value",
        "values",
        "when",
        "where",
        "window",
        "with",
    ];
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn names(schema: &TableSchema, tags: &[u32]) -> String {
    let cols: Vec<String> = tags
        .iter()
        .map(|t| {
            schema
                .column_by_tag(*t)
                .map_or_else(|| format!("#{t}"), |c| ident(&c.name))
        })
        .collect();
    cols.join(", ")
}

fn action(a: ForeignKeyAction) -> &'static str {
    match a {
        ForeignKeyAction::NoAction => "NO ACTION",
        ForeignKeyAction::Restrict => "RESTRICT",
        ForeignKeyAction::Cascade => "CASCADE",
        ForeignKeyAction::SetNull => "SET NULL",
        ForeignKeyAction::SetDefault => "SET DEFAULT",
    }
}

/// The statements that create `schema`'s table and indexes.
pub fn create_table(schema: &TableSchema) -> String {
    let mut lines: Vec<String> = schema
        .columns
        .iter()
        .map(|c| {
            let mut line = format!("    {} {}", ident(&c.name), c.data_type);
            if let Some(d) = &c.default {
                line.push_str(&format!(" DEFAULT {d}"));
            }
            if !c.nullable {
                line.push_str(" NOT NULL");
            }
            line
        })
        .collect();
    if !schema.primary_key.is_empty() {
        lines.push(format!(
            "    PRIMARY KEY ({})",
            names(schema, &schema.primary_key)
        ));
    }
    for u in &schema.uniques {
        lines.push(format!(
            "    CONSTRAINT {} UNIQUE ({})",
            ident(&u.name),
            names(schema, &u.columns)
        ));
    }
    for c in &schema.checks {
        lines.push(format!(
            "    CONSTRAINT {} CHECK ({})",
            ident(&c.name),
            c.expression
        ));
    }
    for f in &schema.foreign_keys {
        lines.push(format!("    {}", foreign_key(schema, f)));
    }
    let mut out = format!(
        "CREATE TABLE {} (\n{}\n);\n",
        ident(&schema.name),
        lines.join(",\n")
    );
    for index in &schema.indexes {
        // A UNIQUE constraint's own index is printed with the constraint.
        if schema.uniques.iter().any(|u| u.name == index.name) {
            continue;
        }
        let cols: Vec<String> = index
            .columns
            .iter()
            .map(|(tag, desc)| {
                let name = schema
                    .column_by_tag(*tag)
                    .map_or_else(|| format!("#{tag}"), |c| ident(&c.name));
                if *desc { format!("{name} DESC") } else { name }
            })
            .collect();
        out.push_str(&format!(
            "CREATE {}INDEX {} ON {} ({});\n",
            if index.unique { "UNIQUE " } else { "" },
            ident(&index.name),
            ident(&schema.name),
            cols.join(", ")
        ));
    }
    out
}

/// A foreign key as a table constraint: `CONSTRAINT name FOREIGN KEY (...)
/// REFERENCES parent (...)` with its actions.
pub fn foreign_key(schema: &TableSchema, f: &arbor_schema::table::ForeignKey) -> String {
    let referenced: Vec<String> = f.referenced_columns.iter().map(|c| ident(c)).collect();
    let mut line = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        ident(&f.name),
        names(schema, &f.columns),
        ident(&f.referenced_table),
        referenced.join(", ")
    );
    if f.on_delete != ForeignKeyAction::NoAction {
        line.push_str(&format!(" ON DELETE {}", action(f.on_delete)));
    }
    if f.on_update != ForeignKeyAction::NoAction {
        line.push_str(&format!(" ON UPDATE {}", action(f.on_update)));
    }
    line
}
