//! A fake Rocket.Chat server (REST v1), as `shared/contracts/rocketchat.md` describes it.
//!
//! Implemented: `login` (password, `resume`, TOTP 2FA with `totp-required`/`totp-invalid`),
//! `logout`, `me`, `rooms.get` and `subscriptions.get` with `updatedSince` (strict `>`; `remove`
//! of rooms lists every trashed room on the server, of subscriptions only the user's), `rooms.info`
//! (400 for archived rooms), `channels.members`/`groups.members`/`im.members` (offset/count/total,
//! `count=0` = all), `livechat/rooms` (offset/count/sort, `agents[]` self rule, 403 otherwise,
//! 400 on unknown parameters), avatars (`/avatar/room/{rid}`, `/avatar/{username}`: JPEG uploads
//! with `Last-Modified` and 304, letter SVGs with the 2015 sentinel, `rc_uid`/`rc_token` query
//! auth and the unauthenticated SVG trap), an optional rate limiter with `X-RateLimit-Reset` in
//! epoch ms, and the ≤6.x / 7.x / 8.x response envelopes.
//!
//! One world, one viewer: every fake user sees the same subscriptions. Tests mutate the world
//! through [`RocketChatFake`] (post, rename, delete, leave, new avatar) and watch deltas arrive.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::data;
use crate::images;
use crate::rng::Rng;
use crate::server::{FakeServer, Shared, now_ms};

/// The server generation whose envelopes we speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// ≤ 6.x: no `success` on login; 401 bodies `{status, message}`.
    V6,
    /// 7.x: the default.
    V7,
    /// 8.0+: no legacy compatibility fields.
    V8,
}

/// Who may list Omnichannel rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LivechatAccess {
    /// `view-livechat-rooms`.
    All,
    /// Only with `agents[]=<own id>` (`view-l-room`).
    OwnOnly,
    /// 403.
    Forbidden,
}

#[derive(Debug, Clone)]
pub struct RcUser {
    pub id: String,
    pub username: String,
    pub name: String,
    pub password: String,
    /// The TOTP code this user must send (a fixed code: the fake has no clock-based TOTP).
    pub totp: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RcOptions {
    pub rooms: usize,
    pub seed: u64,
    pub era: Era,
    pub users: Vec<RcUser>,
    pub livechat: LivechatAccess,
    /// Omnichannel rooms served by other agents (no subscription for the viewer).
    pub foreign_livechat_rooms: usize,
    /// (calls, window ms) per route, like the ≤6.x limiter.
    pub rate_limit: Option<(u32, u64)>,
    /// `Accounts_AvatarBlockUnauthenticatedAccess` (true since 7.0).
    pub block_unauthenticated_avatars: bool,
    /// Every room gets an uploaded avatar (benchmarks: "10k rooms + 10k avatars").
    pub all_avatars: bool,
    /// Rooms named and topic'd with HTML/JS.
    pub hostile: bool,
    /// Members of the big `general` room.
    pub big_room_members: u64,
    /// `API_Allow_Infinite_Count`.
    pub allow_infinite_count: bool,
    /// Login tokens live this long (`Accounts_LoginExpiration`, 90 days).
    pub token_ttl_ms: i64,
}

impl Default for RcOptions {
    fn default() -> Self {
        RcOptions {
            rooms: 200,
            seed: 1,
            era: Era::V7,
            users: vec![
                RcUser {
                    id: "aLiCe0000000000Rd".into(),
                    username: "alice".into(),
                    name: "Alice Martin".into(),
                    password: "roomdeck".into(),
                    totp: None,
                },
                RcUser {
                    id: "bOb00000000000Rd2".into(),
                    username: "bob".into(),
                    name: "Bob Okafor".into(),
                    password: "roomdeck-2fa".into(),
                    totp: Some("246810".into()),
                },
            ],
            livechat: LivechatAccess::All,
            foreign_livechat_rooms: 5,
            rate_limit: None,
            block_unauthenticated_avatars: true,
            all_avatars: false,
            hostile: false,
            big_room_members: 2500,
            allow_infinite_count: true,
            token_ttl_ms: 90 * 86_400_000,
        }
    }
}

const VIEWER: u64 = u64::MAX;
const LETTERS_SENTINEL: &str = "Thu, 01 Jan 2015 00:00:00 GMT";
const DAY: i64 = 86_400_000;

#[derive(Debug, Clone)]
struct Token {
    user_id: String,
    expires_ms: Option<i64>,
}

#[derive(Debug, Clone)]
struct RoomRec {
    doc: Map<String, Value>,
    updated: i64,
    /// (pool image index, uploaded-at ms) when the room has an uploaded avatar.
    avatar: Option<(u64, i64)>,
    members: MemberSpec,
}

#[derive(Debug, Clone)]
enum MemberSpec {
    /// Explicit pool users (DMs); `VIEWER` is the viewer.
    Users(Vec<u64>),
    /// `count` pool users starting at `start`.
    Pool { start: u64, count: u64 },
}

#[derive(Debug, Clone)]
struct SubRec {
    doc: Map<String, Value>,
    updated: i64,
}

/// The fake's state.
pub struct World {
    opts: RcOptions,
    clock: i64,
    rooms: Vec<RoomRec>,
    index: HashMap<String, usize>,
    subs: HashMap<String, SubRec>,
    trash_rooms: Vec<(String, i64)>,
    trash_subs: Vec<(String, i64)>,
    tokens: HashMap<String, Token>,
    pool: u64,
    pool_usernames: HashMap<String, u64>,
    rate: HashMap<String, (i64, u32)>,
}

fn iso(ms: i64) -> String {
    let days = ms.div_euclid(DAY);
    let rem = ms.rem_euclid(DAY);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

fn parse_iso(s: &str) -> Option<i64> {
    // Accepts what JavaScript's Date.parse accepts for the forms clients send.
    let b = s.as_bytes();
    if b.len() < 10 {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (h, mi, sec) = if b.len() >= 19 { (n(11..13)?, n(14..16)?, n(17..19)?) } else { (0, 0, 0) };
    let mut ms = 0;
    if b.len() > 20 && b[19] == b'.' {
        let frac: String = s[20..].chars().take_while(char::is_ascii_digit).take(3).collect();
        ms = format!("{frac:0<3}").parse().ok()?;
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms)
}

fn http_date(ms: i64) -> String {
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64))
}

impl World {
    fn new(opts: RcOptions) -> World {
        let now = now_ms();
        let pool = opts.big_room_members.max(2000) + 500;
        let mut w = World {
            clock: now,
            rooms: Vec::new(),
            index: HashMap::new(),
            subs: HashMap::new(),
            trash_rooms: Vec::new(),
            trash_subs: Vec::new(),
            tokens: HashMap::new(),
            pool,
            pool_usernames: HashMap::new(),
            rate: HashMap::new(),
            opts,
        };
        w.generate(now);
        w
    }

