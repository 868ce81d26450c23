//! Arbor's own settings (`user.name`, `user.email`, ...), as `arbor config`
//! reads and writes them: a global file for the user and a file per
//! repository, the repository's value winning.
//!
//! Each file is a JSON object of names to text values, written whole to a
//! temporary file and renamed over the old one, so a crash never leaves
//! half a file. The global file is `$ARBOR_CONFIG_GLOBAL` if set (tests and
//! CI point it elsewhere), else `$XDG_CONFIG_HOME/arbor/config.json`, else
//! `~/.config/arbor/config.json`; a repository's is `.arbor/config.json`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::ui::CliError;

/// Which file a setting lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The user's, for every repository.
    Global,
    /// One repository's.
    Local,
}

/// One configuration file, loaded.
#[derive(Debug)]
pub struct ConfigFile {
    path: PathBuf,
    values: BTreeMap<String, String>,
}

/// Where the global file is, if there is a home to put it in.
fn global_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(path) = var("ARBOR_CONFIG_GLOBAL") {
        return Some(PathBuf::from(path));
    }
    let base = var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("arbor").join("config.json"))
}

impl ConfigFile {
    /// The file of `scope` (the local one is the repository's containing
    /// `cwd`). A missing file reads as empty.
    pub fn open(scope: Scope, cwd: &Path) -> Result<ConfigFile, CliError> {
        let path = match scope {
            Scope::Global => global_path().ok_or_else(|| {
                CliError::new("there is no home folder for the global configuration")
                    .with_hint("set HOME, XDG_CONFIG_HOME or ARBOR_CONFIG_GLOBAL")
            })?,
            Scope::Local => crate::vcs::repository_dir(cwd)?
                .join(arbor_engine::STORE_DIR)
                .join("config.json"),
        };
        ConfigFile::load(path)
    }

    fn load(path: PathBuf) -> Result<ConfigFile, CliError> {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ConfigFile {
                    path,
                    values: BTreeMap::new(),
                });
            }
            Err(e) => {
                return Err(CliError::new(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
            }
        };
        let values = serde_json::from_str(&text).map_err(|e| {
            CliError::new(format!("{}: not a configuration file: {e}", path.display()))
                .with_hint("it must be a JSON object of names to text values")
        })?;
        Ok(ConfigFile { path, values })
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Every setting, by name.
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.values
    }

    /// Sets `name` (checked with [`check_name`]).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), CliError> {
        check_name(name)?;
        self.values
            .insert(name.to_ascii_lowercase(), value.to_owned());
        Ok(())
    }

    /// Removes `name`; whether it was there.
    pub fn unset(&mut self, name: &str) -> bool {
        self.values.remove(&name.to_ascii_lowercase()).is_some()
    }

    /// Writes the file: to a temporary file beside it, renamed over it.
    pub fn save(&self) -> Result<(), CliError> {
        let fail =
            |e: std::io::Error| CliError::new(format!("cannot write {}: {e}", self.path.display()));
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(fail)?;
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
        let text =
            serde_json::to_string_pretty(&self.values).map_err(|e| CliError::new(e.to_string()))?;
        writeln!(file, "{text}").map_err(fail)?;
        file.persist(&self.path).map_err(|e| fail(e.error))?;
        Ok(())
    }
}

/// A setting's name: `section.key`, letters, digits and `-`, each part
/// starting with a letter (as Git's).
pub fn check_name(name: &str) -> Result<(), CliError> {
    let part = |p: &str| {
        p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    match name.split_once('.') {
        Some((section, key)) if part(section) && key.split('.').all(part) => Ok(()),
        _ => Err(CliError::new(format!("invalid setting name '{name}'"))
            .with_hint("names are section.key, like user.name")),
    }
}

/// The value of `name`: the repository's (when `cwd` is in one), else the
/// global one.
pub fn lookup(cwd: &Path, name: &str) -> Result<Option<String>, CliError> {
    if crate::vcs::repository_dir(cwd).is_ok()
        && let Some(v) = ConfigFile::open(Scope::Local, cwd)?.get(name)
    {
        return Ok(Some(v.to_owned()));
    }
    if global_path().is_none() {
        return Ok(None);
    }
    Ok(ConfigFile::open(Scope::Global, cwd)?
        .get(name)
        .map(str::to_owned))
}
