//! The quick picker's index: every room's name in memory, matched fuzzily.
//!
//! The room list searches with FTS5 (word prefixes, through indexes); the picker wants fzf-style
//! fuzzy matching ("gnrl" → "general") over *every* room within one frame, so it keeps a compact
//! in-memory copy of names (UTF-32, pre-converted) and runs nucleo's matcher, which also folds
//! case and Latin accents. Ranking: match quality, then recent activity. When the query only
//! grows (the user is typing), only the previous hits are rescored; a long list of candidates
//! (a first letter over 100k rooms) is scored in two halves on two threads.
//!
//! A name with characters beyond ASCII (a third of a multilingual list) also keeps a folded copy:
//! each character as nucleo compares it (accents and case folded), in UTF-8. Before nucleo
//! scores such a name, the query's characters must occur in it in order, which `str::find`
//! checks in a few ns; nucleo's own check for these names folded every character on every
//! query, and was 45% of a first keystroke over 100k rooms.

use std::sync::Mutex;

use nucleo_matcher::chars;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};

use crate::lock;

/// One room in the picker index: the store's key for the room (not its account and remote id
/// as strings: at 100k rooms those took two thirds of the index's memory), its name, its
/// activity for ties.
#[derive(Debug)]
struct Entry {
    pk: i64,
    name: Utf32String,
    activity: i64,
    /// For a name beyond ASCII: its characters as nucleo compares them (see the module doc).
    folded: Option<Box<str>>,
}

/// A character as nucleo compares it when a query folds case and accents.
fn fold_char(c: char) -> char {
    chars::to_lower_case(chars::normalize(c))
}

/// The folded copy of a name beyond ASCII (ASCII names are checked fast by nucleo itself).
fn folded(name: &Utf32String) -> Option<Box<str>> {
    match name.slice(..) {
        Utf32Str::Ascii(_) => None,
        Utf32Str::Unicode(cs) => Some(cs.iter().map(|&c| fold_char(c)).collect::<String>().into_boxed_str()),
    }
}

/// Whether `needle`'s characters occur in `hay` in order.
fn in_order(needle: &str, hay: &str) -> bool {
    let mut rest = hay;
    for c in needle.chars() {
        match rest.find(c) {
            Some(i) => rest = &rest[i + c.len_utf8()..],
            None => return false,
        }
    }
    true
}

/// What every match must contain in order, per atom (negative atoms left out), when it can be
/// checked on the folded copies: only if each atom folds accents (nucleo keeps them when the
/// query has accented letters).
fn required(pattern: &Pattern) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for atom in pattern.atoms.iter().filter(|a| !a.negative) {
        let needle: String = atom.needle_text().chars().collect();
        if needle.chars().any(|c| chars::normalize(c) != c || chars::to_lower_case(c) != c) {
            return None;
        }
        out.push(needle);
    }
    Some(out)
}

#[derive(Debug, Default)]
struct LastQuery {
    query: String,
    hits: Vec<u32>,
}

/// The bits of a hit's rank that hold its activity (ms since 1970: enough until 2109).
const ACTIVITY_BITS: u32 = 42;

/// A hit's rank, one integer compared without reading the entry again: the score first, then
/// the activity (clamped to its bits). A first letter over 100k rooms has ~80k hits to choose
/// the best 50 from.
fn rank(score: u32, activity: i64) -> u64 {
    let activity = activity.clamp(0, (1i64 << ACTIVITY_BITS) - 1) as u64;
    // A score is a u16 per word of the query: 22 bits hold 64 words.
    let score = score.min((1 << (64 - ACTIVITY_BITS)) - 1);
    (u64::from(score) << ACTIVITY_BITS) | activity
}

/// Candidates above this are scored on two threads (a thread costs ~50 µs; 20k names ~2 ms).
const PARALLEL_FROM: usize = 20_000;

/// The in-memory fuzzy index.
#[derive(Debug, Default)]
pub struct PickerIndex {
    entries: Vec<Entry>,
    last: Mutex<LastQuery>,
    matcher: Mutex<Option<Matcher>>,
    /// The second thread's matcher (a matcher keeps its scratch memory between searches).
    matcher2: Mutex<Option<Matcher>>,
}

/// A match: the room's store key, score, and (for the top hits) matched char positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub pk: i64,
    pub score: u32,
    pub positions: Vec<u32>,
}