    fn viewer(&self) -> &RcUser {
        &self.opts.users[0]
    }

    fn tick(&mut self) -> i64 {
        self.clock = (self.clock + 1).max(now_ms());
        self.clock
    }

    fn pool_user(&self, idx: u64) -> (String, String, String) {
        let id = Rng::for_item(self.opts.seed, "uid", idx).meteor_id();
        let (username, name) = data::person(self.opts.seed, idx);
        (id, format!("{username}{idx}"), name)
    }

    fn user_ref(&self, idx: u64) -> Value {
        let (id, username, name) = self.pool_user(idx);
        json!({ "_id": id, "username": username, "name": name })
    }

    fn viewer_ref(&self) -> Value {
        let v = self.viewer();
        json!({ "_id": v.id, "username": v.username, "name": v.name })
    }

    fn last_message(&self, rid: &str, i: u64, at: i64, text: String, from: Value) -> Value {
        json!({
            "_id": Rng::for_item(self.opts.seed, "msg", i).meteor_id(),
            "rid": rid,
            "msg": text,
            "ts": iso(at),
            "u": from,
            "_updatedAt": iso(at + 40),
            "urls": [],
            "mentions": [],
            "channels": [],
            "md": [{ "type": "PARAGRAPH", "value": [{ "type": "PLAIN_TEXT", "value": text }] }]
        })
    }

