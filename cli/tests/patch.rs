//! The `sql` diff format as a patch: for random edits (inserts, updates and
//! deletes with NULLs, quotes, commas, newlines and jsonb, sometimes with a
//! column added or dropped), replaying `arbor diff --format sql A B` on A
//! gives exactly B.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestEnv, WorkDir};

/// A small deterministic generator (SplitMix64), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn text(&mut self) -> String {
        const PIECES: [&str; 7] = ["a", "b, c", "it''s", "\"q\"", "line\nbreak", "", "ü"];
        if self.below(5) == 0 {
            return "NULL".into();
        }
        let s: String = (0..1 + self.below(3))
            .map(|_| PIECES[self.below(PIECES.len() as u64) as usize])
            .collect();
        format!("'{s}'")
    }

    fn doc(&mut self) -> String {
        match self.below(4) {
            0 => "NULL".into(),
            1 => "'{}'".into(),
            _ => format!(
                "'{{\"k\": {}, \"tags\": [\"x\", {}]}}'",
                self.below(5),
                self.below(3)
            ),
        }
    }
}

#[test]
fn replaying_the_sql_patch_gives_the_new_version() {
    for seed in 0..24u64 {
        let mut rng = Rng(seed);
        let d = &TestEnv::new().repo();
        let mut setup =
            String::from("CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, doc jsonb);");
        for id in 0..20 {
            setup.push_str(&format!(
                "INSERT INTO t VALUES ({id}, {}, {}, {});",
                rng.text(),
                rng.below(100),
                rng.doc()
            ));
        }
        d.ok(&["sql", "-q", &setup]);
        d.ok(&["commit", "-am", "base"]);
        let mut edits = String::new();
        let schema_change = rng.below(3);
        if schema_change == 1 {
            edits.push_str("ALTER TABLE t ADD COLUMN c text DEFAULT 'new';");
        } else if schema_change == 2 {
            edits.push_str("ALTER TABLE t DROP COLUMN b;");
        }
        for _ in 0..(1 + rng.below(12)) {
            let id = rng.below(30);
            match rng.below(3) {
                0 => edits.push_str(&format!(
                    "INSERT INTO t (id, a, doc) VALUES ({id}, {}, {}) ON CONFLICT (id) DO UPDATE SET a = excluded.a;",
                    rng.text(),
                    rng.doc()
                )),
                1 => edits.push_str(&format!("UPDATE t SET a = {}, doc = {} WHERE id = {id};", rng.text(), rng.doc())),
                _ => edits.push_str(&format!("DELETE FROM t WHERE id = {id};")),
            }
        }
        d.ok(&["sql", "-q", &edits]);
        d.ok(&["commit", "-am", "edits", "--allow-empty"]);
        let patch = d.ok(&["diff", "--format", "sql", "HEAD~1", "HEAD"]);
        d.write_file("patch.sql", &patch);
        // Replay on the old version, on another branch.
        d.ok(&["checkout", "-b", "replay", "HEAD~1"]);
        d.ok(&["sql", "-f", "patch.sql"]);
        let left = d.ok(&["diff", "--format", "jsonl", "main"]);
        assert_eq!(
            left, "",
            "seed {seed}: the replayed patch differs from the new version\npatch:\n{patch}\nedits: {edits}"
        );
    }
}

/// Replays `arbor diff --format sql HEAD~1 HEAD` (HEAD being `main`) on
/// HEAD~1 and returns the patch; panics if the result differs from `main`.
fn replay_last_commit(d: &WorkDir) -> String {
    let patch = d.ok(&["diff", "--format", "sql", "HEAD~1", "HEAD"]);
    d.write_file("patch.sql", &patch);
    d.ok(&["checkout", "-b", "replay", "HEAD~1"]);
    d.ok(&["sql", "-f", "patch.sql"]);
    let left = d.ok(&["diff", "--format", "jsonl", "main"]);
    assert_eq!(left, "", "the replayed patch differs:\n{patch}");
    patch
}

#[test]
fn the_patch_changes_primary_and_foreign_keys() {
    let d = &TestEnv::new().repo();
    d.ok(&[
            "sql",
            "-q",
            "CREATE TABLE p (id integer PRIMARY KEY, name text); INSERT INTO p VALUES (1, 'a'), (2, 'b');
             CREATE TABLE c (id integer PRIMARY KEY, pid integer NOT NULL, v text); INSERT INTO c VALUES (1, 1, 'x'), (2, 2, 'y'), (3, 1, 'z')",
        ],
    );
    d.ok(&["commit", "-am", "base"]);
    d.ok(&[
            "sql",
            "-q",
            "ALTER TABLE c DROP CONSTRAINT c_pkey; ALTER TABLE c ADD PRIMARY KEY (pid, id);
             ALTER TABLE c ADD CONSTRAINT c_pid_fkey FOREIGN KEY (pid) REFERENCES p (id);
             DELETE FROM c WHERE id = 2; INSERT INTO c VALUES (4, 2, 'w'); UPDATE c SET v = 'zz' WHERE id = 3",
        ],
    );
    d.ok(&["commit", "-am", "keys"]);
    let patch = replay_last_commit(d);
    assert!(
        patch.starts_with("ALTER TABLE \"c\" DROP CONSTRAINT \"c_pkey\";\n"),
        "{patch}"
    );
    assert!(
        patch.ends_with(
            "ALTER TABLE \"c\" ADD PRIMARY KEY (\"pid\", \"id\");\nALTER TABLE \"c\" ADD CONSTRAINT c_pid_fkey FOREIGN KEY (pid) REFERENCES p (id);\n"
        ),
        "{patch}"
    );
}

#[test]
fn the_patch_carries_types_functions_and_comments() {
    let d = &TestEnv::new().repo();
    d.ok(&[
        "sql",
        "-q",
        "CREATE TYPE mood AS ENUM ('sad', 'ok');
         CREATE TABLE t (id integer PRIMARY KEY, m mood, qty integer);
         INSERT INTO t VALUES (1, 'sad', 2);
         CREATE FUNCTION twice(x integer) RETURNS integer LANGUAGE sql RETURN x * 2;
         COMMENT ON TABLE t IS 'moods';
         COMMENT ON COLUMN t.qty IS 'how many';
         COMMENT ON TYPE mood IS 'feelings'",
    ]);
    d.ok(&["commit", "-am", "base"]);
    d.ok(&[
        "sql",
        "-q",
        "ALTER TYPE mood ADD VALUE 'happy'; INSERT INTO t VALUES (2, 'happy', 5);
         ALTER TABLE t RENAME COLUMN qty TO amount;
         CREATE OR REPLACE FUNCTION twice(x integer) RETURNS integer LANGUAGE sql RETURN x + x;
         CREATE FUNCTION thrice(x integer) RETURNS integer LANGUAGE sql RETURN x * 3;
         COMMENT ON TABLE t IS NULL;
         COMMENT ON COLUMN t.m IS 'the mood'",
    ]);
    d.ok(&["commit", "-am", "changes"]);
    let patch = replay_last_commit(d);
    assert!(
        patch.starts_with(
            "COMMENT ON COLUMN t.qty IS NULL;\nCOMMENT ON TABLE t IS NULL;\nALTER TYPE \"mood\" ADD VALUE 'happy';\n"
        ),
        "{patch}"
    );
    assert!(
        patch.contains("CREATE OR REPLACE FUNCTION thrice"),
        "{patch}"
    );
    assert!(
        patch.ends_with("COMMENT ON COLUMN t.m IS 'the mood';\n"),
        "{patch}"
    );
}
