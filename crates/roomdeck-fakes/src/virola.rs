//! A fake Virola Messenger Web API (`shared/contracts/swapchat-and-virola.md` §B).
//!
//! `POST /api/v1/login` sets `VirolaUserSessionId` (Secure, HttpOnly); `GET /api/v1/status`;
//! `POST /api/v1/logout`; Web API access tokens as `Bearer` (renewing one kills the previous);
//! `GET /api/v1/rooms` (every room, no paging; `legacy` drops the fields added in Dec 2025);
//! `rooms/{id}/avatar.jpg` and `users/{id}/avatar.jpg` serving JPEG *or PNG* with the real
//! content type, or a JSON 404; `{errorText, httpStatusCode}` errors; no members endpoint (404,
//! as on a real server). Usually run with `--tls` and its self-signed certificate.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::data;
use crate::images;
use crate::rng::Rng;
use crate::server::{FakeServer, Shared, now_ms};

pub const COOKIE: &str = "VirolaUserSessionId";

#[derive(Debug, Clone)]
pub struct ViOptions {
    pub rooms: usize,
    pub seed: u64,
    pub user: String,
    pub password: String,
    /// Serve the 2025-12-02 shape (no isArchived/isModerator/isPinned/lastMessage).
    pub legacy: bool,
    pub hostile: bool,
}

impl Default for ViOptions {
    fn default() -> Self {
        ViOptions { rooms: 80, seed: 1, user: "admin".into(), password: "admin".into(), legacy: false, hostile: false }
    }
}

#[derive(Debug, Clone)]
struct Room {
    id: i64,
    name: String,
    private: bool,
    created: i64,
    modified: i64,
    unread: i64,
    archived: bool,
    moderator: bool,
    pinned: bool,
    last: Option<(i64, i64)>,
    /// 0 = none (404), 1 = JPEG, 2 = PNG served as avatar.jpg
    avatar: u8,
}

pub struct World {
    opts: ViOptions,
    rooms: Vec<Room>,
    sessions: HashSet<String>,
    api_token: Option<String>,
    counter: u64,
}

impl World {
    fn new(opts: ViOptions) -> World {
        let now = now_ms();
        let mut rooms = Vec::new();
        for i in 0..opts.rooms as u64 {
            let mut r = Rng::for_item(opts.seed, "vi-room", i);
            let private = r.chance(0.45);
            let name =
                if private { data::person(opts.seed, 80_000 + i).1 } else { data::room_name(opts.seed, 90_000 + i).1 };
            let created = now - r.range(30, 600) * 86_400_000;
            let modified = created + r.range(0, 20) * 86_400_000;
            let last = r.chance(0.9).then(|| (now - r.range(0, 45 * 86_400) * 1000 - i as i64, 200_000 + i as i64 * 3));
            rooms.push(Room {
                id: 2 + i as i64,
                name,
                private,
                created,
                modified,
                unread: if r.chance(0.3) { r.range(1, 2500) } else { 0 },
                archived: r.chance(0.04),
                moderator: r.chance(0.2),
                pinned: r.chance(0.1),
                last,
                avatar: if !private || r.chance(0.15) {
                    0
                } else if r.chance(0.4) {
                    2
                } else {
                    1
                },
            });
        }
        if opts.hostile && rooms.len() > 2 {
            rooms[1].name = data::HOSTILE_NAMES[1].into();
        }
        World { opts, rooms, sessions: HashSet::new(), api_token: None, counter: 0 }
    }

    fn room_json(&self, r: &Room) -> Value {
        let mut v = json!({
            "createdUtc": r.created, "displayName": r.name, "lastModifiedUtc": r.modified, "roomId": r.id,
            "roomType": if r.private { "Private" } else { "Public" }, "unreadMessageCount": r.unread,
        });
        if !self.opts.legacy {
            v["isArchived"] = json!(r.archived);
            v["isModerator"] = json!(r.moderator);
            v["isPinned"] = json!(r.pinned);
            v["lastMessage"] = match r.last {
                Some((at, id)) => json!({ "createdUtc": at, "messageId": id }),
                None => Value::Null,
            };
        }
        v
    }

    fn next_id(&mut self) -> String {
        self.counter += 1;
        Rng::for_item(now_ms() as u64, "vi-session", self.counter).hex(32)
    }