    fn generate(&mut self, now: i64) {
        let seed = self.opts.seed;
        let viewer = self.viewer().clone();
        let mut channels: Vec<(String, String)> = Vec::new();
        for i in 0..self.opts.rooms as u64 {
            let mut r = Rng::for_item(seed, "room", i);
            let roll = if i == 0 { 0 } else { r.below(100) };
            let created = now - r.range(30 * DAY, 400 * DAY);
            let lm = now - r.range(0, 60 * DAY) - (i as i64) * 1000;
            let has_messages = r.chance(0.92);
            let updated = if has_messages { lm + 50 } else { created + 1000 };
            let creator = self.user_ref(r.below(self.pool));
            let mut doc = Map::new();
            let mut members = MemberSpec::Pool { start: r.below(self.pool), count: r.range(3, 300) as u64 };
            let mut avatar = None;
            let mut sub_name: Option<(String, String)> = None;
            let id;
            let t: &str;
            if (60..80).contains(&roll) {
                // Direct messages: 1:1 (60..75) or group (75..80).
                let n_peers = if roll < 75 { 1 } else { r.range(2, 5) as u64 };
                let peers: Vec<u64> = (0..n_peers).map(|k| (r.below(self.pool) + k * 7) % self.pool).collect();
                let peer_users: Vec<(String, String, String)> = peers.iter().map(|p| self.pool_user(*p)).collect();
                let mut uids = vec![viewer.id.clone()];
                uids.extend(peer_users.iter().map(|u| u.0.clone()));
                let mut member_idx = vec![VIEWER];
                member_idx.extend(peers.iter().copied());
                let mut usernames = vec![viewer.username.clone()];
                usernames.extend(peer_users.iter().map(|u| u.1.clone()));
                id = if n_peers == 1 { format!("{}{}", viewer.id, peer_users[0].0) } else { r.meteor_id() };
                t = "d";
                doc.insert("usernames".into(), json!(usernames));
                doc.insert("uids".into(), json!(uids.clone()));
                doc.insert("usersCount".into(), json!(uids.len()));
                sub_name = Some((
                    peer_users.iter().map(|u| u.1.clone()).collect::<Vec<_>>().join(", "),
                    peer_users.iter().map(|u| u.2.clone()).collect::<Vec<_>>().join(", "),
                ));
                members = MemberSpec::Users(member_idx);
            } else if roll >= 91 {
                id = r.meteor_id();
                t = "l";
                self.fill_livechat(&mut doc, &mut r, i, true, now);
            } else {
                id = if i == 0 { "GENERAL".to_string() } else { r.meteor_id() };
                let private = (45..60).contains(&roll) || (roll >= 80 && r.chance(0.4));
                t = if private { "p" } else { "c" };
                let (handle, display) =
                    if i == 0 { ("general".to_string(), "general".to_string()) } else { data::room_name(seed, i) };
                doc.insert("name".into(), json!(handle));
                doc.insert("fname".into(), json!(display));
                if (80..87).contains(&roll) && !channels.is_empty() {
                    let (parent, parent_name) = r.pick(&channels).clone();
                    doc.insert("prid".into(), json!(parent));
                    doc.insert("name".into(), json!(r.meteor_id()));
                    doc.insert("fname".into(), json!(format!("{} – {}", parent_name, data::message(seed, i + 7))));
                } else if (87..91).contains(&roll) {
                    doc.insert("teamMain".into(), json!(true));
                    doc.insert("teamId".into(), json!(r.meteor_id()));
                } else if !private {
                    channels.push((id.clone(), display.clone()));
                }
                if let Some(topic) = data::topic(seed, i) {
                    doc.insert("topic".into(), json!(topic));
                }
                if r.chance(0.3) {
                    doc.insert(
                        "description".into(),
                        json!(format!("{} — room for everything about {}", display, handle)),
                    );
                }
                if r.chance(0.05) {
                    doc.insert("announcement".into(), json!("Maintenance window on Saturday 22:00 UTC"));
                }
                let count = if i == 0 {
                    self.opts.big_room_members
                } else if r.chance(0.03) {
                    r.range(1000, 3000) as u64
                } else {
                    r.range(3, 300) as u64
                };
                members = MemberSpec::Pool { start: r.below(self.pool), count };
                doc.insert("usersCount".into(), json!(count + 1));
                doc.insert("default".into(), json!(i == 0));
                doc.insert("ro".into(), json!(r.chance(0.05)));
                if r.chance(0.02) {
                    doc.insert("broadcast".into(), json!(true));
                }
                if private && r.chance(0.05) {
                    doc.insert("encrypted".into(), json!(true));
                }
                if self.opts.all_avatars || r.chance(0.7) {
                    let etag = r.meteor_id();
                    doc.insert("avatarETag".into(), json!(etag));
                    avatar = Some((i, created + DAY));
                }
                if r.chance(0.03) {
                    doc.insert("archived".into(), json!(true));
                }
            }
            if self.opts.all_avatars && avatar.is_none() && t != "l" {
                avatar = Some((i, created + DAY));
            }
            doc.insert("_id".into(), json!(id));
            doc.insert("t".into(), json!(t));
            doc.insert("ts".into(), json!(iso(created)));
            doc.insert("u".into(), creator);
            doc.insert("msgs".into(), json!(r.range(0, 5000)));
            doc.insert("_updatedAt".into(), json!(iso(updated)));
            if has_messages {
                let text = data::message(seed, i);
                let from = if r.chance(0.3) { self.viewer_ref() } else { self.user_ref(r.below(self.pool)) };
                let mut m = self.last_message(&id, i, lm, text, from);
                if r.chance(0.04) {
                    m["msg"] = json!("");
                    m["attachments"] = json!([{ "title": "report.pdf", "type": "file" }]);
                }
                doc.insert("lm".into(), json!(iso(lm)));
                doc.insert("lastMessage".into(), m);
            }
            if self.opts.hostile {
                match i {
                    5 => {
                        doc.insert("fname".into(), json!(data::HOSTILE_NAMES[0]));
                    }
                    6 => {
                        doc.insert("topic".into(), json!(data::HOSTILE_NAMES[1]));
                    }
                    7 => {
                        if let Some(m) = doc.get_mut("lastMessage") {
                            m["msg"] = json!(data::HOSTILE_NAMES[2]);
                        }
                    }
                    _ => {}
                }
            }
            // The viewer's subscription (closed livechat rooms have none).
            let has_sub = t != "l" || doc.get("open") == Some(&json!(true));
            if has_sub {
                let mut s = Map::new();
                let (name, fname) = sub_name.clone().unwrap_or_else(|| {
                    (
                        doc.get("name").and_then(Value::as_str).unwrap_or("").to_string(),
                        doc.get("fname").and_then(Value::as_str).unwrap_or("").to_string(),
                    )
                });
                let dm = t == "d";
                let mentions = if r.chance(0.1) { r.range(1, 4) } else { 0 };
                let unread = if dm && r.chance(0.3) { r.range(1, 9) } else { mentions };
                s.insert("_id".into(), json!(r.meteor_id()));
                s.insert("rid".into(), json!(id));
                s.insert("t".into(), json!(t));
                s.insert("name".into(), json!(name));
                s.insert("fname".into(), json!(fname));
                s.insert("ts".into(), json!(iso(created + 500)));
                s.insert("ls".into(), json!(iso(lm - 60_000)));
                s.insert("f".into(), json!(r.chance(0.08)));
                s.insert("open".into(), json!(!r.chance(0.04)));
                s.insert("alert".into(), json!(unread > 0 || r.chance(0.2)));
                s.insert("unread".into(), json!(unread));
                s.insert("userMentions".into(), json!(mentions));
                s.insert("groupMentions".into(), json!(0));
                s.insert("u".into(), self.viewer_ref());
                if doc.get("archived") == Some(&json!(true)) {
                    s.insert("archived".into(), json!(true));
                }
                if let Some(p) = doc.get("prid") {
                    s.insert("prid".into(), p.clone());
                }
                s.insert("_updatedAt".into(), json!(iso(updated)));
                self.subs.insert(id.clone(), SubRec { doc: s, updated });
            }
            self.index.insert(id.clone(), self.rooms.len());
            self.rooms.push(RoomRec { doc, updated, avatar, members });
        }
        for k in 0..self.opts.foreign_livechat_rooms as u64 {
            let i = self.opts.rooms as u64 + k;
            let mut r = Rng::for_item(seed, "room", i);
            let mut doc = Map::new();
            self.fill_livechat(&mut doc, &mut r, i, false, now);
            let id = r.meteor_id();
            let created = now - r.range(DAY, 20 * DAY);
            let updated = created + r.range(0, DAY);
            doc.insert("_id".into(), json!(id));
            doc.insert("t".into(), json!("l"));
            doc.insert("ts".into(), json!(iso(created)));
            doc.insert("_updatedAt".into(), json!(iso(updated)));
            doc.insert("lm".into(), json!(iso(updated - 10)));
            let text = data::message(seed, i);
            let from = doc.get("v").cloned().unwrap_or(Value::Null);
            doc.insert("lastMessage".into(), self.last_message(&id, i, updated - 10, text, from));
            self.index.insert(id.clone(), self.rooms.len());
            self.rooms.push(RoomRec { doc, updated, avatar: None, members: MemberSpec::Users(vec![]) });
        }
        // The server-wide trash holds rooms this user never saw; clients must ignore them.
        for k in 0..3 {
            let mut r = Rng::for_item(seed, "trash", k);
            self.trash_rooms.push((r.meteor_id(), now - r.range(DAY, 20 * DAY)));
        }
        self.clock = self.rooms.iter().map(|r| r.updated).max().unwrap_or(now).max(now);
    }

