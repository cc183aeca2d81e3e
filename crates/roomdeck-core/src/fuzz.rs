//! Entry points for the fuzz targets (`fuzz/`, `make fuzz`) and the corpus smoke test that
//! `make test` runs: everything a server sends that Roomdeck parses, per family, and the image
//! path. Each takes arbitrary bytes and must return (an error is fine), never panic, hang or
//! blow up memory. Kept in the library so the fuzz targets and the smoke test run the same code.

use crate::family::{Secret, Session, rocketchat, swapchat, virola};

fn session() -> Session {
    Session::new(
        "fuzz".into(),
        Some("fuzz".into()),
        Secret::Rocketchat { user_id: "fuzz".into(), token: "t".into(), personal: false },
    )
}

/// Rocket.Chat: `rooms.get`/`subscriptions.get` update lists, Omnichannel pages, error bodies.
pub fn rocketchat(data: &[u8]) {
    let s = session();
    let _ = rocketchat::parse_update_list(data, &s);
    let _ = rocketchat::parse_livechat_page(data, &s);
    for status in [400, 401, 403, 429, 500] {
        let _ = rocketchat::parse_error(status, data);
    }
}

/// SwapChat / Web3MQ: `my_chats` pages, `rooms/{id}`, error bodies.
pub fn swapchat(data: &[u8]) {
    let _ = swapchat::parse_my_chats(data, "fuzz");
    let _ = swapchat::parse_room(data, "fuzz");
    for status in [400, 401, 403, 500] {
        let _ = swapchat::parse_error(status, data);
    }
}

/// Virola: the rooms list and error bodies.
pub fn virola(data: &[u8]) {
    let _ = virola::parse_rooms(data);
    for status in [400, 401, 403, 500] {
        let _ = virola::parse_error(status, data);
    }
}

/// The avatar path: sniff and header check, then (when that passes) decode and both thumbnails.
pub fn image(data: &[u8]) {
    if crate::avatar::validate(data).is_ok() {
        let _ = crate::avatar::thumbnails(data);
    }
}

/// A fuzz target: arbitrary bytes in, nothing out.
pub type Target = fn(&[u8]);

/// The targets by name, for the smoke test.
pub const TARGETS: [(&str, Target); 4] =
    [("rocketchat", rocketchat), ("swapchat", swapchat), ("virola", virola), ("image", image)];
