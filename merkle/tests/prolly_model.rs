//! Prolly maps checked against `BTreeMap` as a model: contents, ranges,
//! ordinals, history independence, diff and three-way merge laws.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use arbor_merkle::prolly::{Collision, DiffEntry, Resolution, merge};
use arbor_merkle::{Edit, MemoryStore, NodeStore, ProllyMap};
use proptest::prelude::*;

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

fn store() -> NodeStore {
    NodeStore::new(Arc::new(MemoryStore::new()))
}

fn build(store: &NodeStore, model: &Model) -> ProllyMap {
    ProllyMap::from_sorted(store, model.iter()).unwrap()
}

fn contents(map: &ProllyMap) -> Model {
    map.iter().unwrap().map(|e| e.unwrap()).collect()
}

/// Keys from a small alphabet so that random edits collide with existing keys.
fn key() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0u8..8, 1..4).prop_map(|mut k| {
        k.insert(0, b'k');
        k
    })
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => prop::collection::vec(any::<u8>(), 0..40),
        1 => prop::collection::vec(any::<u8>(), 2000..6000),
    ]
}

fn model() -> impl Strategy<Value = Model> {
    prop::collection::btree_map(key(), value(), 0..300)
}

/// Random edits: `None` deletes.
fn edits() -> impl Strategy<Value = Vec<(Vec<u8>, Option<Vec<u8>>)>> {
    prop::collection::vec((key(), prop::option::weighted(0.7, value())), 0..200)
}

fn apply_to_model(model: &mut Model, edits: &[(Vec<u8>, Option<Vec<u8>>)]) {
    for (k, v) in edits {
        match v {
            Some(v) => model.insert(k.clone(), v.clone()),
            None => model.remove(k),
        };
    }
}

/// The last edit of each key wins, sorted by key: what a batch must contain.
fn as_batch(edits: &[(Vec<u8>, Option<Vec<u8>>)]) -> Vec<Edit> {
    let last: BTreeMap<_, _> = edits.iter().cloned().collect();
    last.into_iter()
        .map(|(key, value)| Edit { key, value })
        .collect()
}

