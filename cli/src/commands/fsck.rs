//! `arbor fsck`: check every chunk of the repository.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::{Repository, ops};

use crate::ui::CliError;
use crate::vcs::repository_dir;

/// Arguments of `arbor fsck`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Roll a damaged journal back to its last valid state: the bytes cut
    /// are kept in a file beside it, and the commits dropped are listed.
    /// Without this, fsck only reads.
    #[arg(long)]
    repair: bool,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let dir = repository_dir(cwd)?;
    if args.repair {
        report_repair(&ops::repair_journal(&dir)?);
    }
    // A check takes no lock and never changes a byte.
    let store = ops::open_disk_store_read_only(&dir)?;
    let repository = Repository::open(store.clone())?;
    let report = ops::fsck(&repository, Some(&store))?;
    for p in &report.problems {
        println!("problem: {p}");
    }
    println!(
        "checked {} reachable chunks ({} bytes) and {} journal records: {}",
        report.reachable_chunks,
        report.reachable_bytes,
        report.journal_chunks,
        if report.is_clean() {
            "no problems"
        } else {
            "PROBLEMS FOUND"
        }
    );
    let version = store.journal_version();
    let current = arbor_merkle::store::JOURNAL_FORMAT_VERSION;
    if version < current {
        println!(
            "the journal is in format {version}; `arbor gc` rewrites it in format {current}, which stores it smaller"
        );
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn report_repair(repair: &ops::JournalRepair) {
    let Some(damage) = &repair.damage else {
        println!("the journal has no damage to repair");
        return;
    };
    println!(
        "repaired: the journal was damaged at byte offset {}: {}",
        damage.offset, damage.reason
    );
    println!(
        "cut {} bytes after offset {}, kept in {}",
        repair.cut_bytes,
        damage.valid_len,
        repair.kept_in.as_deref().unwrap_or("?")
    );
    println!(
        "dropped {} publish{} and {} commit{}",
        repair.dropped_publishes,
        if repair.dropped_publishes == 1 {
            ""
        } else {
            "es"
        },
        repair.dropped_commits.len(),
        if repair.dropped_commits.len() == 1 {
            ""
        } else {
            "s"
        },
    );
    for (address, commit) in &repair.dropped_commits {
        println!(
            "  dropped commit {} {}",
            address.short(12),
            commit.message.lines().next().unwrap_or_default()
        );
    }
}
