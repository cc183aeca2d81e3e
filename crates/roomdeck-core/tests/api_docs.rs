//! Every JSON example of the vendors' API pages (`shared/api-docs/`, copied into
//! `fixtures/api-docs/`) parses into the model, and the error examples map to typed errors.
//! The one doc typo (a trailing comma in SwapChat's `/my_chats` example) is removed in the copy.
#![allow(clippy::unwrap_used)] // tests: a failed setup should stop the test loudly

use roomdeck_core::ClientError;
use roomdeck_core::family::{Secret, Session, rocketchat, swapchat, virola};
use roomdeck_core::{LastMessage, RoomDetails, RoomKind};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api-docs").join(name)).unwrap()
}

fn rc_session() -> Session {
    Session::new(
        "fZ3bvXC72pobjFPLJ".into(),
        None,
        Secret::Rocketchat { user_id: "u".into(), token: "t".into(), personal: false },
    )
}

#[test]
fn rocketchat_rooms_get_example() {
    let rooms = rocketchat::parse_update_list(&fixture("rocketchat-rooms-get-1.json"), &rc_session()).unwrap();
    assert!(!rooms.is_empty());
    let general = rooms.iter().find(|r| r.remote_id == "GENERAL").unwrap();
    assert_eq!(general.kind, RoomKind::Channel);
    assert_eq!(general.name, "general");
    // A DM without a subscription is named after the other user (we are user1, by uid).
    let names: Vec<&str> = rooms.iter().filter(|r| r.kind == RoomKind::Direct).map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["user2", "rocket.cat"]);
    let dm = rooms.iter().find(|r| r.name == "rocket.cat").unwrap();
    let LastMessage { text, author, at_ms } = dm.last_message.clone().unwrap();
    assert!(text.starts_with("*Update your QuickMeet.Chat*"));
    assert_eq!(author.as_deref(), Some("Rocket.Cat"));
    assert_eq!(at_ms, roomdeck_core::time::parse_iso("2024-07-17T02:00:05.161Z").unwrap());
}

#[test]
fn rocketchat_livechat_example() {
    let rooms = rocketchat::parse_livechat_page(&fixture("rocketchat-livechat-rooms-1.json"), &rc_session()).unwrap();
    assert_eq!(rooms.len(), 4);
    assert!(rooms.iter().all(|r| r.kind == RoomKind::Livechat));
    let closed = rooms.iter().find(|r| r.remote_id == "rFbuWtpdyS5gQguLu").unwrap();
    let RoomDetails::Rocketchat { livechat: Some(l), .. } = &closed.details else { panic!() };
    assert!(!l.open);
    assert_eq!(l.closer.as_deref(), Some("user"));
    assert_eq!(l.duration_s, Some(118.686));
    assert_eq!(l.source.as_deref(), Some("WhatsApp Cloud"));
    let widget = rooms.iter().find(|r| r.remote_id == "gMMeBpWyLeowCrzBv").unwrap();
    let RoomDetails::Rocketchat { livechat: Some(l), .. } = &widget.details else { panic!() };
    assert!(l.open && l.waiting_response);
    assert_eq!(l.visitor_username.as_deref(), Some("guest-3"));
    assert_eq!(widget.name, "Elsie Teng");
}

#[test]
fn rocketchat_error_examples() {
    for f in ["rocketchat-livechat-rooms-2.json", "rocketchat-rooms-get-2.json"] {
        let e = rocketchat::parse_error(401, &fixture(f));
        assert_eq!(e, ClientError::Unauthorized("You must be logged in to do this.".into()));
    }
}

#[test]
fn swapchat_my_chats_and_room_info_examples() {
    let rooms = swapchat::parse_my_chats(&fixture("swapchat-get-chat-rooms-1.json"), "someone-else").unwrap();
    assert_eq!(rooms.len(), 1);
    let r = &rooms[0];
    assert_eq!(r.kind, RoomKind::Direct);
    assert_eq!(r.created_ms, Some(1_643_444_610_855));
    assert_eq!(r.last_message.as_ref().map(|m| m.text.as_str()), Some("Hi"));
    assert_eq!(r.members.as_ref().map(Vec::len), Some(1));
    // The member is known by their Twitter name (twitter → opensea → discord).
    assert_eq!(r.name, "XuJava");
    let info = swapchat::parse_room(&fixture("swapchat-python-room-api-1.json"), "someone-else").unwrap();
    assert_eq!(info.description.as_deref(), Some("ChatRoom"));
    match &info.avatar {
        roomdeck_core::model::AvatarSource::Remote { path, .. } => assert!(path.starts_with("https://pbs.twimg.com/")),
        other => panic!("{other:?}"),
    }
    let ids = fixture("swapchat-get-chat-rooms-2.json");
    let v: serde_json::Value = serde_json::from_slice(&ids).unwrap();
    assert_eq!(v["code"], 0);
}

#[test]
fn virola_rooms_and_errors() {
    let rooms = virola::parse_rooms(&fixture("virola-rooms-1.json")).unwrap();
    assert_eq!(rooms.len(), 2);
    let admin = &rooms[0];
    assert_eq!((admin.remote_id.as_str(), admin.name.as_str(), admin.kind), ("2", "Admin", RoomKind::Private));
    assert!(admin.favorite);
    assert_eq!(admin.last_activity_ms, Some(1_764_350_672_498));
    assert_eq!(rooms[1].unread, 2243);
    assert!(matches!(rooms[1].details, RoomDetails::Virola { moderator: false, pinned: false, .. }));
    for f in ["virola-rooms-2.json", "virola-rooms-3.json"] {
        let e = virola::parse_error(401, &fixture(f));
        assert_eq!(e, ClientError::Unauthorized("Wrong Bearer, please renew Web API Access Token".into()));
    }
}