    /// The 401 to send, unless the request carries a live session or the current API token.
    fn deny(&self, headers: &HeaderMap) -> Option<Response> {
        self.check(headers).err()
    }

    #[allow(clippy::result_large_err)]
    fn check(&self, headers: &HeaderMap) -> Result<(), Response> {
        if let Some(auth) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
            return match auth.strip_prefix("Bearer ") {
                Some(t) if self.api_token.as_deref() == Some(t) => Ok(()),
                _ => Err(error(StatusCode::UNAUTHORIZED, "Wrong Bearer, please renew Web API Access Token")),
            };
        }
        match session_of(headers) {
            Some(s) if self.sessions.contains(&s) => Ok(()),
            Some(_) => Err(error(StatusCode::UNAUTHORIZED, "Your session has expired, please log in again")),
            None => Err(error(
                StatusCode::UNAUTHORIZED,
                "The Authorization HTTP-header or VirolaUserSessionId cookie expected",
            )),
        }
    }
}

fn session_of(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == COOKIE).then(|| v.to_string())
    })
}

fn error(status: StatusCode, text: &str) -> Response {
    (status, axum::Json(json!({ "errorText": text, "httpStatusCode": status.as_u16() }))).into_response()
}

type W = Arc<Mutex<World>>;

fn lock(w: &W) -> std::sync::MutexGuard<'_, World> {
    match w.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

async fn login(State(w): State<W>, body: Bytes) -> Response {
    let mut w = lock(&w);
    let b: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if b["userName"].as_str() != Some(w.opts.user.as_str()) || b["password"].as_str() != Some(w.opts.password.as_str())
    {
        return error(StatusCode::UNAUTHORIZED, "The username or password is invalid.");
    }
    let sid = w.next_id();
    w.sessions.insert(sid.clone());
    let mut resp = axum::Json(json!({ "httpStatusCode": 200, "userId": 1, "userSessionId": sid })).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{COOKIE}={sid}; Path=/; Secure; HttpOnly; SameSite=Strict")) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

async fn status(State(w): State<W>, headers: HeaderMap) -> Response {
    let w = lock(&w);
    if let Some(e) = w.deny(&headers) {
        return e;
    }
    axum::Json(json!({ "httpStatusCode": 200, "userId": 1, "userSessionId": session_of(&headers).unwrap_or_default() }))
        .into_response()
}

async fn logout(State(w): State<W>, headers: HeaderMap) -> Response {
    let mut w = lock(&w);
    if let Some(e) = w.deny(&headers) {
        return e;
    }
    if let Some(s) = session_of(&headers) {
        w.sessions.remove(&s);
    }
    let mut resp = axum::Json(json!({ "httpStatusCode": 200 })).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_static("VirolaUserSessionId=; Path=/; Max-Age=0"));
    resp
}

async fn rooms(State(w): State<W>, headers: HeaderMap) -> Response {
    let w = lock(&w);
    if let Some(e) = w.deny(&headers) {
        return e;
    }
    let rooms: Vec<Value> = w.rooms.iter().map(|r| w.room_json(r)).collect();
    axum::Json(json!({ "httpStatusCode": 200, "rooms": rooms })).into_response()
}

