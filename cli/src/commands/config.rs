//! `arbor config`: read and write settings such as the commit author
//! (`user.name`, `user.email`), for one repository or for the user.

use std::path::Path;
use std::process::ExitCode;

use crate::config::{ConfigFile, Scope, check_name, lookup};
use crate::ui::CliError;

/// Arguments of `arbor config`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("scope").args(["global", "local"])))]
pub struct Args {
    /// The user's settings, for every repository.
    #[arg(long)]
    global: bool,
    /// This repository's settings (the default when writing).
    #[arg(long)]
    local: bool,
    /// List the settings (of one scope, or every effective one).
    #[arg(short, long, conflicts_with_all = ["name", "unset"])]
    list: bool,
    /// Remove a setting.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["name", "value"])]
    unset: Option<String>,
    /// The setting, like user.name.
    name: Option<String>,
    /// Its new value; without one, the current value is printed.
    value: Option<String>,
}

impl Args {
    fn scope(&self) -> Option<Scope> {
        if self.global {
            Some(Scope::Global)
        } else if self.local {
            Some(Scope::Local)
        } else {
            None
        }
    }
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    if args.list {
        let mut values = std::collections::BTreeMap::new();
        let scopes = match args.scope() {
            Some(scope) => vec![scope],
            // Global first, so the repository's values win.
            None if crate::vcs::repository_dir(cwd).is_ok() => {
                vec![Scope::Global, Scope::Local]
            }
            None => vec![Scope::Global],
        };
        for scope in scopes {
            values.extend(ConfigFile::open(scope, cwd)?.values().clone());
        }
        for (name, value) in values {
            println!("{name}={value}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(name) = &args.unset {
        let mut file = ConfigFile::open(args.scope().unwrap_or(Scope::Local), cwd)?;
        if !file.unset(name) {
            return Err(CliError::new(format!("'{name}' is not set")));
        }
        file.save()?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(name) = &args.name else {
        return Err(CliError::new("name a setting, or use --list")
            .with_hint("arbor config --global user.name 'Ann Lee'"));
    };
    check_name(name)?;
    match &args.value {
        Some(value) => {
            let scope = args.scope().unwrap_or(Scope::Local);
            let mut file = ConfigFile::open(scope, cwd).map_err(|e| {
                if scope == Scope::Local && args.scope().is_none() {
                    e.with_hint("use --global for a setting outside any repository")
                } else {
                    e
                }
            })?;
            file.set(name, value)?;
            file.save()?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let value = match args.scope() {
                Some(scope) => ConfigFile::open(scope, cwd)?.get(name).map(str::to_owned),
                None => lookup(cwd, name)?,
            };
            match value {
                Some(v) => {
                    println!("{v}");
                    Ok(ExitCode::SUCCESS)
                }
                // As `git config <name>`: nothing printed, exit code 1.
                None => Ok(ExitCode::from(1)),
            }
        }
    }
}
