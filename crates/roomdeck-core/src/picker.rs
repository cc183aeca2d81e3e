//! The quick picker's index: every room's name in memory, matched fuzzily.
//!
//! The room list searches with FTS5 (word prefixes, through indexes); the picker wants fzf-style
//! fuzzy matching ("gnrl" → "general") over *every* room within one frame, so it keeps a compact
//! in-memory copy of names (UTF-32, pre-converted) and runs nucleo's matcher, which also folds
//! case and Latin accents. Ranking: match quality, then recent activity.
//!
//! Three things keep a keystroke over 100k rooms within a frame, with the answer exactly the
//! one a plain scan of every name would give (tests compare them):
//! - Names are kept most recent first, and scored in growing steps in that order. Once enough
//!   of them score the best that any name can score for the query (nucleo's scoring has a
//!   ceiling per query length), nothing further down can rank above them: a first letter or a
//!   word's start stops within the first few thousand rooms.
//! - When the query only grows (the user is typing), only the previous hits and the rooms the
//!   previous search did not get to are candidates. Long steps are scored in two halves on two
//!   threads.
//! - Every name also has a folded copy (each character as nucleo compares it, accents and case
//!   folded, UTF-8) in one contiguous buffer, and a 64-bit mask of the characters it holds.
//!   Before nucleo scores a name, the mask must hold the query's characters and `str::find`
//!   must find them in order in the copy: a scan that reads two flat arrays instead of 100k
//!   separate allocations. Most names of a rare word fail there (nucleo's own check reads each
//!   name, and for names beyond ASCII folded every character on every query).

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
}

/// A character as nucleo compares it when a query folds case and accents.
fn fold_char(c: char) -> char {
    chars::to_lower_case(chars::normalize(c))
}

/// A folded character's bit in a name's mask: one per ASCII letter and digit, the rest share
/// the other 28 bits.
fn mask_bit(c: char) -> u64 {
    let b = match c {
        'a'..='z' => c as u32 - 'a' as u32,
        '0'..='9' => 26 + c as u32 - '0' as u32,
        _ => 36 + c as u32 % 28,
    };
    1 << b
}

