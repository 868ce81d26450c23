//! Where a command writes a file it produces (an export, a merged file):
//! a temporary file beside the target, renamed over it only once all is
//! written, so a command that fails halfway leaves no partial file and the
//! old one as it was (the target may even be one of the command's inputs);
//! or standard output.
//!
//! A new file gets the mode any program's would (0666 less the umask), a
//! replaced one keeps its own; a file that exists is only replaced where the
//! command says so ([`Existing`]).

use std::fs::Permissions;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::ui::CliError;

/// What to do where the target file exists already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Replace it (a merged file takes the place of its input).
    Replace,
    /// Refuse, before anything is written and again, atomically, when the
    /// file is put in place (an export without `--force`).
    Refuse,
}

/// An output being written; [`Output::finish`] puts it in place.
pub enum Output {
    /// The temporary file, the path it becomes, and whether it may replace
    /// a file there.
    File(BufWriter<tempfile::NamedTempFile>, PathBuf, Existing),
    /// Standard output (not locked: an output may be written from another
    /// thread; the buffer keeps locking rare).
    Stdout(BufWriter<io::Stdout>),
}

impl Output {
    /// Opens the output for `target` (relative to `cwd`; `None` or `-`:
    /// standard output).
    pub fn open(cwd: &Path, target: Option<&Path>, existing: Existing) -> Result<Output, CliError> {
        let Some(target) = target.filter(|t| t.as_os_str() != "-") else {
            return Ok(Output::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            )));
        };
        let path = cwd.join(target);
        let mode = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                return Err(CliError::new(format!(
                    "cannot write {}: it is a directory",
                    target.display()
                )));
            }
            Ok(_) if existing == Existing::Refuse => return Err(exists(target)),
            Ok(meta) => meta.permissions().mode() & 0o7777,
            Err(_) => 0o666,
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        // The mode is given at creation, where the umask applies to it.
        let file = tempfile::Builder::new()
            .permissions(Permissions::from_mode(mode))
            .tempfile_in(dir)
            .map_err(|e| CliError::new(format!("cannot write {}: {e}", target.display())))?;
        Ok(Output::File(
            BufWriter::with_capacity(1 << 16, file),
            path,
            existing,
        ))
    }

    /// Flushes the output and renames the file into place.
    pub fn finish(self) -> Result<(), CliError> {
        match self {
            Output::File(out, path, existing) => {
                let file = out
                    .into_inner()
                    .map_err(|e| CliError::new(format!("cannot write output: {}", e.error())))?;
                let placed = match existing {
                    Existing::Replace => file.persist(&path),
                    Existing::Refuse => file.persist_noclobber(&path),
                };
                placed.map_err(|e| {
                    if e.error.kind() == io::ErrorKind::AlreadyExists {
                        exists(&path)
                    } else {
                        CliError::new(format!("cannot write {}: {}", path.display(), e.error))
                    }
                })?;
                Ok(())
            }
            Output::Stdout(mut out) => out
                .flush()
                .map_err(|e| CliError::new(format!("cannot write output: {e}"))),
        }
    }
}

fn exists(target: &Path) -> CliError {
    CliError::new(format!("{} exists already", target.display()))
        .with_hint("pass --force to replace it")
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::File(f, ..) => f.write(buf),
            Output::Stdout(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::File(f, ..) => f.flush(),
            Output::Stdout(s) => s.flush(),
        }
    }
}
