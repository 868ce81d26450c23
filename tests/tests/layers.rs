//! The workspace's layers, enforced by reading the sources.
//!
//! The engine's layers: each module of `arbor-engine` may use only
//! the modules below it (and its own). The order is the one
//! `docs/architecture.md` draws:
//!
//! ```text
//! error -> objects -> env -> repo -> table -> vc -> remote -> ops -> sql -> io -> database (the facade; lib.rs re-exports it) -> tests (unit tests of the layers together)
//! ```
//!
//! The test reads the sources: every `crate::<module>` path (in code, in
//! `use` lines and in doc links alike) must name a module at or below the
//! one it is written in. A module missing from the list fails too, so a new
//! module has to be given its place.
//!
//! The command line: one module per command in `cli/src/commands/`, none
//! of which uses another (what commands share lives in the library or in
//! the CLI's shared modules beside `commands/`), and no shared module
//! reaches into a command.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

/// The engine's top-level modules, bottom up.
const LAYERS: &[&str] = &[
    "error", "objects", "env", "repo", "table", "vc", "remote", "ops", "sql", "io", "database",
    "tests",
];

/// An upward reference: the file, its line number, the module it names.
#[derive(Debug, PartialEq)]
struct Violation {
    file: String,
    line: usize,
    names: String,
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|m| *m == module)
}

/// The upward `crate::` references in `source`, a file of module `module`.
fn upward_references(module: &str, file: &str, source: &str) -> Vec<Violation> {
    let own = rank(module).expect("the module has a layer");
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            // `arbor_crate::x` or `some_crate::x` are not this crate.
            let before = rest[..at].chars().next_back();
            let named: String = rest[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            // `crate::Error` and `crate::Result` are re-exports of `error`.
            let target = match named.as_str() {
                "Error" | "Result" => "error",
                other => other,
            };
            if rank(target).is_none_or(|r| r > own) {
                found.push(Violation {
                    file: file.to_owned(),
                    line: n + 1,
                    names: named,
                });
            }
        }
        if line.contains("super::super::") && !module_is_nested_enough(file) {
            found.push(Violation {
                file: file.to_owned(),
                line: n + 1,
                names: "super::super".to_owned(),
            });
        }
    }
    found
}

/// Whether `super::super::` in `file` still stays inside its top-level
/// module (the file sits at least three levels down).
fn module_is_nested_enough(file: &str) -> bool {
    let depth = file.matches('/').count();
    let is_mod = file.ends_with("/mod.rs");
    // src/m/a/b.rs: super = m::a, super::super = m. src/m/a/mod.rs: super = m.
    depth >= if is_mod { 4 } else { 3 }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("source folder readable") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut unplaced = Vec::new();
    for path in &files {
        let relative = path
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if relative == "lib.rs" {
            continue; // the facade sits above every layer
        }
        let module = relative
            .split('/')
            .next()
            .expect("a first component")
            .trim_end_matches(".rs")
            .to_owned();
        if rank(&module).is_none() {
            unplaced.push(relative);
            continue;
        }
        let source = fs::read_to_string(path).expect("source readable");
        violations.extend(upward_references(
            &module,
            &format!("src/{relative}"),
            &source,
        ));
    }
    assert!(
        unplaced.is_empty(),
        "modules without a layer (add them to LAYERS and docs/architecture.md): {unplaced:?}"
    );
    assert!(
        violations.is_empty(),
        "upward references (a module may use only the layers below it):\n{}",
        violations
            .iter()
            .map(|v| format!("  {}:{}: crate::{}", v.file, v.line, v.names))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_check_finds_a_planted_upward_reference() {
    let planted = "use crate::repo::Repository;\nuse crate::sql::planner::own_checks;\n";
    assert_eq!(
        upward_references("vc", "src/vc/merge.rs", planted),
        vec![Violation {
            file: "src/vc/merge.rs".to_owned(),
            line: 2,
            names: "sql".to_owned(),
        }]
    );
    // Doc links count too; another crate's `crate::` does not.
    let doc = "//! see [`crate::remote::pull`]\nuse arbor_crate::sql;\n";
    assert_eq!(upward_references("table", "src/table/mod.rs", doc).len(), 1);
    // A module not in the list is never "below".
    assert_eq!(
        upward_references("objects", "src/objects/mod.rs", "crate::server::x").len(),
        1
    );
    // The same layer and those below are fine.
    assert!(
        upward_references(
            "sql",
            "src/sql/x.rs",
            "crate::sql::a; crate::vc::b; crate::Error"
        )
        .is_empty()
    );
    // `super::super` from a file just below the top level leaves its module.
    assert_eq!(
        upward_references("vc", "src/vc/merge.rs", "use super::super::sql;").len(),
        1
    );
    assert!(
        upward_references("sql", "src/sql/planner/ddl.rs", "use super::super::eval;").is_empty()
    );
}

/// The lines of `source` (a file at `relative`, under `src/`) that reach
/// from one command into another, or from a shared module into a command.
fn crossings(relative: &str, source: &str) -> Vec<String> {
    let parts: Vec<&str> = relative.split('/').collect();
    let in_commands = parts.first() == Some(&"commands");
    // A file directly in commands/ (not mod.rs) has `commands` as `super`.
    let top_command_file = in_commands && parts.len() == 2 && parts[1] != "mod.rs";
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let reaches = (code.contains("crate::commands::")
            && relative != "commands/mod.rs"
            && relative != "main.rs")
            || code.contains("super::super::")
            || (top_command_file
                && code.contains("super::")
                && !code.contains("super::*")
                && !code.contains("use super::Args"));
        if reaches {
            found.push(format!("src/{relative}:{}: {}", n + 1, line.trim()));
        }
    }
    found
}

#[test]
fn no_command_uses_another() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for path in &files {
        let relative = path
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        let source = fs::read_to_string(path).expect("source readable");
        found.extend(crossings(&relative, &source));
    }
    assert!(
        found.is_empty(),
        "commands reaching into each other:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_command_check_finds_a_planted_crossing() {
    assert_eq!(
        crossings("commands/pull.rs", "use super::fetch;\n").len(),
        1
    );
    assert_eq!(
        crossings(
            "commands/diff/files.rs",
            "use crate::commands::table::FileFormat;\n"
        )
        .len(),
        1
    );
    assert_eq!(
        crossings("vcs.rs", "crate::commands::sql::sql_error(x)").len(),
        1
    );
    // A command's own submodules and its arguments are its own.
    assert!(crossings("commands/diff/files.rs", "use super::Args; super::show(a)").is_empty());
    assert!(
        crossings(
            "commands/mod.rs",
            "Command::Fetch(args) => fetch::run(args, cwd)"
        )
        .is_empty()
    );
}