    fn fill_livechat(&self, doc: &mut Map<String, Value>, r: &mut Rng, i: u64, mine: bool, now: i64) {
        let (vname, _) = data::person(self.opts.seed, 90_000 + i);
        let open = mine || r.chance(0.5);
        doc.insert("fname".into(), json!(vname));
        doc.insert(
            "v".into(),
            json!({ "_id": Rng::for_item(self.opts.seed, "visitor", i).meteor_id(), "username": format!("guest-{i}"),
                    "token": Rng::for_item(self.opts.seed, "vtoken", i).hex(32), "status": if r.chance(0.5) { "online" } else { "offline" } }),
        );
        let agent = if mine { self.viewer_ref() } else { self.user_ref(r.below(self.pool)) };
        let served =
            json!({ "_id": agent["_id"], "username": agent["username"], "ts": iso(now - r.range(0, 5 * DAY)) });
        doc.insert("servedBy".into(), served);
        let dept = *r.pick(&["sales", "support", "billing"]);
        doc.insert("departmentId".into(), json!(format!("dept-{dept}")));
        let source = match r.below(4) {
            0 => json!({ "type": "widget" }),
            1 => json!({ "type": "email" }),
            2 => {
                json!({ "type": "app", "id": "5e3dadaa-e774-40d8-b3a4-b93b91747168", "alias": "WhatsApp Cloud", "label": "+1 555-036-6171", "sidebarIcon": "whatsapp" })
            }
            _ => json!({ "type": "sms" }),
        };
        doc.insert("source".into(), source);
        doc.insert("tags".into(), json!(if r.chance(0.5) { vec!["vip"] } else { vec![] }));
        doc.insert("usersCount".into(), json!(2));
        doc.insert("queuedAt".into(), json!(iso(now - r.range(DAY, 3 * DAY))));
        let ft = r.range(5, 300) as f64 + 0.25;
        let mut metrics = json!({ "reaction": { "ft": ft, "tt": ft }, "response": { "avg": ft * 1.3, "ft": ft, "total": r.range(1, 9), "tt": ft * 3.0 } });
        if open {
            doc.insert("open".into(), json!(true));
            doc.insert("waitingResponse".into(), json!(r.chance(0.4)));
        } else {
            doc.insert("closedAt".into(), json!(iso(now - r.range(0, DAY))));
            doc.insert("closedBy".into(), json!({ "_id": agent["_id"], "username": agent["username"] }));
            doc.insert("closer".into(), json!("user"));
            metrics["chatDuration"] = json!(r.range(60, 3600) as f64 + 0.5);
        }
        doc.insert("metrics".into(), metrics);
    }

    fn department_name(id: &str) -> &'static str {
        match id {
            "dept-sales" => "Sales",
            "dept-support" => "Support",
            _ => "Billing",
        }
    }

    fn auth(&self, headers: &HeaderMap) -> Option<String> {
        let uid = headers.get("x-user-id")?.to_str().ok()?;
        let token = headers.get("x-auth-token")?.to_str().ok()?;
        let t = self.tokens.get(token)?;
        if t.user_id != uid || t.expires_ms.is_some_and(|e| e < now_ms()) {
            return None;
        }
        Some(uid.to_string())
    }

    fn find_user(&self, login: &str) -> Option<&RcUser> {
        self.opts.users.iter().find(|u| u.username == login || format!("{}@example.com", u.username) == login)
    }

    fn issue_token(&mut self, user_id: &str, personal: bool) -> String {
        let n = self.tokens.len() as u64;
        let token = format!("{}_{}", Rng::for_item(self.opts.seed ^ now_ms() as u64, "token", n).hex(24), n);
        let expires = if personal { None } else { Some(now_ms() + self.opts.token_ttl_ms) };
        self.tokens.insert(token.clone(), Token { user_id: user_id.to_string(), expires_ms: expires });
        token
    }

    /// Enforces the optional per-route rate limit.
    fn rate_check(&mut self, route: &str) -> Option<i64> {
        let (calls, window) = self.opts.rate_limit?;
        let now = now_ms();
        let e = self.rate.entry(route.to_string()).or_insert((now, 0));
        if now - e.0 >= window as i64 {
            *e = (now, 0);
        }
        e.1 += 1;
        if e.1 > calls { Some(e.0 + window as i64) } else { None }
    }
}

/// The running fake plus handles to change its world.
pub struct RocketChatFake {
    pub server: FakeServer,
    world: Arc<Mutex<World>>,
}

type Shared_ = Arc<Mutex<World>>;

