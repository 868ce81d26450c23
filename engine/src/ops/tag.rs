//! `tag`: its arguments and its rules.

use super::{identity, time, usage};
use crate::env::Environment;
use crate::error::Result;
use crate::repo::Repository;
use crate::vc::{self, branch};

/// The arguments of `arbor tag` and `arbor_tag(...)`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct TagArgs {
    /// Delete the named tags.
    #[arg(short = 'd', long)]
    pub delete: bool,
    /// Replace an existing tag.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Make an annotated tag with this message (who tagged, when and why,
    /// kept with the tag).
    #[arg(short, long)]
    pub message: Option<String>,
    /// List tags with their messages (the first line, or the commit's
    /// subject for a lightweight tag).
    #[arg(short = 'n')]
    pub annotations: bool,
    /// The tagger of an annotated tag, as 'Name <email>'.
    #[arg(long)]
    pub author: Option<String>,
    /// The tag, then the revision it names (default HEAD).
    pub args: Vec<String>,
}

impl TagArgs {
    /// Whether the arguments ask for a list of tags (which only reads).
    pub fn is_listing(&self) -> bool {
        self.args.is_empty() && !self.delete
    }
}

/// What [`tag`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagDone {
    /// Tags deleted.
    Deleted(Vec<String>),
    /// A tag created.
    Created,
    /// Nothing: the arguments ask for a list, which the front end shows.
    List,
}

/// Creates or deletes tags as `args` say; revisions resolve against `branch`.
///
/// The rules: `-m` makes an annotated tag signed by `--author`, else the
/// environment's author, at the environment's time; `--author` without a
/// message is refused.
pub fn tag(repo: &Repository, env: &Environment, branch: &str, args: &TagArgs) -> Result<TagDone> {
    if args.delete {
        for name in &args.args {
            branch::delete_tag(repo, name)?;
        }
        return Ok(TagDone::Deleted(args.args.clone()));
    }
    let (name, revision) = match args.args.as_slice() {
        [] => return Ok(TagDone::List),
        [name] => (name, "HEAD"),
        [name, rev] => (name, rev.as_str()),
        _ => {
            return Err(usage(
                "too many arguments: give a tag name and an optional revision",
            ));
        }
    };
    let at = vc::revision::resolve(repo, branch, revision)?;
    let annotation = match &args.message {
        Some(message) => Some((
            identity(env, args.author.as_deref())?.at(time(env, None)?),
            message.clone(),
        )),
        None if args.author.is_some() => {
            return Err(
                usage("--author applies to annotated tags").with_hint("add a message with -m")
            );
        }
        None => None,
    };
    branch::create_tag(repo, name, at, args.force, annotation)?;
    Ok(TagDone::Created)
}
