//! A fake SwapChat / Web3MQ legacy REST server (`shared/contracts/swapchat-and-virola.md` §A).
//!
//! `{code, msg, data}` envelopes (code 0 = success, 1 = error, with HTTP 200), `message` bodies on
//! 401; wallet sign-in (`/login_random_secret` → EIP-191 signature, verified by recovering the
//! signer's address → `/login` issues an HS256 JWT with `access_expired_at`/`refresh_expired_at`
//! in seconds), `/register` for unknown wallets, `/refresh` (accepts an expired access token until
//! the refresh deadline), `/my_chats` (1-based pages, newest activity first, `size` capped at 100,
//! no total), `/my_rooms`, `/rooms/{id}`, nanosecond times, embedded members, and a CDN standing in
//! for twitter/discord/opensea avatar hosts (PNG, JPEG without extension, SVG covers).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use bytes::Bytes;
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use sha2::Sha256;
use sha3::{Digest, Keccak256};

use crate::data;
use crate::images;
use crate::rng::Rng;
use crate::server::{FakeServer, Shared, now_ms};

#[derive(Debug, Clone)]
pub struct ScOptions {
    pub rooms: usize,
    pub seed: u64,
    /// Lifetime of an access token (the docs: 7 days).
    pub access_ttl_secs: i64,
    /// How long an expired token may still be refreshed.
    pub refresh_ttl_secs: i64,
    /// Largest page `/my_chats` serves.
    pub max_page_size: usize,
    pub hostile: bool,
}

impl Default for ScOptions {
    fn default() -> Self {
        ScOptions {
            rooms: 120,
            seed: 1,
            access_ttl_secs: 7 * 86_400,
            refresh_ttl_secs: 30 * 86_400,
            max_page_size: 100,
            hostile: false,
        }
    }
}

#[derive(Debug, Clone)]
struct User {
    id: String,
    wallet: String,
    nick: String,
    ens: String,
    twitter: Option<(String, String)>,
    opensea: Option<(String, String)>,
    discord: Option<(String, String)>,
}

#[derive(Debug, Clone)]
struct Room {
    id: String,
    name: String,
    description: String,
    creator: usize,
    members: Vec<usize>,
    created_ns: i64,
    last_ns: i64,
    kind: u8, // 0 = 1v1, 1 = group, 2 = collection, 3 = space
    coll: Option<(String, String, String)>,
    space: Option<(String, String)>,
    new_shape: bool,
    last_msg: Option<(usize, String, bool)>,
}

pub struct World {
    opts: ScOptions,
    base: String,
    secret: [u8; 32],
    generation: u64,
    users: Vec<User>,
    rooms: Vec<Room>,
    nonces: HashMap<String, String>,
    viewer: usize,
    viewer_key: String,
}

/// The deterministic wallet key of the demo/test viewer.
pub fn viewer_key(seed: u64) -> String {
    let mut h = Keccak256::new();
    h.update(b"roomdeck-fake-swapchat-viewer");
    h.update(seed.to_le_bytes());
    hex::encode(h.finalize())
}

