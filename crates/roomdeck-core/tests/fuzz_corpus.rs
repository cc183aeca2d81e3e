//! The fuzz corpus smoke run (`make test`): every committed seed and every input a fuzzing run
//! once crashed on (`fuzz/regressions/`, kept after the fix) goes through every fuzz target's
//! code, uninstrumented. `make fuzz` does the real, coverage-guided run.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(inputs(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_corpus_input_goes_through_every_target_without_a_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut files = inputs(&fuzz.join("seeds"));
    files.extend(inputs(&fuzz.join("regressions")));
    for (name, _) in roomdeck_core::fuzz::TARGETS {
        assert!(
            files.iter().any(|f| f.parent().is_some_and(|p| p.ends_with(name))),
            "no seed for the {name} target in fuzz/seeds/{name}"
        );
    }
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for (name, target) in roomdeck_core::fuzz::TARGETS {
            let r = std::panic::catch_unwind(|| target(&bytes));
            assert!(r.is_ok(), "the {name} target panicked on {}", f.display());
        }
    }
}

/// The seeds are real answers: each family's parser accepts its own seeds (a corpus of inputs
/// that are all rejected early would fuzz nothing but the JSON reader).
#[test]
fn family_seeds_parse() {
    use roomdeck_core::family::{rocketchat, swapchat, virola};
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    let ok = |dir: &str, parse: &dyn Fn(&[u8]) -> bool| {
        let files = inputs(&seeds.join(dir));
        assert!(files.iter().any(|f| parse(&std::fs::read(f).unwrap())), "no {dir} seed parses");
    };
    let s = roomdeck_core::family::Session::new(
        "me".into(),
        None,
        roomdeck_core::family::Secret::Rocketchat { user_id: "me".into(), token: "t".into(), personal: false },
    );
    ok("rocketchat", &|b| rocketchat::parse_update_list(b, &s).is_ok_and(|r| !r.is_empty()));
    ok("swapchat", &|b| swapchat::parse_my_chats(b, "me").is_ok_and(|r| !r.is_empty()));
    ok("virola", &|b| virola::parse_rooms(b).is_ok_and(|r| !r.is_empty()));
    ok("image", &|b| roomdeck_core::avatar::thumbnails(b).is_ok());
}