fn lock(w: &Shared_) -> std::sync::MutexGuard<'_, World> {
    match w.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn success(era: Era, mut body: Value) -> Response {
    let _ = era;
    body["success"] = json!(true);
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn failure(status: StatusCode, error: &str, error_type: Option<&str>) -> Response {
    let mut body = json!({ "success": false, "error": error });
    if let Some(t) = error_type {
        body["errorType"] = json!(t);
    }
    (status, axum::Json(body)).into_response()
}

fn unauthorized(era: Era) -> Response {
    let msg = "You must be logged in to do this.";
    let body = match era {
        Era::V6 => json!({ "status": "error", "message": msg }),
        Era::V7 => json!({ "success": false, "error": msg, "status": "error", "message": msg }),
        Era::V8 => json!({ "success": false, "error": msg }),
    };
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

fn forbidden(era: Era) -> Response {
    failure(StatusCode::FORBIDDEN, if era == Era::V8 { "forbidden" } else { "unauthorized" }, None)
}

fn too_many(reset: i64) -> Response {
    let secs = ((reset - now_ms()).max(0) + 999) / 1000;
    let mut resp = failure(
        StatusCode::TOO_MANY_REQUESTS,
        &format!(
            "Error, too many requests. Please slow down. You must wait {secs} seconds before trying this endpoint again. [error-too-many-requests]"
        ),
        None,
    );
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from_static("10"));
    h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    if let Ok(v) = HeaderValue::from_str(&reset.to_string()) {
        h.insert("x-ratelimit-reset", v);
    }
    resp
}

macro_rules! authed {
    ($w:expr, $headers:expr, $route:expr) => {{
        let era = $w.opts.era;
        if let Some(reset) = $w.rate_check($route) {
            return too_many(reset);
        }
        match $w.auth(&$headers) {
            Some(uid) => uid,
            None => return unauthorized(era),
        }
    }};
}

async fn login(State(w): State<Shared_>, headers: HeaderMap, body: Bytes) -> Response {
    let mut w = lock(&w);
    let era = w.opts.era;
    if let Some(reset) = w.rate_check("login") {
        return too_many(reset);
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return failure(StatusCode::BAD_REQUEST, "Invalid JSON", Some("invalid-params"));
    };
    let login_fail = |era: Era| {
        let mut b = json!({ "status": "error", "error": "Unauthorized", "message": "Unauthorized" });
        if era != Era::V6 {
            b["success"] = json!(false);
        }
        (StatusCode::UNAUTHORIZED, axum::Json(b)).into_response()
    };
    let user = if let Some(resume) = body.get("resume").and_then(Value::as_str) {
        match w.tokens.get(resume) {
            Some(t) if t.expires_ms.is_none_or(|e| e > now_ms()) => {
                let uid = t.user_id.clone();
                match w.opts.users.iter().find(|u| u.id == uid).cloned() {
                    Some(u) => {
                        let me = json!({ "_id": u.id, "username": u.username, "name": u.name, "status": "online", "active": true });
                        let data = json!({ "userId": u.id, "authToken": resume, "me": me });
                        let mut out = json!({ "status": "success", "data": data });
                        if era != Era::V6 {
                            out["success"] = json!(true);
                        }
                        return (StatusCode::OK, axum::Json(out)).into_response();
                    }
                    None => return login_fail(era),
                }
            }
            _ => return login_fail(era),
        }
    } else {
        let login = body
            .get("user")
            .and_then(|u| {
                u.as_str().map(str::to_string).or_else(|| u.get("username").and_then(Value::as_str).map(str::to_string))
            })
            .or_else(|| body.get("username").and_then(Value::as_str).map(str::to_string))
            .or_else(|| body.get("email").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default();
        let password = body.get("password").and_then(Value::as_str).unwrap_or("");
        match w.find_user(&login) {
            Some(u) if u.password == password => u.clone(),
            _ => return login_fail(era),
        }
    };
    if let Some(code) = &user.totp {
        let sent = body
            .get("code")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| headers.get("x-2fa-code").and_then(|v| v.to_str().ok()).map(str::to_string));
        let (error, message) = match sent {
            None => ("totp-required", "TOTP Required"),
            Some(c) if &c != code => ("totp-invalid", "TOTP Invalid"),
            Some(_) => ("", ""),
        };
        if !error.is_empty() {
            let mut b = json!({ "status": "error", "error": error, "message": message,
                                "details": { "method": "totp", "availableMethods": ["totp"] } });
            if era != Era::V6 {
                b["success"] = json!(false);
            }
            return (StatusCode::UNAUTHORIZED, axum::Json(b)).into_response();
        }
    }
    let token = w.issue_token(&user.id, false);
    let me = json!({ "_id": user.id, "username": user.username, "name": user.name, "status": "online", "active": true,
                     "roles": ["user", "livechat-agent"], "avatarUrl": format!("/avatar/{}", user.username) });
    let mut out = json!({ "status": "success", "data": { "userId": user.id, "authToken": token, "me": me } });
    if era != Era::V6 {
        out["success"] = json!(true);
    }
    (StatusCode::OK, axum::Json(out)).into_response()
}

async fn logout(State(w): State<Shared_>, headers: HeaderMap) -> Response {
    let mut w = lock(&w);
    let _uid = authed!(w, headers, "logout");
    if let Some(t) = headers.get("x-auth-token").and_then(|v| v.to_str().ok()) {
        w.tokens.remove(t);
    }
    let era = w.opts.era;
    success(era, json!({ "status": "success", "data": { "message": "You've been logged out!" } }))
}

async fn me(State(w): State<Shared_>, headers: HeaderMap) -> Response {
    let mut w = lock(&w);
    let uid = authed!(w, headers, "me");
    let era = w.opts.era;
    match w.opts.users.iter().find(|u| u.id == uid) {
        Some(u) => success(
            era,
            json!({ "_id": u.id, "username": u.username, "name": u.name, "status": "online", "active": true }),
        ),
        None => unauthorized(era),
    }
}

fn since_param(q: &HashMap<String, String>) -> Result<Option<i64>, ()> {
    match q.get("updatedSince") {
        None => Ok(None),
        Some(s) => parse_iso(s).map(Some).ok_or(()),
    }
}

async fn rooms_get(State(w): State<Shared_>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut w = lock(&w);
    let _uid = authed!(w, headers, "rooms.get");
    let era = w.opts.era;
    let Ok(since) = since_param(&q) else {
        return failure(
            StatusCode::BAD_REQUEST,
            "The \"updatedSince\" query parameter must be a valid date. [error-updatedSince-param-invalid]",
            Some("error-updatedSince-param-invalid"),
        );
    };
    let update: Vec<Value> = w
        .rooms
        .iter()
        .filter(|r| r.doc.get("_id").and_then(Value::as_str).is_some_and(|id| w.subs.contains_key(id)))
        .filter(|r| since.is_none_or(|s| r.updated > s))
        .map(|r| Value::Object(r.doc.clone()))
        .collect();
    let remove: Vec<Value> = match since {
        None => vec![],
        Some(s) => w
            .trash_rooms
            .iter()
            .filter(|(_, at)| *at > s)
            .map(|(id, at)| json!({ "_id": id, "_deletedAt": iso(*at) }))
            .collect(),
    };
    success(era, json!({ "update": update, "remove": remove }))
}

async fn subscriptions_get(
    State(w): State<Shared_>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut w = lock(&w);
    let _uid = authed!(w, headers, "subscriptions.get");
    let era = w.opts.era;
    let Ok(since) = since_param(&q) else {
        return failure(
            StatusCode::BAD_REQUEST,
            "The \"lastUpdate\" query parameter must be a valid date.",
            Some("error-roomId-param-invalid"),
        );
    };
    let update: Vec<Value> =
        w.subs.values().filter(|s| since.is_none_or(|t| s.updated > t)).map(|s| Value::Object(s.doc.clone())).collect();
    let remove: Vec<Value> = match since {
        None => vec![],
        Some(s) => w
            .trash_subs
            .iter()
            .filter(|(_, at)| *at > s)
            .map(|(id, at)| json!({ "_id": id, "_deletedAt": iso(*at) }))
            .collect(),
    };
    success(era, json!({ "update": update, "remove": remove }))
}

fn room_by_param<'a>(w: &'a World, q: &HashMap<String, String>) -> Option<&'a RoomRec> {
    if let Some(id) = q.get("roomId") {
        return w.index.get(id).map(|i| &w.rooms[*i]);
    }
    let name = q.get("roomName")?;
    w.rooms.iter().find(|r| r.doc.get("name").and_then(Value::as_str) == Some(name.as_str()))
}