pub fn address_of(key: &SigningKey) -> String {
    let point = key.verifying_key().to_encoded_point(false);
    format!("0x{}", hex::encode(&Keccak256::digest(&point.as_bytes()[1..])[12..]))
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    k[..key.len().min(32)].copy_from_slice(&key[..key.len().min(32)]);
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new().chain_update(&ipad).chain_update(msg).finalize();
    Sha256::new().chain_update(&opad).chain_update(inner).finalize().into()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl World {
    fn new(opts: ScOptions) -> World {
        let seed = opts.seed;
        let vkey = viewer_key(seed);
        let wallet =
            SigningKey::from_slice(&hex::decode(&vkey).unwrap_or_default()).map(|k| address_of(&k)).unwrap_or_default();
        let pool = 400usize.max(opts.rooms / 4);
        let mut users = Vec::with_capacity(pool + 1);
        users.push(User {
            id: format!("{:024x}", 0xA11CE_u64),
            wallet,
            nick: "Alice on chain".into(),
            ens: "alice.eth".into(),
            twitter: Some(("alice_onchain".into(), "twitter/viewer_400x400.png".into())),
            opensea: None,
            discord: None,
        });
        for i in 1..=pool as u64 {
            let mut r = Rng::for_item(seed, "sc-user", i);
            let (username, name) = data::person(seed, 50_000 + i);
            let plat = r.below(10);
            users.push(User {
                id: r.hex(24),
                wallet: format!("0x{}", r.hex(40)),
                nick: if r.chance(0.7) { name.clone() } else { String::new() },
                ens: if r.chance(0.2) {
                    format!("{}.eth", username.split('.').next().unwrap_or("x"))
                } else {
                    String::new()
                },
                twitter: (plat < 5).then(|| (username.replace('.', "_"), format!("twitter/{i}_400x400.png"))),
                opensea: (5..7).contains(&plat).then(|| {
                    (format!("{}_nft", username.split('.').next().unwrap_or("x")), format!("opensea/{i}=s250"))
                }),
                discord: (7..9)
                    .contains(&plat)
                    .then(|| (format!("{}#{:04}", username, i % 10_000), format!("discord/{i}.png?size=1024"))),
            });
        }
        let now_ns = now_ms() * 1_000_000;
        let mut rooms = Vec::with_capacity(opts.rooms);
        for i in 0..opts.rooms as u64 {
            let mut r = Rng::for_item(seed, "sc-room", i);
            let kind = match r.below(100) {
                0..40 => 0,
                40..75 => 1,
                75..95 => 2,
                _ => 3,
            };
            let n_members = match kind {
                0 => 1,
                1 => r.range(2, 12) as usize,
                2 => r.range(3, 40) as usize,
                _ => r.range(2, 20) as usize,
            };
            let start = r.below(pool as u64) as usize;
            let mut members = vec![0usize];
            members.extend((0..n_members).map(|k| 1 + (start + k * 13) % pool));
            let created = now_ns - r.range(10, 300) * 86_400_000_000_000;
            let last = now_ns - r.range(0, 40 * 86_400) * 1_000_000_000 - i as i64 * 1_000_000;
            let (_, display) = data::room_name(seed, 70_000 + i);
            let coll = (kind == 2).then(|| {
                let slug = format!("{}-{i}", data::ascii_slug(&display).unwrap_or_else(|| "collection".into()));
                let cover =
                    if r.chance(0.2) { format!("opensea/coll-{i}.svg") } else { format!("opensea/coll-{i}=s250") };
                (format!("{} Collection", display), cover, slug)
            });
            let space = (kind == 3).then(|| (r.hex(13), format!("Space: {}", data::message(seed, i))));
            let name = if kind == 1 && r.chance(0.5) { display } else { String::new() };
            let last_msg = r.chance(0.9).then(|| {
                let swap = r.chance(0.05);
                (members[r.below(members.len() as u64) as usize], data::message(seed, 3000 + i), swap)
            });
            rooms.push(Room {
                id: r.hex(24),
                name,
                description: if r.chance(0.3) { "ChatRoom".into() } else { String::new() },
                creator: members[r.below(members.len() as u64) as usize],
                members,
                created_ns: created,
                last_ns: last,
                kind,
                coll,
                space,
                new_shape: r.chance(0.2),
                last_msg,
            });
        }
        if opts.hostile && rooms.len() > 3 {
            rooms[1].name = data::HOSTILE_NAMES[0].into();
            if let Some(m) = rooms[2].last_msg.as_mut() {
                m.1 = data::HOSTILE_NAMES[1].into();
            }
        }
        let mut secret = [0u8; 32];
        secret.copy_from_slice(&Keccak256::digest(seed.to_be_bytes())[..]);
        World {
            opts,
            base: String::new(),
            secret,
            generation: 0,
            users,
            rooms,
            nonces: HashMap::new(),
            viewer: 0,
            viewer_key: vkey,
        }
    }

    fn avatar_url(&self, path: &str) -> String {
        format!("{}/cdn/{path}", self.base)
    }

    fn user_json(&self, u: &User) -> Value {
        let plat =
            |p: &Option<(String, String)>| p.as_ref().map(|(n, a)| (n.clone(), self.avatar_url(a))).unwrap_or_default();
        let (tw, twa) = plat(&u.twitter);
        let (os, osa) = plat(&u.opensea);
        let (dc, dca) = plat(&u.discord);
        json!({
            "user_id": u.id, "nick_name": u.nick, "eth_wallet_address": u.wallet, "ens_name": u.ens,
            "twitter_username": tw, "twitter_avatar": twa, "opensea_username": os, "opensea_avatar": osa,
            "discord_username": dc, "discord_avatar": dca, "discord_userid": "",
            "instagram_username": "", "instagram_avatar": "", "facebook_username": "", "facebook_avatar": "",
            "status": if u.twitter.is_some() { "1100000" } else { "1000000" }, "created_at": 0
        })
    }

    fn room_json(&self, r: &Room) -> Value {
        let mut v = json!({
            "room_id": r.id,
            "name": r.name,
            "description": r.description,
            "creator_id": self.users[r.creator].id,
            "creator": self.user_json(&self.users[r.creator]),
            "members": r.members.iter().map(|m| self.user_json(&self.users[*m])).collect::<Vec<_>>(),
            "is_1v1": r.kind == 0,
            "created_at": r.created_ns,
            "last_msg_time": r.last_ns,
        });
        match (&r.coll, r.new_shape) {
            (Some((name, cover, slug)), true) => {
                v["created_with"] = json!({ "nft_coll": { "nft_marketplace_name": "opensea", "nft_coll_name": name,
                    "nft_coll_cover": self.avatar_url(cover), "nft_coll_slug": slug } });
            }
            (coll, _) => {
                let (name, cover, slug) = coll.clone().unwrap_or_default();
                v["is_opensea_coll"] = json!(coll.is_some());
                v["opensea_coll_name"] = json!(name);
                v["opensea_coll_cover"] = json!(if cover.is_empty() { String::new() } else { self.avatar_url(&cover) });
                v["opensea_coll_slug"] = json!(slug);
            }
        }
        if let Some((id, title)) = &r.space {
            v["is_twitter_space"] = json!(true);
            v["space_id"] = json!(id);
            v["space_title"] = json!(title);
        }
        if let Some((from, text, swap)) = &r.last_msg {
            v["latest_msg"] = json!({
                "id": format!("m{}", r.last_ns), "from_uid": self.users[*from].id, "to_room_id": r.id,
                "msg_type": if *swap { "sudo_swap_card" } else { "text" },
                "msg_contents": if *swap { json!({ "pool_address": "0x00", "nft_name": "Pudgy #42" }) } else { json!(text) },
                "created_at": r.last_ns, "is_thread": false, "belong_to_thread_id": "", "reply_to_msg_id": "",
                "at_user_ids": [], "opensea_item_contract_address": "", "opensea_item_image_url": "", "opensea_item_name": ""
            });
        }
        v
    }

    fn jwt(&self, user: usize) -> String {
        let now = now_ms() / 1000;
        let u = &self.users[user];
        let header = b64(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = b64(json!({
            "user_id": u.id, "nick_name": u.nick, "eth_wallet_address": u.wallet, "gen": self.generation,
            "access_expired_at": now + self.opts.access_ttl_secs, "refresh_expired_at": now + self.opts.refresh_ttl_secs
        })
        .to_string()
        .as_bytes());
        let sig = b64(&hmac_sha256(&self.secret, format!("{header}.{payload}").as_bytes()));
        format!("{header}.{payload}.{sig}")
    }

    /// Checks a JWT: Ok(user index) or Err(reason). `refresh` accepts an expired access token.
    fn verify(&self, headers: &HeaderMap, refresh: bool) -> Result<usize, &'static str> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or("missing token")?;
        let mut parts = token.split('.');
        let (h, p, s) =
            (parts.next().ok_or("bad token")?, parts.next().ok_or("bad token")?, parts.next().ok_or("bad token")?);
        if b64(&hmac_sha256(&self.secret, format!("{h}.{p}").as_bytes())) != s {
            return Err("invalid token");
        }
        let claims: Value = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("invalid token")?;
        if claims["gen"].as_u64() != Some(self.generation) {
            return Err("token revoked");
        }
        let now = now_ms() / 1000;
        let deadline =
            if refresh { claims["refresh_expired_at"].as_i64() } else { claims["access_expired_at"].as_i64() };
        if deadline.is_none_or(|d| d <= now) {
            return Err("token expired");
        }
        let uid = claims["user_id"].as_str().ok_or("invalid token")?;
        self.users.iter().position(|u| u.id == uid).ok_or("unknown user")
    }

    fn rooms_of(&self, user: usize) -> Vec<&Room> {
        let mut rooms: Vec<&Room> = self.rooms.iter().filter(|r| r.members.contains(&user)).collect();
        rooms.sort_by_key(|r| std::cmp::Reverse(r.last_ns));
        rooms
    }
}

type W = Arc<Mutex<World>>;

fn lock(w: &W) -> std::sync::MutexGuard<'_, World> {
    match w.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn ok(msg: &str, data: Value) -> Response {
    axum::Json(json!({ "code": 0, "msg": msg, "data": data })).into_response()
}

fn app_error(msg: &str) -> Response {
    axum::Json(json!({ "code": 1, "msg": msg, "data": null })).into_response()
}

fn auth_error(reason: &str) -> Response {
    (StatusCode::UNAUTHORIZED, axum::Json(json!({ "message": reason }))).into_response()
}

fn body_json(body: &Bytes) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

async fn login_random_secret(State(w): State<W>, body: Bytes) -> Response {
    let mut w = lock(&w);
    let Some(addr) = body_json(&body).and_then(|b| b["wallet_address"].as_str().map(str::to_lowercase)) else {
        return app_error("wallet_address is required");
    };
    if !w.users.iter().any(|u| u.wallet == addr) {
        return app_error("user not found, please register first");
    }
    let n = w.nonces.len() as u64;
    let nonce = Rng::for_item(now_ms() as u64, "nonce", n).hex(32);
    w.nonces.insert(addr, nonce.clone());
    ok("Here's your login random secret.", json!(nonce))
}

async fn register(State(w): State<W>, body: Bytes) -> Response {
    let mut w = lock(&w);
    let Some(b) = body_json(&body) else { return app_error("invalid body") };
    let addr = b["wallet_address"].as_str().or(b["user_name"].as_str()).unwrap_or("").to_lowercase();
    if !addr.starts_with("0x") || addr.len() != 42 {
        return app_error("invalid wallet address");
    }
    if !w.users.iter().any(|u| u.wallet == addr) {
        let n = w.users.len() as u64;
        w.users.push(User {
            id: Rng::for_item(now_ms() as u64, "reg", n).hex(24),
            wallet: addr.clone(),
            nick: String::new(),
            ens: String::new(),
            twitter: None,
            opensea: None,
            discord: None,
        });
    }
    let Some(u) = w.users.iter().find(|u| u.wallet == addr) else { return app_error("registration failed") };
    let v = w.user_json(u);
    ok("ok", v)
}

fn recover(message: &str, signature: &str) -> Option<String> {
    let bytes = hex::decode(signature.trim_start_matches("0x")).ok()?;
    if bytes.len() != 65 {
        return None;
    }
    let mut data = format!("\x19Ethereum Signed Message:\n{}", message.len()).into_bytes();
    data.extend_from_slice(message.as_bytes());
    let hash = Keccak256::digest(&data);
    let sig = Signature::from_slice(&bytes[..64]).ok()?;
    let v = bytes[64];
    let recid = RecoveryId::from_byte(if v >= 27 { v - 27 } else { v })?;
    let vk = VerifyingKey::recover_from_prehash(&hash, &sig, recid).ok()?;
    let point = vk.to_encoded_point(false);
    Some(format!("0x{}", hex::encode(&Keccak256::digest(&point.as_bytes()[1..])[12..])))
}

async fn login(State(w): State<W>, body: Bytes) -> Response {
    let mut w = lock(&w);
    let Some(b) = body_json(&body) else { return app_error("invalid body") };
    let addr = b["wallet_address"].as_str().unwrap_or("").to_lowercase();
    let message = b["login_random_secret"].as_str().unwrap_or("");
    let signature = b["signature"].as_str().unwrap_or("");
    let Some(nonce) = w.nonces.get(&addr).cloned() else { return app_error("request a login random secret first") };
    // The SDKs sign either the secret itself or a SIWE text that carries it as the nonce.
    if message != nonce && !message.contains(&nonce) && !message.contains(&format!("0x{}", hex::encode(&nonce))) {
        return app_error("login random secret mismatch");
    }
    if recover(message, signature).as_deref() != Some(addr.as_str()) {
        return app_error("signature verification failed");
    }
    w.nonces.remove(&addr);
    let Some(user) = w.users.iter().position(|u| u.wallet == addr) else { return app_error("user not found") };
    let token = w.jwt(user);
    let info = w.user_json(&w.users[user]);
    ok("Here's your JWT.", json!({ "access_token": token, "user_info": info }))
}

async fn refresh(State(w): State<W>, headers: HeaderMap) -> Response {
    let w = lock(&w);
    match w.verify(&headers, true) {
        Ok(user) => ok("ok", json!({ "access_token": w.jwt(user) })),
        Err(e) => auth_error(e),
    }
}

async fn my_chats(State(w): State<W>, headers: HeaderMap, body: Bytes) -> Response {
    let w = lock(&w);
    let user = match w.verify(&headers, false) {
        Ok(u) => u,
        Err(e) => return auth_error(e),
    };
    let Some(b) = body_json(&body) else { return app_error("page and size are required") };
    let (Some(page), Some(size)) = (b["page"].as_u64(), b["size"].as_u64()) else {
        return app_error("page and size are required");
    };
    let size = (size as usize).clamp(1, w.opts.max_page_size);
    let page = page.max(1) as usize;
    let rooms: Vec<Value> =
        w.rooms_of(user).into_iter().skip((page - 1) * size).take(size).map(|r| w.room_json(r)).collect();
    ok("ok", json!(rooms))
}

async fn my_rooms(State(w): State<W>, headers: HeaderMap) -> Response {
    let w = lock(&w);
    let user = match w.verify(&headers, false) {
        Ok(u) => u,
        Err(e) => return auth_error(e),
    };
    let ids: Vec<&str> = w.rooms_of(user).into_iter().map(|r| r.id.as_str()).collect();
    ok("ok", json!(ids))
}

async fn room_info(State(w): State<W>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let w = lock(&w);
    let user = match w.verify(&headers, false) {
        Ok(u) => u,
        Err(e) => return auth_error(e),
    };
    match w.rooms.iter().find(|r| r.id == id && r.members.contains(&user)) {
        Some(r) => ok("ok", w.room_json(r)),
        None => app_error("room not found"),
    }
}

async fn cdn(Path((platform, file)): Path<(String, String)>) -> Response {
    let n: u64 = file
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| file.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))));
    let (ct, body) = if file.ends_with(".svg") {
        ("image/svg+xml", images::svg(n))
    } else if file.contains(".png") {
        ("image/png", images::png(20_000 + n))
    } else {
        ("image/jpeg", images::jpeg(20_000 + n))
    };
    let _ = platform;
    ([(header::CONTENT_TYPE, ct), (header::CACHE_CONTROL, "public, max-age=86400")], body).into_response()
}