fn picture(kind: u8, n: u64, filename: &str) -> Response {
    let (ct, body) =
        if kind == 2 { ("image/png", images::png(30_000 + n)) } else { ("image/jpeg", images::jpeg(30_000 + n)) };
    let disposition = format!("inline; filename=\"{filename}.{}\"", if kind == 2 { "png" } else { "jpg" });
    let mut resp = ([(header::CONTENT_TYPE, ct)], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

async fn room_avatar(State(w): State<W>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let w = lock(&w);
    if let Some(e) = w.deny(&headers) {
        return e;
    }
    let id: i64 = id.parse().unwrap_or(-1);
    match w.rooms.iter().find(|r| r.id == id) {
        Some(r) if r.avatar > 0 => picture(r.avatar, r.id as u64 + (r.modified as u64 % 97), &format!("room{id}")),
        Some(_) => error(StatusCode::NOT_FOUND, "Avatar not found"),
        None => error(StatusCode::NOT_FOUND, "Room not found"),
    }
}

async fn user_avatar(State(w): State<W>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let w = lock(&w);
    if let Some(e) = w.deny(&headers) {
        return e;
    }
    match id.parse::<u64>() {
        Ok(n) if n % 3 != 0 => picture(if n % 2 == 0 { 2 } else { 1 }, 40_000 + n, &format!("user{n}")),
        _ => error(StatusCode::NOT_FOUND, "Avatar not found"),
    }
}

async fn users(State(w): State<W>, headers: HeaderMap) -> Response {
    let w = lock(&w);
    if let Some(e) = w.deny(&headers) {
        return e;
    }
    let users: Vec<Value> = (1..40u64)
        .map(|i| {
            let (username, name) = data::person(w.opts.seed, 80_000 + i);
            json!({ "userId": i, "userName": if i == 1 { w.opts.user.clone() } else { username }, "displayName": if i == 1 { "Admin".to_string() } else { name },
                    "isAdmin": i == 1, "status": "Active", "createdUtc": 1_718_454_147_258i64, "lastModifiedUtc": 1_718_454_147_258i64 })
        })
        .collect();
    axum::Json(json!({ "httpStatusCode": 200, "users": users })).into_response()
}

/// The running fake and handles on its world.
pub struct VirolaFake {
    pub server: FakeServer,
    world: W,
}

impl VirolaFake {
    pub async fn start(opts: ViOptions, port: u16, tls: impl Into<crate::server::Tls>) -> anyhow::Result<VirolaFake> {
        let world = Arc::new(Mutex::new(World::new(opts)));
        let router = Router::new()
            .route("/api/v1/login", post(login))
            .route("/api/v1/status", get(status))
            .route("/api/v1/logout", post(logout).get(logout))
            .route("/api/v1/rooms", get(rooms))
            .route("/api/v1/rooms/{id}/avatar.jpg", get(room_avatar))
            .route("/api/v1/users/{id}/avatar.jpg", get(user_avatar))
            .route("/api/v1/users", get(users))
            .fallback(|| async { error(StatusCode::NOT_FOUND, "Not Found") })
            .with_state(world.clone());
        let server = FakeServer::start(router, port, tls).await?;
        let expire = world.clone();
        server.shared().set_on_expire(move || {
            let mut w = lock(&expire);
            w.sessions.clear();
            w.api_token = None;
        });
        Ok(VirolaFake { server, world })
    }

    pub fn url(&self) -> &str {
        self.server.url()
    }

    pub fn shared(&self) -> &Arc<Shared> {
        self.server.shared()
    }

    pub fn credentials(&self) -> (String, String) {
        let w = lock(&self.world);
        (w.opts.user.clone(), w.opts.password.clone())
    }

    /// "Renew API token": a new Web API token; the previous one stops working.
    pub fn renew_api_token(&self) -> String {
        let mut w = lock(&self.world);
        let t = w.next_id();
        w.api_token = Some(t.clone());
        t
    }

    /// Every live session id (`VirolaUserSessionId`) and the Web API token, if any.
    pub fn issued_secrets(&self) -> Vec<String> {
        let w = lock(&self.world);
        w.sessions.iter().cloned().chain(w.api_token.clone()).collect()
    }

    /// Ends every cookie session.
    pub fn expire_sessions(&self) {
        lock(&self.world).sessions.clear();
    }

    pub fn room_ids(&self) -> Vec<i64> {
        lock(&self.world).rooms.iter().map(|r| r.id).collect()
    }

    pub fn rename_room(&self, id: i64, name: &str) {
        let mut w = lock(&self.world);
        if let Some(r) = w.rooms.iter_mut().find(|r| r.id == id) {
            r.name = name.to_string();
            r.modified = now_ms();
        }
    }

    pub fn delete_room(&self, id: i64) {
        lock(&self.world).rooms.retain(|r| r.id != id);
    }

    pub fn post_message(&self, id: i64) {
        let mut w = lock(&self.world);
        if let Some(r) = w.rooms.iter_mut().find(|r| r.id == id) {
            let next = r.last.map(|(_, m)| m + 1).unwrap_or(1);
            r.last = Some((now_ms(), next));
            r.unread += 1;
        }
    }

    /// Serve the older room shape from now on.
    pub fn set_legacy(&self, legacy: bool) {
        lock(&self.world).opts.legacy = legacy;
    }
}
