//! `arbor push`: send a branch (or tags) to a remote repository.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_push(...)`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::Pushed;
use arbor_engine::ops::{self, PushArgs, PushedWhat};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor push`.
pub type Args = PushArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let env = identity::environment(cwd)?;
    let current = ops::current_branch(&repository)?;
    let (bar, mut progress) = crate::progress::transfer("sending");
    let done = ops::push(&repository, &env, &current, &args, &mut progress);
    bar.finish_and_clear();
    let done = done?;
    let name = &done.remote;
    match &done.what {
        PushedWhat::TagsOnly => {}
        PushedWhat::Deleted { branch, head } => {
            println!(" - [deleted]     {branch} (was {})", head.short(8));
        }
        PushedWhat::Branch {
            local,
            remote_branch,
            pushed,
            upstream_set,
        } => {
            match pushed {
                Pushed::UpToDate => println!("Everything up-to-date"),
                Pushed::Updated {
                    old,
                    new,
                    forced,
                    copied,
                } => {
                    match old {
                        None => println!(" * [new branch]  {local} -> {remote_branch}"),
                        Some(old) => println!(
                            " {} {}{}{}  {local} -> {remote_branch}{}",
                            if *forced { '+' } else { ' ' },
                            old.short(8),
                            if *forced { "..." } else { ".." },
                            new.short(8),
                            if *forced { " (forced update)" } else { "" }
                        ),
                    }
                    println!("{} chunks ({} bytes) sent", copied.chunks, copied.bytes);
                }
            }
            if *upstream_set {
                println!("branch '{local}' set up to track '{name}/{remote_branch}'");
            }
        }
    }
    for t in &done.tags {
        println!(" * [new tag]     {t} -> {t}");
    }
    Ok(ExitCode::SUCCESS)
}