async fn rooms_info(
    State(w): State<Shared_>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut w = lock(&w);
    let _uid = authed!(w, headers, "rooms.info");
    let era = w.opts.era;
    if !q.contains_key("roomId") && !q.contains_key("roomName") {
        return failure(
            StatusCode::BAD_REQUEST,
            "The parameter \"roomId\" or \"roomName\" is required [error-roomid-param-not-provided]",
            Some("error-roomid-param-not-provided"),
        );
    }
    match room_by_param(&w, &q) {
        None => failure(
            StatusCode::BAD_REQUEST,
            "The required \"roomId\" or \"roomName\" param provided does not match any channel [error-room-not-found]",
            Some("error-room-not-found"),
        ),
        Some(r) if r.doc.get("archived") == Some(&json!(true)) => failure(
            StatusCode::BAD_REQUEST,
            "The channel, is archived [error-room-archived]",
            Some("error-room-archived"),
        ),
        Some(r) => success(era, json!({ "room": Value::Object(r.doc.clone()) })),
    }
}

fn pagination(q: &HashMap<String, String>, infinite: bool) -> (usize, Option<usize>) {
    let offset = q.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    let count = match q.get("count").and_then(|v| v.parse::<usize>().ok()) {
        Some(0) if infinite => None,
        Some(0) | None => Some(50),
        Some(n) => Some(n.min(100)),
    };
    (offset, count)
}

fn members_route(
    State(w): State<Shared_>,
    headers: HeaderMap,
    q: HashMap<String, String>,
    t: &str,
    route: &str,
) -> Response {
    let mut w = lock(&w);
    let _uid = authed!(w, headers, route);
    let era = w.opts.era;
    let kind_word = match t {
        "c" => "channel",
        "p" => "private group",
        _ => "direct message",
    };
    let Some(room) = room_by_param(&w, &q).filter(|r| r.doc.get("t").and_then(Value::as_str) == Some(t)) else {
        return failure(
            StatusCode::BAD_REQUEST,
            &format!(
                "The required \"roomId\" or \"roomName\" param provided does not match any {kind_word} [error-room-not-found]"
            ),
            Some("error-room-not-found"),
        );
    };
    if room.doc.get("broadcast") == Some(&json!(true)) {
        // channels.members uses unauthorized() (401 in 7.x), groups.members forbidden() (403).
        return if t == "c" { unauthorized(era) } else { forbidden(era) };
    }
    let (offset, count) = pagination(&q, w.opts.allow_infinite_count);
    let viewer = w.viewer().clone();
    let viewer_doc = json!({ "_id": viewer.id, "username": viewer.username, "name": viewer.name, "status": "online" });
    let (total, page): (u64, Vec<Value>) = match &room.members {
        MemberSpec::Users(users) => (
            users.len() as u64,
            users
                .iter()
                .skip(offset)
                .take(count.unwrap_or(usize::MAX))
                .map(|idx| if *idx == VIEWER { viewer_doc.clone() } else { member_doc(&w, *idx, t == "d") })
                .collect(),
        ),
        MemberSpec::Pool { start, count: n } => {
            let total = *n + 1;
            let end = count.map(|c| (offset + c) as u64).unwrap_or(total).min(total);
            let page =
                (offset as u64..end)
                    .map(|j| {
                        if j == 0 {
                            viewer_doc.clone()
                        } else {
                            member_doc(&w, (start + (j - 1) * 7919) % w.pool, false)
                        }
                    })
                    .collect();
            (total, page)
        }
    };
    success(era, json!({ "members": page.clone(), "count": page.len(), "offset": offset, "total": total }))
}

fn member_doc(w: &World, idx: u64, im: bool) -> Value {
    let (id, username, name) = w.pool_user(idx);
    let status = ["online", "away", "busy", "offline", "offline"][(idx % 5) as usize];
    let mut m = json!({ "_id": id, "username": username, "name": name, "status": status });
    if !im {
        m["_updatedAt"] = json!(iso(now_ms() - 86_400_000));
        if idx % 5 < 3 {
            m["avatarETag"] = json!(Rng::for_item(w.opts.seed, "uetag", idx).meteor_id());
        }
    }
    m
}

async fn channels_members(s: State<Shared_>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    members_route(s, headers, q, "c", "channels.members")
}
async fn groups_members(s: State<Shared_>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    members_route(s, headers, q, "p", "groups.members")
}
async fn im_members(s: State<Shared_>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    members_route(s, headers, q, "d", "im.members")
}

async fn livechat_rooms(State(w): State<Shared_>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let mut w = lock(&w);
    let uid = authed!(w, headers, "livechat/rooms");
    let era = w.opts.era;
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    const KNOWN: &[&str] = &[
        "offset",
        "count",
        "sort",
        "fields",
        "query",
        "agents[]",
        "departmentId",
        "open",
        "onhold",
        "queued",
        "tags[]",
        "roomName",
        "createdAt",
        "closedAt",
        "customFields",
        "units[]",
    ];
    if let Some((k, _)) = pairs.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
        return failure(
            StatusCode::BAD_REQUEST,
            &format!("must NOT have additional properties [invalid-params] ({k})"),
            Some("invalid-params"),
        );
    }
    let agents: Vec<&str> = pairs.iter().filter(|(k, _)| k == "agents[]").map(|(_, v)| v.as_str()).collect();
    let allowed = match w.opts.livechat {
        LivechatAccess::All => true,
        LivechatAccess::OwnOnly => agents == [uid.as_str()],
        LivechatAccess::Forbidden => false,
    };
    if !allowed {
        return forbidden(era);
    }
    let q: HashMap<String, String> = pairs.iter().cloned().collect();
    let (offset, count) = pagination(&q, w.opts.allow_infinite_count);
    let sort: Value = match q.get("sort") {
        Some(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) if v.as_object().is_some_and(|o| o.values().all(|x| x == &json!(1) || x == &json!(-1))) => v,
            _ => {
                return failure(
                    StatusCode::BAD_REQUEST,
                    "Invalid sort parameter provided [error-invalid-sort]",
                    Some("error-invalid-sort"),
                );
            }
        },
        None => json!({ "ts": -1 }),
    };
    let (field, dir) = sort
        .as_object()
        .and_then(|o| o.iter().next())
        .map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(-1)))
        .unwrap_or(("ts".into(), -1));
    let mut rooms: Vec<&RoomRec> = w
        .rooms
        .iter()
        .filter(|r| r.doc.get("t") == Some(&json!("l")))
        .filter(|r| {
            agents.is_empty()
                || r.doc
                    .get("servedBy")
                    .and_then(|s| s.get("_id"))
                    .and_then(Value::as_str)
                    .is_some_and(|a| agents.contains(&a))
        })
        .filter(|r| match q.get("open").map(String::as_str) {
            Some("true") => r.doc.get("open") == Some(&json!(true)),
            Some("false") => r.doc.get("open").is_none(),
            _ => true,
        })
        .collect();
    let key = |r: &RoomRec| -> i64 {
        if field == "_updatedAt" {
            r.updated
        } else {
            r.doc.get(&field).and_then(Value::as_str).and_then(parse_iso).unwrap_or(0)
        }
    };
    rooms.sort_by_key(|r| if dir < 0 { -key(r) } else { key(r) });
    let total = rooms.len();
    let page: Vec<Value> = rooms
        .into_iter()
        .skip(offset)
        .take(count.unwrap_or(usize::MAX))
        .map(|r| {
            let mut d = r.doc.clone();
            if let Some(dept) = d.get("departmentId").and_then(Value::as_str) {
                let dept = dept.to_string();
                d.insert("department".into(), json!({ "_id": dept, "name": World::department_name(&dept) }));
            }
            Value::Object(d)
        })
        .collect();
    success(era, json!({ "rooms": page.clone(), "count": page.len(), "offset": offset, "total": total }))
}