/// The running fake and handles on its world.
pub struct SwapChatFake {
    pub server: FakeServer,
    world: W,
}

impl SwapChatFake {
    pub async fn start(opts: ScOptions, port: u16, tls: impl Into<crate::server::Tls>) -> anyhow::Result<SwapChatFake> {
        let world = Arc::new(Mutex::new(World::new(opts)));
        let router = Router::new()
            .route("/login_random_secret", post(login_random_secret))
            .route("/register", post(register))
            .route("/login", post(login))
            .route("/refresh", get(refresh))
            .route("/my_chats", post(my_chats))
            .route("/my_rooms", get(my_rooms))
            .route("/rooms/{id}", get(room_info))
            .route("/cdn/{platform}/{file}", get(cdn))
            .fallback(|| async { (StatusCode::NOT_FOUND, axum::Json(json!({ "message": "Not Found" }))) })
            .with_state(world.clone());
        let server = FakeServer::start(router, port, tls).await?;
        lock(&world).base = server.url().to_string();
        let expire = world.clone();
        server.shared().set_on_expire(move || lock(&expire).generation += 1);
        Ok(SwapChatFake { server, world })
    }

    pub fn url(&self) -> &str {
        self.server.url()
    }

    pub fn shared(&self) -> &Arc<Shared> {
        self.server.shared()
    }