fn model_diff(from: &Model, to: &Model) -> Vec<DiffEntry> {
    let mut keys: Vec<_> = from.keys().chain(to.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (old, new) = (from.get(&key).cloned(), to.get(&key).cloned());
            (old != new).then_some(DiffEntry { key, old, new })
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn contents_and_lookups_match_the_model(m in model(), probes in prop::collection::vec(key(), 10)) {
        let s = store();
        let map = build(&s, &m);
        prop_assert_eq!(contents(&map), m.clone());
        prop_assert_eq!(map.len().unwrap(), m.len() as u64);
        for p in &probes {
            prop_assert_eq!(map.get(p).unwrap(), m.get(p).cloned());
            let rank = m.range::<Vec<u8>, _>(..p.clone()).count() as u64;
            prop_assert_eq!(map.rank(p).unwrap(), rank);
        }
        for (i, (k, v)) in m.iter().enumerate() {
            prop_assert_eq!(map.get_index(i as u64).unwrap(), Some((k.clone(), v.clone())));
        }
        prop_assert_eq!(map.get_index(m.len() as u64).unwrap(), None);
    }

    #[test]
    fn ranges_match_the_model(m in model(), a in key(), b in key(), incl_a: bool, incl_b: bool) {
        let s = store();
        let map = build(&s, &m);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let start = if incl_a { Bound::Included(lo.as_slice()) } else { Bound::Excluded(lo.as_slice()) };
        let end = if incl_b { Bound::Included(hi.as_slice()) } else { Bound::Excluded(hi.as_slice()) };
        let want: Vec<_> = if lo == hi && !(incl_a && incl_b) {
            Vec::new()
        } else {
            m.range::<[u8], _>((start, end)).map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        let got: Vec<_> = map.range(start, end).unwrap().map(|e| e.unwrap()).collect();
        prop_assert_eq!(&got, &want);
        let mut got_rev: Vec<_> = map.range_rev(start, end).unwrap().map(|e| e.unwrap()).collect();
        got_rev.reverse();
        prop_assert_eq!(&got_rev, &want);
        let prefix = &lo[..2.min(lo.len())];
        let want_prefix: Vec<_> = m.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(k, v)| (k.clone(), v.clone())).collect();
        let got_prefix: Vec<_> = map.prefix(prefix).unwrap().map(|e| e.unwrap()).collect();
        prop_assert_eq!(got_prefix, want_prefix);
        let all_rev: Vec<_> = map.range_rev(Bound::Unbounded, Bound::Unbounded).unwrap().map(|e| e.unwrap().0).collect();
        prop_assert_eq!(all_rev, m.keys().rev().cloned().collect::<Vec<_>>());
    }

    #[test]
    fn history_independence(m in model(), e in edits(), seed: u64) {
        let s = store();
        let mut expected = m.clone();
        apply_to_model(&mut expected, &e);
        let bulk = build(&s, &expected);

        // One batch.
        let batched = build(&s, &m).edit(as_batch(&e)).unwrap();
        prop_assert_eq!(batched.root(), bulk.root());

        // One edit at a time, in the given (random) order.
        let mut single = build(&s, &m);
        for (k, v) in &e {
            single = single.edit([Edit { key: k.clone(), value: v.clone() }]).unwrap();
        }
        prop_assert_eq!(single.root(), bulk.root());

        // Random batch sizes.
        let mut batches = build(&s, &m);
        let mut rest = &e[..];
        let mut x = seed | 1;
        while !rest.is_empty() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            let n = 1 + (x % 40) as usize;
            let (now, later) = rest.split_at(n.min(rest.len()));
            batches = batches.edit(as_batch(now)).unwrap();
            rest = later;
        }
        prop_assert_eq!(batches.root(), bulk.root());

        // Inserting everything into an empty map, in reverse order.
        let mut from_empty = ProllyMap::empty(&s).unwrap();
        for (k, v) in expected.iter().rev() {
            from_empty = from_empty.edit([Edit::put(k.clone(), v.clone())]).unwrap();
        }
        prop_assert_eq!(from_empty.root(), bulk.root());
        prop_assert_eq!(contents(&bulk), expected);
    }

    #[test]
    fn diff_matches_the_model(m in model(), e in edits()) {
        let s = store();
        let mut changed = m.clone();
        apply_to_model(&mut changed, &e);
        let (a, b) = (build(&s, &m), build(&s, &changed));
        let got: Vec<_> = a.diff(&b).unwrap().map(|d| d.unwrap()).collect();
        prop_assert_eq!(got, model_diff(&m, &changed));
        let back: Vec<_> = b.diff(&a).unwrap().map(|d| d.unwrap()).collect();
        prop_assert_eq!(back, model_diff(&changed, &m));
        prop_assert_eq!(a.diff(&a).unwrap().count(), 0);
    }

    #[test]
    fn merge_laws(base in model(), e1 in edits(), e2 in edits()) {
        let s = store();
        let b = build(&s, &base);
        let mut ours_m = base.clone();
        apply_to_model(&mut ours_m, &e1);
        let mut theirs_m = base.clone();
        apply_to_model(&mut theirs_m, &e2);
        let (x, y) = (build(&s, &ours_m), build(&s, &theirs_m));
        let never = |_: Collision<'_>| -> arbor_merkle::Result<Resolution> { panic!("no collision expected") };
        prop_assert_eq!(merge(&b, &x, &b, never).unwrap().root(), x.root());
        prop_assert_eq!(merge(&b, &b, &x, never).unwrap().root(), x.root());
        prop_assert_eq!(merge(&b, &x, &x, never).unwrap().root(), x.root());

        // Against a model: take theirs on collision; check the result key by key.
        let mut collisions = Vec::new();
        let merged = merge(&b, &x, &y, |c| {
            collisions.push(c.key.to_vec());
            Ok(Resolution::Theirs)
        }).unwrap();
        let mut expected = ours_m.clone();
        for d in model_diff(&base, &theirs_m) {
            let ours_v = ours_m.get(&d.key).cloned();
            if ours_v == d.old || ours_v != d.new {
                match d.new { Some(v) => expected.insert(d.key, v), None => expected.remove(&d.key) };
            }
        }
        prop_assert_eq!(contents(&merged), expected);
        for k in &collisions {
            prop_assert!(ours_m.get(k) != base.get(k) && theirs_m.get(k) != base.get(k));
        }
    }

    #[test]
    fn disjoint_merges_commute(base in model(), e1 in edits(), e2 in edits()) {
        let s = store();
        // Make the edits disjoint: the first side edits keys ending in an even byte.
        let even = |k: &Vec<u8>| k.last().unwrap().is_multiple_of(2);
        let e1: Vec<_> = e1.into_iter().filter(|(k, _)| even(k)).collect();
        let e2: Vec<_> = e2.into_iter().filter(|(k, _)| !even(k)).collect();
        let b = build(&s, &base);
        let mut xm = base.clone();
        apply_to_model(&mut xm, &e1);
        let mut ym = base.clone();
        apply_to_model(&mut ym, &e2);
        let (x, y) = (build(&s, &xm), build(&s, &ym));
        let never = |_: Collision<'_>| -> arbor_merkle::Result<Resolution> { panic!("disjoint edits never collide") };
        let xy = merge(&b, &x, &y, never).unwrap();
        let yx = merge(&b, &y, &x, never).unwrap();
        prop_assert_eq!(xy.root(), yx.root());
        let mut both = base.clone();
        apply_to_model(&mut both, &e1);
        apply_to_model(&mut both, &e2);
        prop_assert_eq!(xy.root(), build(&s, &both).root());
    }
}

#[test]
fn colliding_changes_reach_the_resolver() {
    let s = store();
    let base = ProllyMap::from_sorted(&s, [(b"a", b"1"), (b"b", b"1")]).unwrap();
    let ours = base.edit([Edit::put(*b"a", *b"ours")]).unwrap();
    let theirs = base
        .edit([Edit::put(*b"a", *b"theirs"), Edit::delete(*b"b")])
        .unwrap();
    let mut seen = Vec::new();
    let merged = merge(&base, &ours, &theirs, |c| {
        seen.push((
            c.key.to_vec(),
            c.base.map(<[u8]>::to_vec),
            c.ours.map(<[u8]>::to_vec),
            c.theirs.map(<[u8]>::to_vec),
        ));
        Ok(Resolution::Value(b"both".to_vec()))
    })
    .unwrap();
    assert_eq!(
        seen,
        vec![(
            b"a".to_vec(),
            Some(b"1".to_vec()),
            Some(b"ours".to_vec()),
            Some(b"theirs".to_vec())
        )]
    );
    assert_eq!(
        contents(&merged),
        Model::from([(b"a".to_vec(), b"both".to_vec())])
    );
}

#[test]
fn unsorted_input_is_an_error() {
    let s = store();
    assert!(ProllyMap::from_sorted(&s, [(b"b", b""), (b"a", b"")]).is_err());
    let map = ProllyMap::empty(&s).unwrap();
    assert!(
        map.edit([Edit::put(*b"b", *b""), Edit::put(*b"a", *b"")])
            .is_err()
    );
    assert!(
        map.edit([Edit::put(*b"a", *b""), Edit::put(*b"a", *b"")])
            .is_err()
    );
}