fn avatar_authed(w: &World, q: &HashMap<String, String>) -> bool {
    if !w.opts.block_unauthenticated_avatars {
        return true;
    }
    match (q.get("rc_uid"), q.get("rc_token")) {
        (Some(uid), Some(token)) => {
            w.tokens.get(token).is_some_and(|t| &t.user_id == uid && t.expires_ms.is_none_or(|e| e > now_ms()))
        }
        _ => false,
    }
}

fn svg_response(body: Bytes, sentinel: bool) -> Response {
    let mut resp = ([(header::CONTENT_TYPE, "image/svg+xml")], body).into_response();
    if sentinel {
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
        h.insert(header::LAST_MODIFIED, HeaderValue::from_static(LETTERS_SENTINEL));
    }
    resp
}

fn upload_response(headers: &HeaderMap, image: u64, uploaded: i64) -> Response {
    let lm = http_date(uploaded);
    if headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()) == Some(lm.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut resp = ([(header::CONTENT_TYPE, "image/jpeg")], images::jpeg(image)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    h.insert("content-security-policy", HeaderValue::from_static("default-src 'none'"));
    if let Ok(v) = HeaderValue::from_str(&lm) {
        h.insert(header::LAST_MODIFIED, v);
    }
    resp
}

async fn avatar_room(
    State(w): State<Shared_>,
    Path(rid): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = lock(&w);
    if !avatar_authed(&w, &q) {
        return svg_response(images::letters_svg(&rid, 200), false);
    }
    let mut cur = w.index.get(&rid).map(|i| &w.rooms[*i]);
    let Some(room) = cur else { return StatusCode::NOT_FOUND.into_response() };
    let name = room.doc.get("fname").or(room.doc.get("name")).and_then(Value::as_str).unwrap_or("?").to_string();
    // A discussion without its own picture shows its parent's.
    for _ in 0..8 {
        let Some(r) = cur else { break };
        if let Some((img, at)) = r.avatar {
            return upload_response(&headers, img, at);
        }
        cur = r.doc.get("prid").and_then(Value::as_str).and_then(|p| w.index.get(p)).map(|i| &w.rooms[*i]);
    }
    if headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()) == Some(LETTERS_SENTINEL) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    svg_response(images::letters_svg(&name, 200), true)
}

async fn avatar_user(
    State(w): State<Shared_>,
    Path(username): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut w = lock(&w);
    if username.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    if !avatar_authed(&w, &q) {
        return svg_response(images::letters_svg(&username, 200), false);
    }
    if w.pool_usernames.is_empty() {
        let map: HashMap<String, u64> = (0..w.pool).map(|i| (w.pool_user(i).1, i)).collect();
        w.pool_usernames = map;
    }
    if let Some(idx) = w.pool_usernames.get(&username).copied()
        && idx % 5 < 3
    {
        return upload_response(&headers, 10_000 + idx, now_ms() - 30 * DAY - (idx as i64 % 1000) * 1000);
    }
    if headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()) == Some(LETTERS_SENTINEL) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    svg_response(images::letters_svg(&username, 200), true)
}

impl RocketChatFake {
    /// Starts a fake on 127.0.0.1:`port` (0 = any).
    pub async fn start(
        opts: RcOptions,
        port: u16,
        tls: impl Into<crate::server::Tls>,
    ) -> anyhow::Result<RocketChatFake> {
        let world = Arc::new(Mutex::new(World::new(opts)));
        let router = Router::new()
            .route("/api/v1/login", post(login))
            .route("/api/v1/logout", post(logout).get(logout))
            .route("/api/v1/me", get(me))
            .route("/api/v1/rooms.get", get(rooms_get))
            .route("/api/v1/subscriptions.get", get(subscriptions_get))
            .route("/api/v1/rooms.info", get(rooms_info))
            .route("/api/v1/channels.members", get(channels_members))
            .route("/api/v1/groups.members", get(groups_members))
            .route("/api/v1/im.members", get(im_members))
            .route("/api/v1/dm.members", get(im_members))
            .route("/api/v1/livechat/rooms", get(livechat_rooms))
            .route("/avatar/room/{rid}", get(avatar_room))
            .route("/avatar/{username}", get(avatar_user))
            .fallback(|| async {
                (StatusCode::NOT_FOUND, axum::Json(json!({ "success": false, "error": "Not found" })))
            })
            .with_state(world.clone());
        let server = FakeServer::start(router, port, tls).await?;
        let expire_world = world.clone();
        server.shared().set_on_expire(move || lock(&expire_world).tokens.clear());
        Ok(RocketChatFake { server, world })
    }

    pub fn url(&self) -> &str {
        self.server.url()
    }

    pub fn shared(&self) -> &Arc<Shared> {
        self.server.shared()
    }

    /// The viewer's (user name, password).
    pub fn credentials(&self) -> (String, String) {
        let w = lock(&self.world);
        (w.opts.users[0].username.clone(), w.opts.users[0].password.clone())
    }

    /// A personal access token for the viewer: (user id, token).
    pub fn issue_personal_token(&self) -> (String, String) {
        let mut w = lock(&self.world);
        let uid = w.opts.users[0].id.clone();
        let token = w.issue_token(&uid, true);
        (uid, token)
    }