impl PickerIndex {
    /// From (store key, name, last activity) per room.
    pub fn build(rows: Vec<(i64, String, i64)>) -> PickerIndex {
        let entries = rows
            .into_iter()
            .map(|(pk, name, activity)| {
                let name = Utf32String::from(name.as_str());
                Entry { pk, folded: folded(&name), name, activity }
            })
            .collect();
        PickerIndex {
            entries,
            last: Mutex::new(LastQuery::default()),
            matcher: Mutex::new(None),
            matcher2: Mutex::new(None),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The best `limit` rooms for `query` (the most recent ones for an empty query).
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let query = query.trim();
        if query.is_empty() {
            let mut idx: Vec<u32> = (0..self.entries.len() as u32).collect();
            let k = limit.min(idx.len());
            if k == 0 {
                return Vec::new();
            }
            idx.select_nth_unstable_by_key(k - 1, |&i| std::cmp::Reverse(self.entries[i as usize].activity));
            idx.truncate(k);
            idx.sort_by_key(|&i| std::cmp::Reverse(self.entries[i as usize].activity));
            return idx.into_iter().map(|i| self.hit(i, 0, Vec::new())).collect();
        }
        let mut guard = lock(&self.matcher);
        let matcher = guard.get_or_insert_with(|| Matcher::new(Config::DEFAULT));
        let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
        let mut last = lock(&self.last);
        // Typing narrows: a longer query only matches a subset of the previous hits.
        let narrowing = !last.query.is_empty()
            && query.starts_with(last.query.as_str())
            && !query.contains(' ')
            && !last.query.contains(' ');
        let candidates: Vec<u32> =
            if narrowing { std::mem::take(&mut last.hits) } else { (0..self.entries.len() as u32).collect() };
        let required = required(&pattern);
        let score_all = |ids: &[u32], matcher: &mut Matcher| -> Vec<(u64, u32)> {
            ids.iter()
                .filter_map(|&i| {
                    let entry = &self.entries[i as usize];
                    if let (Some(required), Some(folded)) = (&required, &entry.folded)
                        && !required.iter().all(|r| in_order(r, folded))
                    {
                        return None;
                    }
                    pattern.score(entry.name.slice(..), matcher).map(|s| (rank(s, entry.activity), i))
                })
                .collect()
        };
        let mut scored: Vec<(u64, u32)> = if candidates.len() >= PARALLEL_FROM {
            let (first, second) = candidates.split_at(candidates.len() / 2);
            std::thread::scope(|scope| {
                let other = scope.spawn(|| {
                    let mut guard2 = lock(&self.matcher2);
                    let m2 = guard2.get_or_insert_with(|| Matcher::new(Config::DEFAULT));
                    score_all(second, m2)
                });
                let mut scored = score_all(first, matcher);
                match other.join() {
                    Ok(rest) => scored.extend(rest),
                    // Scoring does not panic on any name; should it, the second half is scored here.
                    Err(_) => scored.extend(score_all(second, matcher)),
                }
                scored
            })
        } else {
            score_all(&candidates, matcher)
        };
        last.query = query.to_string();
        last.hits = scored.iter().map(|&(_, i)| i).collect();
        drop(last);
        let key = |&(rank, _): &(u64, u32)| std::cmp::Reverse(rank);
        let k = limit.min(scored.len());
        if k == 0 {
            return Vec::new();
        }
        scored.select_nth_unstable_by_key(k - 1, key);
        scored.truncate(k);
        scored.sort_by_key(key);
        let mut positions = Vec::new();
        scored
            .into_iter()
            .map(|(rank, i)| {
                positions.clear();
                let name: Utf32Str<'_> = self.entries[i as usize].name.slice(..);
                pattern.indices(name, matcher, &mut positions);
                positions.sort_unstable();
                positions.dedup();
                self.hit(i, (rank >> ACTIVITY_BITS) as u32, positions.clone())
            })
            .collect()
    }

    fn hit(&self, i: u32, score: u32, positions: Vec<u32>) -> Hit {
        Hit { pk: self.entries[i as usize].pk, score, positions }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: i64 = 11;
    const B: i64 = 12;
    const C: i64 = 13;
    const D: i64 = 14;

    fn index() -> PickerIndex {
        PickerIndex::build(vec![
            (A, "general".into(), 10),
            (B, "Général Café".into(), 30),
            (C, "random".into(), 20),
            (D, "engineering-leads".into(), 5),
        ])
    }

    #[test]
    fn fuzzy_and_accent_folded() {
        let idx = index();
        let hits = idx.search("gnrl", 10);
        let ids: Vec<i64> = hits.iter().map(|h| h.pk).collect();
        assert!(ids.contains(&A) && ids.contains(&B), "{ids:?}");
        let hits = idx.search("cafe", 10);
        assert_eq!(hits.first().map(|h| h.pk), Some(B));
        assert!(!hits[0].positions.is_empty());
    }

    #[test]
    fn ties_break_by_recent_activity_and_empty_query_lists_recent() {
        let idx = index();
        let hits = idx.search("general", 10);
        // Same match quality for "general" and "Général": the more recent first.
        assert_eq!(hits[0].pk, B);
        let recent: Vec<i64> = idx.search("", 2).into_iter().map(|h| h.pk).collect();
        assert_eq!(recent, vec![B, C]);
    }

    #[test]
    fn two_threads_give_the_same_answer_as_one() {
        // Above PARALLEL_FROM the candidates are split in two: the hits, their order and their
        // positions must not depend on it.
        let rows: Vec<(i64, String, i64)> = (0..(PARALLEL_FROM as i64 + 5000))
            .map(|i| (i, format!("{} room {i}", ["sales", "design", "ops", "général"][(i % 4) as usize]), i % 977))
            .chain((0..60).map(|i| (1_000_000 + i, format!("quokka {i}"), i)))
            .collect();
        let big = PickerIndex::build(rows.clone());
        for q in ["s", "gnrl", "room 1", "zz"] {
            let parallel = big.search(q, 50);
            let matcher = &mut Matcher::new(Config::DEFAULT);
            let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
            let mut one: Vec<(u32, i64)> = rows
                .iter()
                .filter_map(|(pk, name, _)| {
                    pattern.score(Utf32String::from(name.as_str()).slice(..), matcher).map(|s| (s, *pk))
                })
                .collect();
            let by_pk: std::collections::HashMap<i64, i64> = rows.iter().map(|r| (r.0, r.2)).collect();
            let activity = |pk: i64| by_pk.get(&pk).copied().unwrap_or(0);
            one.sort_by_key(|&(s, pk)| (std::cmp::Reverse(s), std::cmp::Reverse(activity(pk))));
            let expected: Vec<(u32, i64)> = one.into_iter().take(50).collect();
            let got: Vec<(u32, i64)> = parallel.iter().map(|h| (h.score, h.pk)).collect();
            // Equal scores and activity may come in either order: compare as sets per score.
            assert_eq!(got.len(), expected.len(), "{q}");
            assert_eq!(
                got.iter().map(|h| h.0).collect::<Vec<_>>(),
                expected.iter().map(|h| h.0).collect::<Vec<_>>(),
                "{q}: scores in order"
            );
        }
        // The only matches are at the end of the list (the second thread's half), typed letter
        // by letter (narrowing from a parallel first letter).
        for q in ["q", "qu", "quo", "quokka"] {
            let hits = big.search(q, 100);
            assert!(hits.len() >= 60, "{q}: {}", hits.len());
            if q.len() > 2 {
                assert_eq!(hits.len(), 60, "{q}");
                assert_eq!(hits[0].pk, 1_000_059, "{q}: the most recent first");
            }
        }
    }

    #[test]
    fn the_folded_check_keeps_every_match_nucleo_finds() {
        // Names in several scripts, accents, case, emoji; queries plain, accented, upper case,
        // in other scripts, with nucleo's syntax. Every hit nucleo gives over the names alone
        // must come out of the index, with the same score.
        let names = [
            "Général Café",
            "Björn Eriksen",
            "ÉQUIPE design",
            "Ομάδα σχεδίασης",
            "Дмитрий Nakamura",
            "雑談 random",
            "🚀 launch-room",
            "İstanbul office",
            "straße team",
            "Łódź sales",
            "마케팅 팀",
            "plain ascii room",
            "ﬁnance (ligature)",
        ];
        let rows: Vec<(i64, String, i64)> =
            names.iter().enumerate().map(|(i, n)| (i as i64, n.to_string(), 0)).collect();
        let idx = PickerIndex::build(rows);
        let queries = [
            "gen",
            "café",
            "CAFE",
            "bjorn",
            "björn",
            "equipe",
            "ομ",
            "дми",
            "雑",
            "launch",
            "istan",
            "i",
            "strasse",
            "straße",
            "lodz",
            "마케",
            "fin",
            "^gen",
            "team$",
            "'sales",
            "!room gen",
            "e q",
            "o",
            "é",
        ];
        let mut matcher = Matcher::new(Config::DEFAULT);
        for q in queries {
            let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
            let mut expected: Vec<(i64, u32)> = names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    pattern.score(Utf32String::from(*n).slice(..), &mut matcher).map(|s| (i as i64, s))
                })
                .collect();
            expected.sort();
            // A fresh index per query: no narrowing from the one before.
            let fresh =
                PickerIndex::build(names.iter().enumerate().map(|(i, n)| (i as i64, n.to_string(), 0)).collect());
            let mut got: Vec<(i64, u32)> = fresh.search(q, 100).into_iter().map(|h| (h.pk, h.score)).collect();
            got.sort();
            assert_eq!(got, expected, "{q}");
            // And typed letter by letter into one index.
            let typed: Vec<(i64, u32)> = {
                let mut v: Vec<(i64, u32)> = idx.search(q, 100).into_iter().map(|h| (h.pk, h.score)).collect();
                v.sort();
                v
            };
            assert_eq!(typed, expected, "{q} (after the queries before it)");
        }
    }

    #[test]
    fn narrowing_gives_the_same_answer_as_a_fresh_search() {
        let idx = index();
        for q in ["e", "en", "eng", "engi"] {
            let narrowed: Vec<i64> = idx.search(q, 10).into_iter().map(|h| h.pk).collect();
            let fresh: Vec<i64> = index().search(q, 10).into_iter().map(|h| h.pk).collect();
            assert_eq!(narrowed, fresh, "{q}");
        }
        assert!(idx.search("zzz", 10).is_empty());
    }
}