fn mask_of(text: &str) -> u64 {
    text.chars().fold(0, |m, c| m | mask_bit(c))
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

/// The candidates of a search, in index order (most recent first): `list`, then every entry
/// from `from` on.
#[derive(Debug, Default)]
struct Candidates {
    list: Vec<u32>,
    from: u32,
}

impl Candidates {
    fn all() -> Candidates {
        Candidates { list: Vec::new(), from: 0 }
    }

    /// The next `n` candidates at most, moving past them.
    fn take(&mut self, n: usize, len: u32, taken: &mut usize) -> Vec<u32> {
        let mut out = Vec::with_capacity(n);
        let from_list = n.min(self.list.len() - *taken);
        out.extend_from_slice(&self.list[*taken..*taken + from_list]);
        *taken += from_list;
        let more = (n - from_list).min(len.saturating_sub(self.from) as usize) as u32;
        out.extend(self.from..self.from + more);
        self.from += more;
        out
    }
}

/// What the last search left: its query, the hits it found, and the candidates it did not get
/// to (it stopped early). A query that only grows matches a subset of these.
#[derive(Debug, Default)]
struct LastQuery {
    query: String,
    hits: Vec<u32>,
    rest: Candidates,
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

/// The highest score any name can get for `pattern`: nucleo gives a matched character 16 plus
/// a bonus of at most 10 (a word start after a space, or the name's start), doubled for an
/// atom's first character; every atom adds its own. A name that scores it cannot be beaten,
/// only tied by a more recent one (see `search`).
fn best_possible(pattern: &Pattern) -> u32 {
    const MATCH: u32 = 16;
    const BEST_BONUS: u32 = 10;
    pattern
        .atoms
        .iter()
        .filter(|a| !a.negative)
        .map(|a| {
            let n = a.needle_text().len() as u32;
            if n == 0 { 0 } else { n * (MATCH + BEST_BONUS) + BEST_BONUS }
        })
        .sum()
}

/// Candidates scored per step: the first step is small (a first letter or a word start usually
/// has its answer among the most recent thousand rooms: 0.4 ms in the app, against 2 ms for a
/// first step of 8k), each next one twice the one before. The tests use tiny steps, so that a
/// search stops in the middle of the previous hits.
const FIRST_STEP: usize = if cfg!(test) { 16 } else { 1024 };

/// Steps of at least this many candidates are scored in two halves on two threads (a thread
/// costs ~50 µs; 8k names ~1 ms).
const PARALLEL_FROM: usize = 8192;

/// The in-memory fuzzy index.
#[derive(Debug, Default)]
pub struct PickerIndex {
    /// Most recent first: a search that finds enough best-possible matches early stops there.
    entries: Vec<Entry>,
    /// Every name folded (see the module doc), one after the other; `ends[i]` is where entry
    /// `i`'s ends (a few MB for 100k rooms).
    folded: String,
    ends: Vec<usize>,
    /// Per entry, the bits (`mask_bit`) of the characters its folded name holds.
    masks: Vec<u64>,
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
        let mut rows = rows;
        rows.sort_by_key(|&(pk, _, activity)| (std::cmp::Reverse(activity), pk));
        let mut folded = String::new();
        let mut ends = Vec::with_capacity(rows.len());
        let mut masks = Vec::with_capacity(rows.len());
        let entries = rows
            .into_iter()
            .map(|(pk, name, activity)| {
                let start = folded.len();
                folded.extend(name.chars().map(fold_char));
                masks.push(mask_of(&folded[start..]));
                ends.push(folded.len());
                Entry { pk, name: Utf32String::from(name.as_str()), activity }
            })
            .collect();
        PickerIndex {
            entries,
            folded,
            ends,
            masks,
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
    ///
    /// Ranking is by score, then activity. Entries are kept most recent first and scored in
    /// growing steps in that order; once `limit` of them have the best score any name can get
    /// for the query, nothing further down can rank above them and the search stops. Typing a
    /// first letter or a word's start over 100k rooms usually stops within the first step.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let query = query.trim();
        if query.is_empty() {
            return (0..limit.min(self.entries.len()) as u32).map(|i| self.hit(i, 0, Vec::new())).collect();
        }
        let mut guard = lock(&self.matcher);
        let matcher = guard.get_or_insert_with(|| Matcher::new(Config::DEFAULT));
        let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
        let mut last = lock(&self.last);
        // Typing narrows: a longer query only matches a subset of the previous hits and of the
        // candidates the previous search did not get to.
        let narrowing = !last.query.is_empty()
            && query.starts_with(last.query.as_str())
            && !query.contains(' ')
            && !last.query.contains(' ');
        let mut candidates = if narrowing {
            let mut list = std::mem::take(&mut last.hits);
            let rest = std::mem::take(&mut last.rest);
            list.extend_from_slice(&rest.list);
            Candidates { list, from: rest.from }
        } else {
            Candidates::all()
        };
        let required = required(&pattern);
        let required_mask = required.as_ref().map(|r| r.iter().fold(0, |m, t| m | mask_of(t)));
        let best = best_possible(&pattern);
        let score_all = |ids: &[u32], matcher: &mut Matcher| -> Vec<(u64, u32)> {
            ids.iter()
                .filter_map(|&i| {
                    let i_ = i as usize;
                    if let (Some(required), Some(mask)) = (&required, required_mask) {
                        if self.masks[i_] & mask != mask {
                            return None;
                        }
                        let start = if i_ == 0 { 0 } else { self.ends[i_ - 1] };
                        let folded = &self.folded[start..self.ends[i_]];
                        if !required.iter().all(|r| in_order(r, folded)) {
                            return None;
                        }
                    }
                    let entry = &self.entries[i_];
                    pattern.score(entry.name.slice(..), matcher).map(|s| (rank(s, entry.activity), i))
                })
                .collect()
        };
        let len = self.entries.len() as u32;
        let mut taken = 0;
        let mut step = FIRST_STEP;
        let mut scored: Vec<(u64, u32)> = Vec::new();
        let mut best_hits = 0;
        loop {
            let ids = candidates.take(step, len, &mut taken);
            if ids.is_empty() {
                break;
            }
            let found = if ids.len() >= PARALLEL_FROM {
                let (first, second) = ids.split_at(ids.len() / 2);
                std::thread::scope(|scope| {
                    let other = scope.spawn(|| {
                        let mut guard2 = lock(&self.matcher2);
                        let m2 = guard2.get_or_insert_with(|| Matcher::new(Config::DEFAULT));
                        score_all(second, m2)
                    });
                    let mut found = score_all(first, matcher);
                    match other.join() {
                        Ok(rest) => found.extend(rest),
                        // Scoring does not panic on any name; should it, the second half is scored here.
                        Err(_) => found.extend(score_all(second, matcher)),
                    }
                    found
                })
            } else {
                score_all(&ids, matcher)
            };
            best_hits += found.iter().filter(|&&(r, _)| (r >> ACTIVITY_BITS) as u32 >= best).count();
            scored.extend(found);
            if best_hits >= limit {
                break;
            }
            step *= 2;
        }
        last.query = query.to_string();
        last.hits = scored.iter().map(|&(_, i)| i).collect();
        candidates.list.drain(..taken);
        last.rest = candidates;
        drop(last);
        let key = |&(rank, i): &(u64, u32)| (std::cmp::Reverse(rank), i);
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

    /// A small deterministic generator for the tests below.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    const WORDS: [&str; 18] = [
        "general",
        "Announcements",
        "eng",
        "design-review",
        "Général",
        "café",
        "ops_alerts",
        "x",
        "Meier",
        "team42",
        "ÉQUIPE",
        "雑談",
        "hiring",
        "a",
        "qa/lab",
        "🚀",
        "gentle",
        "anchor",
    ];

    fn random_name(rng: &mut Rng) -> String {
        let n = 1 + rng.next(4);
        let seps = [" ", "-", "", "_", " · ", "."];
        (0..n)
            .map(|i| {
                format!("{}{}", if i == 0 { "" } else { seps[rng.next(seps.len())] }, WORDS[rng.next(WORDS.len())])
            })
            .collect()
    }

    #[test]
    fn no_name_scores_above_the_best_possible() {
        let mut rng = Rng(0x9e3779b97f4a7c15);
        let mut matcher = Matcher::new(Config::DEFAULT);
        let queries = [
            "a", "an", "gen", "g n", "eq", "e", "annou", "team4", "^gen", "'review", "ops$", "!x a", "雑", "café",
            "aaaa",
        ];
        let mut reached = 0;
        for _ in 0..3000 {
            let name = Utf32String::from(random_name(&mut rng).as_str());
            for q in queries {
                let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
                if let Some(score) = pattern.score(name.slice(..), &mut matcher) {
                    assert!(score <= best_possible(&pattern), "{q} on {name}: {score} > {}", best_possible(&pattern));
                    reached += usize::from(score == best_possible(&pattern));
                }
            }
        }
        // The ceiling is reached (a name starting with the query), so searches do stop early.
        assert!(reached > 1000, "{reached}");
    }

    #[test]
    fn stopping_early_gives_the_answer_of_a_full_scan() {
        let mut rng = Rng(42);
        // Activity with many ties, so the order among equals is checked too.
        let rows: Vec<(i64, String, i64)> =
            (0..20_000).map(|pk| (pk, random_name(&mut rng), rng.next(3000) as i64)).collect();
        let idx = PickerIndex::build(rows.clone());
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut full_scan = |q: &str| -> Vec<(i64, u32)> {
            let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
            let mut all: Vec<(u32, i64, i64)> = rows
                .iter()
                .filter_map(|(pk, name, act)| {
                    pattern.score(Utf32String::from(name.as_str()).slice(..), &mut matcher).map(|s| (s, *act, *pk))
                })
                .collect();
            all.sort_by_key(|&(s, act, pk)| (std::cmp::Reverse(s), std::cmp::Reverse(act), pk));
            all.into_iter().take(50).map(|(s, _, pk)| (pk, s)).collect()
        };
        // Typed letter by letter (narrowing from searches that stopped early), then fresh. As
        // the picker asks: the options in sight with the keystroke, the rest of the 50 after it;
        // the first answer must be the start of the second.
        for word in ["announ", "general", "meier", "team42", "zz", "éq"] {
            for k in 1..=word.chars().count() {
                let q: String = word.chars().take(k).collect();
                let expected = full_scan(&q);
                let first: Vec<(i64, u32)> = idx.search(&q, 12).into_iter().map(|h| (h.pk, h.score)).collect();
                assert_eq!(first[..], expected[..expected.len().min(12)], "{q} (typed, first 12)");
                let got: Vec<(i64, u32)> = idx.search(&q, 50).into_iter().map(|h| (h.pk, h.score)).collect();
                assert_eq!(got, expected, "{q} (typed)");
            }
            idx.search("", 50);
        }
        for q in ["a", "g", "gen rev", "!x a", "^team", "café", "ops$"] {
            idx.search("", 50);
            let got: Vec<(i64, u32)> = idx.search(q, 50).into_iter().map(|h| (h.pk, h.score)).collect();
            assert_eq!(got, full_scan(q), "{q}");
        }
        // A first letter stopped early.
        idx.search("", 50);
        idx.search("a", 50);
        assert!((lock(&idx.last).rest.from as usize) < idx.len() / 10, "the search for a first letter read every name");
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
