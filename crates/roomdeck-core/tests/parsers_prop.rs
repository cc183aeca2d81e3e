//! Property tests: random, truncated and type-mangled input to every family's parsers gives an
//! error or a value, never a panic.
#![allow(clippy::unwrap_used)] // test helpers: a failed setup should stop the test loudly

use proptest::prelude::*;
use roomdeck_core::family::{Secret, Session, rocketchat, swapchat, virola};

fn session() -> Session {
    Session::new(
        "me".into(),
        Some("me".into()),
        Secret::Rocketchat { user_id: "me".into(), token: "t".into(), personal: false },
    )
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api-docs").join(name)).unwrap()
}

fn all_parsers(bytes: &[u8]) {
    let s = session();
    let _ = rocketchat::parse_update_list(bytes, &s);
    let _ = rocketchat::parse_livechat_page(bytes, &s);
    let _ = rocketchat::parse_error(400, bytes);
    let _ = swapchat::parse_my_chats(bytes, "me");
    let _ = swapchat::parse_room(bytes, "me");
    let _ = swapchat::parse_error(401, bytes);
    let _ = virola::parse_rooms(bytes);
    let _ = virola::parse_error(500, bytes);
    let _ = roomdeck_core::avatar::validate(bytes);
}

/// Arbitrary JSON values, nested a little.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::hash_map(
                prop_oneof![
                    Just("update".to_string()),
                    Just("rooms".to_string()),
                    Just("data".to_string()),
                    Just("code".to_string()),
                    Just("_id".to_string()),
                    Just("t".to_string()),
                    Just("roomId".to_string()),
                    Just("room_id".to_string()),
                    Just("members".to_string()),
                    ".{0,6}".prop_map(|s| s),
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        all_parsers(&bytes);
    }

    #[test]
    fn random_json_never_panics(v in json_value()) {
        all_parsers(v.to_string().as_bytes());
    }

    #[test]
    fn truncated_fixtures_never_panic(cut in 0usize..12_000, which in 0usize..6) {
        let names = ["rocketchat-rooms-get-1.json", "rocketchat-livechat-rooms-1.json", "swapchat-get-chat-rooms-1.json",
                     "swapchat-python-room-api-1.json", "virola-rooms-1.json", "virola-rooms-2.json"];
        let bytes = fixture(names[which]);
        all_parsers(&bytes[..cut.min(bytes.len())]);
    }
}