    /// Every login token and PAT issued so far and still valid (the secrets-leak test looks for them).
    pub fn issued_tokens(&self) -> Vec<String> {
        lock(&self.world).tokens.keys().cloned().collect()
    }

    /// Invalidates every login token and PAT.
    pub fn expire_tokens(&self) {
        lock(&self.world).tokens.clear();
    }

    /// Ids of the rooms the viewer is subscribed to.
    pub fn subscribed_ids(&self) -> Vec<String> {
        let w = lock(&self.world);
        w.subs.keys().cloned().collect()
    }

    /// Ids of every room, in generation order.
    pub fn room_ids(&self) -> Vec<String> {
        let w = lock(&self.world);
        w.rooms.iter().filter_map(|r| r.doc.get("_id").and_then(Value::as_str).map(str::to_string)).collect()
    }

    /// The room document as served.
    pub fn room(&self, id: &str) -> Option<Value> {
        let w = lock(&self.world);
        w.index.get(id).map(|i| Value::Object(w.rooms[*i].doc.clone()))
    }

    pub fn subscription(&self, id: &str) -> Option<Value> {
        lock(&self.world).subs.get(id).map(|s| Value::Object(s.doc.clone()))
    }

    /// Renames a room (its `fname`), as the server would.
    pub fn rename_room(&self, id: &str, fname: &str) {
        let mut w = lock(&self.world);
        let now = w.tick();
        if let Some(i) = w.index.get(id).copied() {
            let r = &mut w.rooms[i];
            r.doc.insert("fname".into(), json!(fname));
            r.doc.insert("_updatedAt".into(), json!(iso(now)));
            r.updated = now;
        }
        if let Some(s) = w.subs.get_mut(id) {
            s.doc.insert("fname".into(), json!(fname));
            s.doc.insert("_updatedAt".into(), json!(iso(now)));
            s.updated = now;
        }
    }

    /// A new message from someone else: last message, activity, unread and alert change.
    pub fn post_message(&self, id: &str, text: &str) {
        let mut w = lock(&self.world);
        let now = w.tick();
        let from = w.user_ref(1);
        let msg = w.last_message(id, now as u64, now, text.to_string(), from);
        if let Some(i) = w.index.get(id).copied() {
            let r = &mut w.rooms[i];
            r.doc.insert("lastMessage".into(), msg);
            r.doc.insert("lm".into(), json!(iso(now)));
            r.doc.insert("_updatedAt".into(), json!(iso(now)));
            r.updated = now;
        }
        if let Some(s) = w.subs.get_mut(id) {
            let unread = s.doc.get("unread").and_then(Value::as_i64).unwrap_or(0) + 1;
            s.doc.insert("unread".into(), json!(unread));
            s.doc.insert("alert".into(), json!(true));
            s.doc.insert("_updatedAt".into(), json!(iso(now)));
            s.updated = now;
        }
    }

    /// Gives a room a new uploaded avatar (new `avatarETag`).
    pub fn set_room_avatar(&self, id: &str) {
        let mut w = lock(&self.world);
        let now = w.tick();
        if let Some(i) = w.index.get(id).copied() {
            let etag = Rng::for_item(now as u64, "etag", i as u64).meteor_id();
            let r = &mut w.rooms[i];
            r.doc.insert("avatarETag".into(), json!(etag));
            r.doc.insert("_updatedAt".into(), json!(iso(now)));
            r.updated = now;
            r.avatar = Some((i as u64 + 777, now));
        }
    }

    /// Deletes a room: it goes to the trash with its subscription.
    pub fn delete_room(&self, id: &str) {
        let mut w = lock(&self.world);
        let now = w.tick();
        if let Some(i) = w.index.remove(id) {
            w.rooms.remove(i);
            let index: HashMap<String, usize> = w
                .rooms
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.doc.get("_id").and_then(Value::as_str).map(|id| (id.to_string(), i)))
                .collect();
            w.index = index;
            w.trash_rooms.push((id.to_string(), now));
        }
        if let Some(s) = w.subs.remove(id) {
            let sid = s.doc.get("_id").and_then(Value::as_str).unwrap_or("").to_string();
            w.trash_subs.push((sid, now));
        }
    }

    /// The viewer leaves a room: the subscription goes, the room stays on the server.
    pub fn leave_room(&self, id: &str) {
        let mut w = lock(&self.world);
        let now = w.tick();
        if let Some(s) = w.subs.remove(id) {
            let sid = s.doc.get("_id").and_then(Value::as_str).unwrap_or("").to_string();
            w.trash_subs.push((sid, now));
        }
    }

    /// Changes the viewer's permission on Omnichannel rooms.
    pub fn set_livechat_access(&self, access: LivechatAccess) {
        lock(&self.world).opts.livechat = access;
    }

    /// Ids of Omnichannel rooms (subscribed or not).
    pub fn livechat_ids(&self) -> Vec<String> {
        let w = lock(&self.world);
        w.rooms
            .iter()
            .filter(|r| r.doc.get("t") == Some(&json!("l")))
            .filter_map(|r| r.doc.get("_id").and_then(Value::as_str).map(str::to_string))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(iso(1_721_119_774_732), "2024-07-16T08:49:34.732Z");
        assert_eq!(parse_iso("2024-07-16T08:49:34.732Z"), Some(1_721_119_774_732));
        assert_eq!(parse_iso("garbage"), None);
    }

    #[test]
    fn worlds_are_deterministic_and_varied() {
        let a = World::new(RcOptions { rooms: 300, ..RcOptions::default() });
        let b = World::new(RcOptions { rooms: 300, ..RcOptions::default() });
        let ids = |w: &World| w.rooms.iter().map(|r| r.doc["_id"].clone()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        let kinds: std::collections::HashSet<String> =
            a.rooms.iter().map(|r| r.doc["t"].as_str().unwrap_or("").to_string()).collect();
        for t in ["c", "p", "d", "l"] {
            assert!(kinds.contains(t), "{t}");
        }
        assert!(a.rooms.iter().any(|r| r.doc.contains_key("prid")));
        assert!(a.rooms.iter().any(|r| r.doc.contains_key("teamMain")));
        assert!(a.subs.values().any(|s| s.doc["open"] == json!(false)));
        assert!(a.subs.values().any(|s| s.doc["f"] == json!(true)));
    }
}
