//! The command line's shape, enforced: one module per command in
//! `src/commands/`, none of which uses another (what commands share lives
//! in the library or in the CLI's shared modules beside `commands/`), and
//! no shared module reaches into a command.

use std::fs;
use std::path::{Path, PathBuf};

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
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
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
fn the_check_finds_a_planted_crossing() {
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
