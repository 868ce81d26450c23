//! The reflog: every move of a branch head, newest first (see
//! `objects::ReflogEntry`), for undoing a reset, a rebase or a deleted
//! branch: the commit a branch pointed at before stays, and a full hash
//! names it (`arbor branch <name> <hash>`, `arbor reset --hard <hash>`).

use crate::error::Result;
use crate::objects::ReflogEntry;
use crate::repo::{BRANCH_PREFIX, REFLOG_REF, Repository};

/// The reflog's entries, newest first; with `branch`, that branch's only.
pub fn entries(repo: &Repository, branch: Option<&str>) -> Result<Vec<ReflogEntry>> {
    let mut out = Vec::new();
    let mut next = repo.store_root()?.refs.get(REFLOG_REF).copied();
    while let Some(address) = next {
        let entry = ReflogEntry::from_chunk(&repo.store().get_required(&address)?)?;
        next = entry.previous;
        let keep = branch.is_none_or(|b| entry.ref_name.strip_prefix(BRANCH_PREFIX) == Some(b));
        if keep {
            out.push(entry);
        }
    }
    Ok(out)
}
