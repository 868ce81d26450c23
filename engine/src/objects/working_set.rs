//! The working set of a branch.
//!
//! ```text
//! refs:    [working, staged]                         no merge in progress
//!          [working, staged, theirs, base, pre_merge]  a merge in progress
//!          [..., conflicts]                            ... with recorded conflicts
//! payload: merge      u8      0: none, 1: merging, 2: merging with conflicts
//!          message    str     (merging only) the merge's commit message
//!
//! A sequence in progress (cherry-pick, revert, rebase) follows, where there
//! is one (working sets without one end above, as they always have):
//!
//! refs:    [..., original_head, (onto), step commits...]  the current step first, if any
//! payload: operation  u8      1: cherry-pick, 2: revert, 3: rebase
//!          flags      u8      bit 0: a current step, bit 1: allow empty,
//!                             bit 2: an author, bit 3: planned (then the
//!                             `onto` ref follows `original_head`)
//!          author     (name str, email str, time i64, offset i64), if flagged
//!          steps      varint  count, then per step: action u8 (1 pick,
//!                             2 revert, 3 squash, 4 fixup), u8 has message,
//!                             str message (if it has one)
//! ```

use arbor_merkle::codec::{Reader, Writer};
use arbor_merkle::{Address, Chunk, Error, Result};

use super::{Signature, WORKING_SET, expect};

/// A merge in progress on a branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeState {
    /// The commit being merged in.
    pub theirs: Address,
    /// The merge base commit.
    pub base: Address,
    /// The working catalog before the merge started (for `merge --abort`).
    pub pre_merge_working: Address,
    /// A prolly map of unresolved conflicts, if any.
    pub conflicts: Option<Address>,
    /// The commit message the merge will use.
    pub message: String,
}

/// What a sequence of commits applied one by one is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SequenceKind {
    /// `cherry-pick`: commits' changes applied as new commits.
    CherryPick,
    /// `revert`: commits' changes undone, each by a new commit.
    Revert,
    /// `rebase`: a branch's own commits replayed onto another commit.
    Rebase,
}

/// What one step of a sequence does with its commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepAction {
    /// Apply its changes as a new commit.
    Pick,
    /// Undo its changes with a new commit.
    Revert,
    /// Apply its changes into the commit before (messages joined).
    Squash,
    /// Apply its changes into the commit before (that one's message kept).
    Fixup,
}

/// One step of a sequence: a commit and what to do with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// What to do.
    pub action: StepAction,
    /// The commit whose changes the step applies (or undoes).
    pub commit: Address,
    /// The new commit's message, where it is not the commit's own (a
    /// reworded pick, a squash's joined message).
    pub message: Option<String>,
}

/// A sequence of commits being applied one by one (cherry-pick, revert,
/// rebase) that stopped: at a step whose changes conflict (the merge state
/// beside it holds them), or after the user concluded that step with a
/// commit of their own, before continuing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepSequence {
    /// What the sequence does.
    pub kind: SequenceKind,
    /// The branch's head before the sequence began: `--abort` goes back to it.
    pub original_head: Address,
    /// The step it stopped at, while that step's commit is not made.
    pub current: Option<Step>,
    /// The steps still to apply, in order.
    pub todo: Vec<Step>,
    /// Author of the commits that have none of their own (a revert's).
    pub author: Option<Signature>,
    /// Make a commit even for a step that changes nothing.
    pub allow_empty: bool,
    /// A rebase planned from SQL (`arbor_rebase('-i', ...)`) whose plan
    /// waits in the table `arbor_rebase` to be edited: the commit it will
    /// replay onto. Nothing is applied until `--continue`.
    pub planned_onto: Option<Address>,
}

/// A branch's uncommitted state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkingSet {
    /// The catalog the branch's SQL sessions read and write.
    pub working: Address,
    /// The catalog `arbor add` has staged for the next commit.
    pub staged: Address,
    /// A merge in progress, if any.
    pub merge: Option<MergeState>,
    /// A cherry-pick, revert or rebase in progress, if any.
    pub sequence: Option<StepSequence>,
}

impl SequenceKind {
    /// The command's name, for messages: `cherry-pick`, `revert`, `rebase`.
    pub fn command(self) -> &'static str {
        match self {
            SequenceKind::CherryPick => "cherry-pick",
            SequenceKind::Revert => "revert",
            SequenceKind::Rebase => "rebase",
        }
    }

    fn code(self) -> u8 {
        match self {
            SequenceKind::CherryPick => 1,
            SequenceKind::Revert => 2,
            SequenceKind::Rebase => 3,
        }
    }

    fn from_code(code: u8) -> Result<SequenceKind> {
        Ok(match code {
            1 => SequenceKind::CherryPick,
            2 => SequenceKind::Revert,
            3 => SequenceKind::Rebase,
            _ => return Err(Error::corrupt("working set: unknown sequence operation")),
        })
    }
}

impl StepAction {
    fn code(self) -> u8 {
        match self {
            StepAction::Pick => 1,
            StepAction::Revert => 2,
            StepAction::Squash => 3,
            StepAction::Fixup => 4,
        }
    }

