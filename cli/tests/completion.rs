//! Shell completion: the script `arbor completion <shell>` prints is loaded
//! into the shell itself, which then completes commands, and branch, tag
//! and table names read from the repository at hand.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{TestEnv, WorkDir};

/// A repository with branches main, feature and fix, tag v1 and tables
/// orders and customers.
fn repository() -> WorkDir {
    let dir = TestEnv::new().repo();
    dir.ok(&[
        "sql",
        "-q",
        "CREATE TABLE orders (id int PRIMARY KEY); CREATE TABLE customers (id int PRIMARY KEY)",
    ]);
    dir.ok(&["add", "."]);
    dir.ok(&["commit", "-m", "tables"]);
    dir.ok(&["branch", "feature"]);
    dir.ok(&["branch", "fix"]);
    dir.ok(&["tag", "v1"]);
    dir
}

/// Whether `shell` runs here.
fn has(shell: &str) -> bool {
    Command::new(shell)
        .arg("-c")
        .arg("true")
        .status()
        .is_ok_and(|s| s.success())
}

/// `shell -c program` in `dir`, in the test environment (the variables
/// `arbor` would get).
fn in_shell(dir: &WorkDir, shell: &str, program: &str) -> Command {
    let mut cmd = Command::new(shell);
    cmd.arg("-c").arg(program).current_dir(dir.path());
    for (k, v) in dir.env().vars(dir.path()) {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd
}

/// What bash completes for the command line `words` (the last one being
/// completed), with the script of `arbor completion bash` loaded, flags
/// left out.
fn bash_completes(dir: &WorkDir, words: &[&str]) -> Vec<String> {
    let script = dir.path().join("arbor.bash");
    std::fs::write(&script, dir.ok(&["completion", "bash"])).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let current = words.len() - 1;
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={current}; COMP_TYPE=9; \
         _clap_complete_arbor arbor {} {}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        quoted[current],
        quoted[current - 1],
    );
    let out = in_shell(dir, "bash", &program).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim().to_owned())
        // The names; an empty word is offered the flags too.
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .collect()
}

#[test]
fn bash_completes_commands_and_the_repositorys_names() {
    if !has("bash") {
        println!("skipped: bash is not installed");
        return;
    }
    let dir = repository();
    assert_eq!(bash_completes(&dir, &["arbor", "chec"]), ["checkout"]);
    assert_eq!(
        bash_completes(&dir, &["arbor", "checkout", "f"]),
        ["feature", "fix"]
    );
    assert_eq!(bash_completes(&dir, &["arbor", "merge", "v"]), ["v1"]);
    assert_eq!(bash_completes(&dir, &["arbor", "tag", "-d", ""]), ["v1"]);
    assert_eq!(
        bash_completes(&dir, &["arbor", "table", "export", ""]),
        ["customers", "orders"]
    );
    // diff takes revisions and tables alike.
    assert_eq!(bash_completes(&dir, &["arbor", "diff", "o"]), ["orders"]);
    // Outside a repository there are no names, and nothing fails.
    let outside = TestEnv::new().work_dir();
    assert_eq!(
        bash_completes(&outside, &["arbor", "checkout", "f"]),
        Vec::<String>::new()
    );
}

#[test]
fn fish_completes_a_branch_name() {
    if !has("fish") {
        println!("skipped: fish is not installed");
        return;
    }
    let dir = repository();
    let script = dir.path().join("arbor.fish");
    std::fs::write(&script, dir.ok(&["completion", "fish"])).unwrap();
    let program = format!(
        "source '{}'; complete -C 'arbor checkout fe'",
        script.display()
    );
    let out = in_shell(&dir, "fish", &program).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.starts_with("feature")), "{text}");
}

#[test]
fn every_shell_gets_a_script() {
    let dir = repository();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = dir.ok(&["completion", shell]);
        assert!(script.contains("ARBOR_COMPLETE"), "{shell}: {script}");
    }
    let refused = dir.fails(&["completion", "tcsh"]);
    assert!(refused.contains("invalid value 'tcsh'"), "{refused}");
}
