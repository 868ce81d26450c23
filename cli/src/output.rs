//! Where a command writes a file it produces (an export, a merged file):
//! a temporary file beside the target, renamed over it only once all is
//! written, so a command that fails halfway leaves no partial file and the
//! old one as it was (the target may even be one of the command's inputs);
//! or standard output.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::ui::CliError;

/// An output being written; [`Output::finish`] puts it in place.
pub enum Output {
    /// The temporary file and the path it becomes.
    File(BufWriter<tempfile::NamedTempFile>, PathBuf),
    /// Standard output (not locked: an output may be written from another
    /// thread; the buffer keeps locking rare).
    Stdout(BufWriter<io::Stdout>),
}

impl Output {
    /// Opens the output for `target` (relative to `cwd`; `None` or `-`:
    /// standard output).
    pub fn open(cwd: &Path, target: Option<&Path>) -> Result<Output, CliError> {
        let Some(target) = target.filter(|t| t.as_os_str() != "-") else {
            return Ok(Output::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            )));
        };
        let path = cwd.join(target);
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file = tempfile::NamedTempFile::new_in(dir)
            .map_err(|e| CliError::new(format!("cannot write {}: {e}", target.display())))?;
        Ok(Output::File(BufWriter::with_capacity(1 << 16, file), path))
    }

    /// Flushes the output and renames the file into place.
    pub fn finish(self) -> Result<(), CliError> {
        match self {
            Output::File(out, path) => {
                let file = out
                    .into_inner()
                    .map_err(|e| CliError::new(format!("cannot write output: {}", e.error())))?;
                file.persist(&path).map_err(|e| {
                    CliError::new(format!("cannot write {}: {}", path.display(), e.error))
                })?;
                Ok(())
            }
            Output::Stdout(mut out) => out
                .flush()
                .map_err(|e| CliError::new(format!("cannot write output: {e}"))),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::File(f, _) => f.write(buf),
            Output::Stdout(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::File(f, _) => f.flush(),
            Output::Stdout(s) => s.flush(),
        }
    }
}
