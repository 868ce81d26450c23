//! Progress bars (indicatif) for long commands: an import's passes over its
//! file, and the chunks a clone, fetch or push moves. Shown only when
//! standard error is a terminal and the command is not `--quiet`; anywhere
//! else they are hidden and cost nothing.

use std::io::IsTerminal;

use arbor_merkle::reachability::WalkStats;
use indicatif::{ProgressBar, ProgressFinish, ProgressStyle};

/// A bar over `total` bytes with `message`, or a hidden one.
pub fn bytes(total: u64, message: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total).with_finish(ProgressFinish::AndClear);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:>10} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_owned());
    bar
}

/// `bar` moved on by a file's reading (the library's read progress).
pub fn reading(bar: &ProgressBar) -> arbor_engine::io::ReadProgress {
    let bar = bar.clone();
    std::sync::Arc::new(move |read| bar.set_position(read))
}

/// A spinner counting the chunks and bytes a transfer moved (or a hidden
/// one), and the callback that moves it on. It turns on its own while no
/// chunk moves yet (a Git remote's objects are still coming), so a long
/// wait never looks like a hang.
pub fn transfer(message: &str) -> (ProgressBar, impl FnMut(WalkStats)) {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner().with_finish(ProgressFinish::AndClear);
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(format!("{message}: contacting the remote"));
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    } else {
        ProgressBar::hidden()
    };
    let message = message.to_owned();
    let shown = bar.clone();
    let update = move |stats: WalkStats| {
        shown.set_message(format!(
            "{message}: {} chunks, {:.1} MB",
            stats.chunks,
            stats.bytes as f64 / 1e6
        ));
        shown.tick();
    };
    (bar, update)
}
