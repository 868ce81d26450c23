//! `arbor push`: send a branch (or tags) to a remote repository.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::remote::{self, Pushed};
use arbor_engine::vc;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor push`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The remote (default: the current branch's upstream, else origin).
    remote: Option<String>,
    /// The branch to push (default: the current one); `local:remote` pushes
    /// a local branch to another name.
    branch: Option<String>,
    /// Record the remote branch as the branch's upstream (for pull and push).
    #[arg(short = 'u', long)]
    set_upstream: bool,
    /// Overwrite the remote branch even when it is not a fast-forward.
    #[arg(short, long)]
    force: bool,
    /// Delete the branch on the remote.
    #[arg(short, long, conflicts_with_all = ["force", "set_upstream", "tags"])]
    delete: bool,
    /// Push the tags the remote lacks.
    #[arg(long)]
    tags: bool,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let (bar, mut progress) = crate::progress::transfer("sending");
    let result = push(&args, cwd, &mut progress);
    bar.finish_and_clear();
    result
}

fn push(
    args: &Args,
    cwd: &Path,
    progress: &mut dyn FnMut(arbor_merkle::reachability::WalkStats),
) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let env = crate::identity::environment(cwd)?;
    let current = vc::current_branch(&repository)?;
    let name = match &args.remote {
        Some(r) => r.clone(),
        None => remote::default_remote(&repository)?,
    };
    if args.tags && args.branch.is_none() {
        for t in remote::push_tags(&repository, &env, &name, &mut *progress)? {
            println!(" * [new tag]     {t} -> {t}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.delete {
        // A delete names the remote branch itself, as Git wants it named.
        let Some(remote_branch) = &args.branch else {
            return Err(CliError::new("--delete needs the remote branch to delete")
                .with_hint("arbor push --delete origin <branch>"));
        };
        let head = remote::delete_branch(&repository, &env, &name, remote_branch)?;
        println!(" - [deleted]     {remote_branch} (was {})", head.short(8));
        return Ok(ExitCode::SUCCESS);
    }
    let spec = args.branch.clone().unwrap_or_else(|| current.clone());
    let (local, remote_branch) = match spec.split_once(':') {
        Some((l, r)) => (l.to_owned(), r.to_owned()),
        None => {
            let upstream = remote::remotes(&repository)?.upstreams.get(&spec).cloned();
            let remote_branch = match upstream {
                Some((r, b)) if r == name => b,
                _ => spec.clone(),
            };
            (spec.clone(), remote_branch)
        }
    };
    let (pushed, tags) = remote::push(
        &repository,
        &env,
        remote::Push {
            branch: &local,
            remote: &name,
            remote_branch: &remote_branch,
            force: args.force,
            tags: args.tags,
        },
        &mut *progress,
    )?;
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
                    if forced { '+' } else { ' ' },
                    old.short(8),
                    if forced { "..." } else { ".." },
                    new.short(8),
                    if forced { " (forced update)" } else { "" }
                ),
            }
            println!("{} chunks ({} bytes) sent", copied.chunks, copied.bytes);
        }
    }
    if args.set_upstream {
        remote::set_upstream(&repository, &local, &name, &remote_branch)?;
        println!("branch '{local}' set up to track '{name}/{remote_branch}'");
    }
    for t in tags {
        println!(" * [new tag]     {t} -> {t}");
    }
    Ok(ExitCode::SUCCESS)
}
