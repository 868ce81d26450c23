//! `arbor completion`: the shell's completion script (see `crate::completion`).

use std::io::Write;
use std::process::ExitCode;

use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};

use crate::completion::VAR;
use crate::ui::CliError;

/// Arguments of `arbor completion`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  arbor completion bash > ~/.local/share/bash-completion/completions/arbor
  arbor completion zsh > ~/.zfunc/_arbor
  arbor completion fish > ~/.config/fish/completions/arbor.fish
  echo 'source (arbor completion fish | psub)' >> ~/.config/fish/config.fish")]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// The shells whose scripts `arbor completion` writes.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

/// Prints the completion script for a shell.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let shell: &dyn EnvCompleter = match args.shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::Powershell => &Powershell,
        Shell::Elvish => &Elvish,
    };
    // The script calls this very program back, wherever it is installed.
    let completer = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_else(|| "arbor".to_owned());
    let mut out = Vec::new();
    shell
        .write_registration(VAR, "arbor", "arbor", &completer, &mut out)
        .map_err(|e| CliError::new(format!("cannot write the script: {e}")))?;
    std::io::stdout()
        .write_all(&out)
        .map_err(|e| CliError::new(format!("cannot write output: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