    /// The viewer's wallet private key (hex) and address.
    pub fn viewer_wallet(&self) -> (String, String) {
        let w = lock(&self.world);
        (w.viewer_key.clone(), w.users[w.viewer].wallet.clone())
    }

    /// A JWT for the viewer, valid now.
    pub fn issue_token(&self) -> String {
        let w = lock(&self.world);
        w.jwt(w.viewer)
    }

    /// Revokes every issued token (including refresh).
    pub fn revoke_tokens(&self) {
        lock(&self.world).generation += 1;
    }

    /// Changes the access-token lifetime for tokens issued from now on.
    pub fn set_access_ttl(&self, secs: i64) {
        lock(&self.world).opts.access_ttl_secs = secs;
    }

    /// The viewer's room ids, newest activity first.
    pub fn room_ids(&self) -> Vec<String> {
        let w = lock(&self.world);
        w.rooms_of(w.viewer).into_iter().map(|r| r.id.clone()).collect()
    }

    pub fn room(&self, id: &str) -> Option<Value> {
        let w = lock(&self.world);
        w.rooms.iter().find(|r| r.id == id).map(|r| w.room_json(r))
    }

    /// A new message moves the room to the top.
    pub fn post_message(&self, id: &str, text: &str) {
        let mut w = lock(&self.world);
        let now = now_ms() * 1_000_000;
        if let Some(r) = w.rooms.iter_mut().find(|r| r.id == id) {
            r.last_ns = now;
            let from = r.members.last().copied().unwrap_or(0);
            r.last_msg = Some((from, text.to_string(), false));
        }
    }

    pub fn rename_room(&self, id: &str, name: &str) {
        let mut w = lock(&self.world);
        if let Some(r) = w.rooms.iter_mut().find(|r| r.id == id) {
            r.name = name.to_string();
        }
    }

    /// The viewer leaves the room.
    pub fn leave_room(&self, id: &str) {
        let mut w = lock(&self.world);
        let viewer = w.viewer;
        if let Some(r) = w.rooms.iter_mut().find(|r| r.id == id) {
            r.members.retain(|m| *m != viewer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_recover_to_the_signer() {
        let key = SigningKey::from_slice(&hex::decode(viewer_key(1)).unwrap()).unwrap();
        let mut data = b"\x19Ethereum Signed Message:\n5hello".to_vec();
        let hash = Keccak256::digest(&data);
        let (sig, recid) = key.sign_prehash_recoverable(&hash).unwrap();
        let mut bytes = sig.to_bytes().to_vec();
        bytes.push(recid.to_byte() + 27);
        assert_eq!(recover("hello", &hex::encode(&bytes)), Some(address_of(&key)));
        data.clear();
        assert_ne!(recover("other", &hex::encode(&bytes)), Some(address_of(&key)));
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
