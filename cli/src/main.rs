//! The `arbor` command-line tool: Git for data.
//!
//! One file per command in `commands/`. This is the only crate that prints,
//! reads the environment or looks at the terminal; it passes what it finds
//! to the engine.

mod commands;
mod completion;
mod config;
mod data_files;
mod editor;
mod identity;
mod output;
mod progress;
mod render;
mod shell;
mod terminal;
mod ui;
mod vcs;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Arbor: a versioned SQL database. Git for data.
#[derive(Debug, Parser)]
#[command(
    name = "arbor",
    version,
    about,
    long_about = None,
    after_help = "Examples:
  arbor init
  arbor table import orders orders.csv --pk id
  arbor commit -am \"Load orders\"
  arbor sql -q \"UPDATE orders SET total = total * 1.1\"
  arbor diff
  arbor log --oneline --graph

Each command's --help shows its own examples; `arbor man <folder>` writes the manual pages."
)]
struct Cli {
    /// Run as if started in this directory.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    work_dir: Option<PathBuf>,

    /// Colour the output: auto (on a terminal, unless NO_COLOR is set),
    /// always or never [default: the setting color.ui, else auto].
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    color: Option<terminal::ColorWhen>,

    /// Do not pass long output (log, diff, show, blame, query results)
    /// through the pager.
    #[arg(long, global = true)]
    no_pager: bool,

    #[command(subcommand)]
    command: commands::Command,
}

/// The command line with `arbor log`'s `-<n>` (Git's shorthand, which
/// clap cannot declare) spelled `--max-count=<n>`; only for the `log`
/// subcommand (the first word that is not a global option or its value),
/// and never after `--`.
fn log_counts(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let args: Vec<std::ffi::OsString> = args.collect();
    let mut at = 1;
    while let Some(word) = args.get(at).map(|w| w.to_string_lossy()) {
        match word.as_ref() {
            "-C" | "--color" => at += 2,
            w if w.starts_with('-') => at += 1,
            _ => break,
        }
    }
    if args.get(at).is_none_or(|w| w != "log") {
        return args;
    }
    let mut options_end = false;
    args.into_iter()
        .enumerate()
        .map(|(i, word)| {
            let text = word.to_string_lossy();
            if i <= at || options_end {
                return word;
            }
            if text == "--" {
                options_end = true;
            } else if let Some(n) = text.strip_prefix('-')
                && !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
            {
                return format!("--max-count={n}").into();
            }
            word
        })
        .collect()
}

fn main() -> ExitCode {
    // A shell asking what to complete gets its answer, and nothing else runs.
    completion::complete_if_asked(Cli::command);
    // `--version` says what `arbor version` says: the formats and features too.
    let long_version: &'static str = Box::leak(commands::version::details().into_boxed_str());
    let matches = Cli::command()
        .long_version(long_version)
        .get_matches_from(log_counts(std::env::args_os()));
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Output read by a pager or `head` that stops early ends the process
    // quietly by SIGPIPE, as Git's does; Rust's runtime ignores the signal,
    // which turns every later write into an error.
    if !cli.command.may_reach_remotes() {
        sigpipe::reset();
    }
    let cwd = match cli.work_dir {
        // As Git's -C: a folder that is not there is said to be missing,
        // not taken for a folder outside any repository.
        Some(dir) if !dir.is_dir() => {
            let why = if dir.exists() {
                "it is not a directory"
            } else {
                "no such directory"
            };
            ui::print_error(&ui::CliError::new(format!(
                "cannot change to '{}': {why}",
                dir.display()
            )));
            return ExitCode::FAILURE;
        }
        Some(dir) => dir,
        None => match std::env::current_dir() {
            Ok(dir) => dir,
            Err(e) => {
                ui::print_error(&ui::CliError::new(format!(
                    "cannot read the current directory: {e}"
                )));
                return ExitCode::FAILURE;
            }
        },
    };
    terminal::init_color(cli.color, &cwd);
    if cli.no_pager {
        terminal::disable_pager();
    }
    let pager = if cli.command.pages() {
        terminal::start_pager(&cwd)
    } else {
        None
    };
    let outcome = commands::run(cli.command, &cwd);
    // The pager shows all the output before an error follows it.
    drop(pager);
    match outcome {
        Ok(code) => code,
        Err(e) => {
            ui::print_error(&e);
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_counts_rewrite_only_logs_own_words() {
        let run = |line: &str| -> String {
            let words = line.split(' ').map(std::ffi::OsString::from);
            let out: Vec<String> = log_counts(words)
                .iter()
                .map(|w| w.to_string_lossy().into_owned())
                .collect();
            out.join(" ")
        };
        assert_eq!(run("arbor log -3"), "arbor log --max-count=3");
        assert_eq!(
            run("arbor -C x --color never log --stat -12 main"),
            "arbor -C x --color never log --stat --max-count=12 main"
        );
        assert_eq!(run("arbor log -- -3"), "arbor log -- -3");
        assert_eq!(run("arbor commit -m log -3"), "arbor commit -m log -3");
        assert_eq!(run("arbor -C log status -1"), "arbor -C log status -1");
        assert_eq!(run("arbor log -x"), "arbor log -x");
    }

    /// Every command, by its path of names (`["table", "import"]`).
    fn commands(
        command: &clap::Command,
        path: Vec<String>,
        out: &mut Vec<(Vec<String>, clap::Command)>,
    ) {
        for sub in command.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let mut sub_path = path.clone();
            sub_path.push(sub.get_name().to_owned());
            commands(sub, sub_path, out);
        }
        out.push((path, command.clone()));
    }

    /// The words of an example's command line, as a shell splits them
    /// (double quotes group), up to a redirection, a pipe or a comment (two
    /// spaces).
    fn words(line: &str) -> Vec<String> {
        let line = line.split("  ").next().unwrap_or_default();
        let mut words = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ' ' if !quoted => {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                }
                _ => word.push(c),
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        let end = words
            .iter()
            .position(|w| [">", "|", "&&", ";", "&"].contains(&w.as_str()))
            .unwrap_or(words.len());
        words.truncate(end);
        words
    }

    /// Every command's help ends with examples, and each example of an
    /// `arbor` command line parses as the command it shows.
    #[test]
    fn every_command_shows_examples_that_parse() {
        let mut all = Vec::new();
        commands(&Cli::command(), Vec::new(), &mut all);
        assert!(all.len() > 40, "{} commands", all.len());
        let mut parsed = 0;
        for (path, command) in &all {
            let help = command
                .get_after_help()
                .map(ToString::to_string)
                .unwrap_or_default();
            let examples = help
                .split_once("Examples:\n")
                .map(|(_, e)| e)
                .unwrap_or_else(|| panic!("arbor {}: no examples in --help", path.join(" ")));
            for line in examples.lines().take_while(|l| l.starts_with("  ")) {
                let words = words(line.trim_start());
                if words.first().map(String::as_str) != Some("arbor") {
                    continue;
                }
                match Cli::try_parse_from(log_counts(words.iter().map(Into::into))) {
                    Ok(_) => {}
                    Err(e) if e.kind() == clap::error::ErrorKind::DisplayVersion => {}
                    Err(e) => panic!("the example `{}` does not parse: {e}", line.trim()),
                }
                parsed += 1;
            }
        }
        assert!(parsed > 80, "only {parsed} examples parsed");
    }
}