    fn from_code(code: u8) -> Result<StepAction> {
        Ok(match code {
            1 => StepAction::Pick,
            2 => StepAction::Revert,
            3 => StepAction::Squash,
            4 => StepAction::Fixup,
            _ => return Err(Error::corrupt("working set: unknown sequence step")),
        })
    }
}

const HAS_CURRENT: u8 = 1;
const ALLOW_EMPTY: u8 = 2;
const HAS_AUTHOR: u8 = 4;
const PLANNED: u8 = 8;

impl StepSequence {
    /// The sequence with the step it stopped at concluded or abandoned
    /// (by a commit or a reset): what is left is to go on.
    pub fn between_steps(self) -> StepSequence {
        StepSequence {
            current: None,
            ..self
        }
    }

    fn encode(&self, refs: &mut Vec<Address>, w: &mut Writer) {
        let mut flags = 0;
        if self.current.is_some() {
            flags |= HAS_CURRENT;
        }
        if self.allow_empty {
            flags |= ALLOW_EMPTY;
        }
        if self.author.is_some() {
            flags |= HAS_AUTHOR;
        }
        if self.planned_onto.is_some() {
            flags |= PLANNED;
        }
        w.u8(self.kind.code()).u8(flags);
        if let Some(a) = &self.author {
            w.str(&a.name)
                .str(&a.email)
                .i64(a.time)
                .i64(a.offset_minutes);
        }
        refs.push(self.original_head);
        refs.extend(self.planned_onto);
        let steps: Vec<&Step> = self.current.iter().chain(&self.todo).collect();
        w.varint(steps.len() as u64);
        for step in steps {
            refs.push(step.commit);
            w.u8(step.action.code());
            match &step.message {
                Some(m) => w.u8(1).str(m),
                None => w.u8(0),
            };
        }
    }

    /// Decodes a sequence whose refs start at `refs[at]`.
    fn decode(r: &mut Reader, chunk: &Chunk, at: usize) -> Result<StepSequence> {
        let kind = SequenceKind::from_code(r.u8()?)?;
        let flags = r.u8()?;
        if flags & !(HAS_CURRENT | ALLOW_EMPTY | HAS_AUTHOR | PLANNED) != 0 {
            return Err(Error::corrupt("working set: unknown sequence flags"));
        }
        let author = if flags & HAS_AUTHOR != 0 {
            Some(Signature {
                name: r.str()?.to_owned(),
                email: r.str()?.to_owned(),
                time: r.i64()?,
                offset_minutes: r.i64()?,
            })
        } else {
            None
        };
        let n = r.count(2)?;
        let planned = flags & PLANNED != 0;
        // The steps' refs follow original_head (and onto, when planned).
        let first_step = at + 1 + usize::from(planned);
        if chunk.ref_len() != first_step + n {
            return Err(Error::corrupt(
                "working set: reference count does not match its sequence",
            ));
        }
        let mut steps = Vec::with_capacity(n);
        for i in 0..n {
            let action = StepAction::from_code(r.u8()?)?;
            let message = match r.u8()? {
                0 => None,
                1 => Some(r.str()?.to_owned()),
                _ => return Err(Error::corrupt("working set: bad sequence step")),
            };
            steps.push(Step {
                action,
                commit: chunk.ref_at(first_step + i),
                message,
            });
        }
        let current = if flags & HAS_CURRENT != 0 {
            if steps.is_empty() {
                return Err(Error::corrupt(
                    "working set: sequence without its current step",
                ));
            }
            Some(steps.remove(0))
        } else {
            None
        };
        Ok(StepSequence {
            kind,
            original_head: chunk.ref_at(at),
            current,
            todo: steps,
            author,
            allow_empty: flags & ALLOW_EMPTY != 0,
            planned_onto: planned.then(|| chunk.ref_at(at + 1)),
        })
    }
}

impl WorkingSet {
    /// The working set of a branch with nothing uncommitted: working and
    /// staged both at `catalog` (its head's), no merge in progress.
    pub fn clean(catalog: Address) -> WorkingSet {
        WorkingSet {
            working: catalog,
            staged: catalog,
            merge: None,
            sequence: None,
        }
    }

    /// Whether the merge in progress is a step of a sequence (its commit
    /// has one parent, the branch's head) rather than a merge.
    pub fn stopped_at_step(&self) -> bool {
        self.merge.is_some() && self.sequence.as_ref().is_some_and(|s| s.current.is_some())
    }

    /// Whether this working set has nothing uncommitted over `catalog`.
    pub fn is_clean_at(&self, catalog: Address) -> bool {
        *self == WorkingSet::clean(catalog)
    }

    /// Encodes the working set as a chunk.
    pub fn to_chunk(&self) -> Chunk {
        let mut refs = vec![self.working, self.staged];
        let mut w = Writer::new();
        match &self.merge {
            None => {
                w.u8(0);
            }
            Some(m) => {
                refs.extend([m.theirs, m.base, m.pre_merge_working]);
                refs.extend(m.conflicts);
                w.u8(if m.conflicts.is_some() { 2 } else { 1 })
                    .str(&m.message);
            }
        }
        if let Some(sequence) = &self.sequence {
            sequence.encode(&mut refs, &mut w);
        }
        Chunk::new(WORKING_SET, &refs, &w.into_bytes())
    }

    /// Decodes a working set chunk.
    pub fn from_chunk(chunk: &Chunk) -> Result<WorkingSet> {
        expect(chunk, WORKING_SET)?;
        let mut r = Reader::new(chunk.payload(), "working set");
        let tag = r.u8()?;
        let want_refs = match tag {
            0 => 2,
            1 => 5,
            2 => 6,
            _ => return Err(Error::corrupt("working set: unknown merge state")),
        };
        // Without a sequence, the merge state's refs are all of them.
        if chunk.ref_len() < want_refs {
            return Err(Error::corrupt(
                "working set: reference count does not match its merge state",
            ));
        }
        let merge = if tag == 0 {
            None
        } else {
            Some(MergeState {
                theirs: chunk.ref_at(2),
                base: chunk.ref_at(3),
                pre_merge_working: chunk.ref_at(4),
                conflicts: (tag == 2).then(|| chunk.ref_at(5)),
                message: r.str()?.to_owned(),
            })
        };
        let sequence = if r.remaining() > 0 {
            Some(StepSequence::decode(&mut r, chunk, want_refs)?)
        } else if chunk.ref_len() != want_refs {
            return Err(Error::corrupt(
                "working set: reference count does not match its merge state",
            ));
        } else {
            None
        };
        r.finish()?;
        Ok(WorkingSet {
            working: chunk.ref_at(0),
            staged: chunk.ref_at(1),
            merge,
            sequence,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_golden() {
        let plain = WorkingSet {
            working: Address::of(b"w"),
            staged: Address::of(b"s"),
            merge: None,
            sequence: None,
        };
        assert_eq!(WorkingSet::from_chunk(&plain.to_chunk()).unwrap(), plain);
        let merging = WorkingSet {
            merge: Some(MergeState {
                theirs: Address::of(b"t"),
                base: Address::of(b"b"),
                pre_merge_working: Address::of(b"p"),
                conflicts: Some(Address::of(b"c")),
                message: "Merge branch 'feature'".into(),
            }),
            ..plain.clone()
        };
        let chunk = merging.to_chunk();
        assert_eq!(WorkingSet::from_chunk(&chunk).unwrap(), merging);
        assert_eq!(chunk.address().short(16), GOLDEN);
        // A sequence stopped at a step, after the merge state it stopped with.
        let step = |action, name: &[u8], message: Option<&str>| Step {
            action,
            commit: Address::of(name),
            message: message.map(str::to_owned),
        };
        let sequencing = WorkingSet {
            sequence: Some(StepSequence {
                kind: SequenceKind::Rebase,
                original_head: Address::of(b"o"),
                current: Some(step(StepAction::Pick, b"c1", None)),
                todo: vec![
                    step(StepAction::Squash, b"c2", Some("joined")),
                    step(StepAction::Fixup, b"c3", None),
                ],
                author: Some(Signature {
                    name: "Ada".into(),
                    email: "ada@example.com".into(),
                    time: 1_700_000_000,
                    offset_minutes: 60,
                }),
                allow_empty: true,
                planned_onto: None,
            }),
            ..merging.clone()
        };
        let chunk = sequencing.to_chunk();
        assert_eq!(WorkingSet::from_chunk(&chunk).unwrap(), sequencing);
        assert_eq!(chunk.address().short(16), SEQUENCE_GOLDEN);
        // A sequence waiting to continue, with no merge state.
        let waiting = WorkingSet {
            merge: None,
            sequence: Some(StepSequence {
                kind: SequenceKind::Revert,
                original_head: Address::of(b"o"),
                current: None,
                todo: vec![step(StepAction::Revert, b"c4", None)],
                author: None,
                allow_empty: false,
                planned_onto: None,
            }),
            ..plain.clone()
        };
        assert_eq!(
            WorkingSet::from_chunk(&waiting.to_chunk()).unwrap(),
            waiting
        );
        // A rebase planned from SQL: its onto after the original head.
        let planned = WorkingSet {
            sequence: Some(StepSequence {
                kind: SequenceKind::Rebase,
                original_head: Address::of(b"o"),
                current: None,
                todo: Vec::new(),
                author: None,
                allow_empty: false,
                planned_onto: Some(Address::of(b"u")),
            }),
            ..plain.clone()
        };
        assert_eq!(
            WorkingSet::from_chunk(&planned.to_chunk()).unwrap(),
            planned
        );
        // A reference too many is corruption, not a sequence.
        let refs: Vec<Address> = plain.to_chunk().refs().chain([Address::of(b"x")]).collect();
        let extra = Chunk::new(WORKING_SET, &refs, plain.to_chunk().payload());
        assert!(WorkingSet::from_chunk(&extra).is_err());
    }

    const GOLDEN: &str = "79ec89fa7b2f3fb0";
    const SEQUENCE_GOLDEN: &str = "26b25489384555e5";
}
