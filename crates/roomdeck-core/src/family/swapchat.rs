//! SwapChat / Web3MQ legacy REST (2022; contract: `shared/contracts/swapchat-and-virola.md` §A).
//!
//! - Every answer is `{code, msg, data}`; `code != 0` is an error even with HTTP 200; non-200
//!   bodies may carry `message` instead of `msg`.
//! - Sign-in by wallet: `POST /login_random_secret {wallet_address}` (registering the wallet first
//!   when it is unknown), an EIP-191 `personal_sign` of the secret with the user's secp256k1 key,
//!   then `POST /login` → a JWT. Or the user pastes a JWT. Requests carry `Authorization: Bearer`.
//! - The JWT's `access_expired_at` (Unix seconds) is checked before each request; `GET /refresh`
//!   (which accepts the expired token until `refresh_expired_at`) renews it, and a stored wallet
//!   key signs in again when even that fails.
//! - Rooms: `POST /my_chats {page, size}` from page 1 (1-based, no total, no cursor) and
//!   `GET /my_rooms`, the authoritative id list that reveals rooms the user left. There is no
//!   delta API, so a re-sync reads pages (newest activity first) only until a whole page is
//!   unchanged and every id of `/my_rooms` is known; a full walk runs daily.
//! - Times are nanoseconds. Members come embedded in rooms. Avatars are third-party URLs (the
//!   collection cover, or members' twitter → opensea → discord pictures); a group shows a
//!   composite of up to four members. The JWT is never sent to those hosts.

use std::collections::HashSet;

use base64::Engine;
use k256::ecdsa::SigningKey;
use reqwest::Method;
use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::value::RawValue;
use sha3::{Digest, Keccak256};

use super::{
    AvatarFetch, Batch, Capabilities, Credentials, Cursors, MemberList, RoomRef, RoomSink, RoomsOutcome, Secret,
    ServerFamily, Session, SignedIn, Validators, bounded, bounded_nonempty,
};
use crate::error::{ClientError, Error, clip};
use crate::http::{Http, Purpose, Request, Response};
use crate::model::{AvatarSource, Family, LastMessage, RemoteRoom, RemoteUser, RoomDetails, RoomKind, SyncPhase};
use crate::time::{now_ms, ns_to_ms, secs_to_ms};

/// Rooms per `/my_chats` page we ask for.
pub const PAGE_SIZE: usize = 100;
/// A full walk of every page at least this often (ms).
const FULL_WALK_EVERY_MS: i64 = 86_400_000;
/// Refresh the JWT when it expires within this margin.
const REFRESH_MARGIN_MS: i64 = 60_000;

/// An integer that servers send as a number or a string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Int(pub i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            I(i64),
            U(u64),
            F(f64),
            S(String),
        }
        Ok(Int(match Repr::deserialize(d)? {
            Repr::I(i) => i,
            Repr::U(u) => i64::try_from(u).unwrap_or(i64::MAX),
            Repr::F(f) if f.is_finite() => f as i64,
            Repr::S(s) => s.trim().parse().map_err(|_| serde::de::Error::custom("expected an integer"))?,
            Repr::F(_) => return Err(serde::de::Error::custom("expected an integer")),
        }))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScUser {
    pub user_id: String,
    pub nick_name: Option<String>,
    pub eth_wallet_address: Option<String>,
    pub ens_name: Option<String>,
    pub twitter_username: Option<String>,
    pub twitter_avatar: Option<String>,
    pub opensea_username: Option<String>,
    pub opensea_avatar: Option<String>,
    pub discord_username: Option<String>,
    pub discord_avatar: Option<String>,
    pub instagram_username: Option<String>,
    pub instagram_avatar: Option<String>,
    pub facebook_username: Option<String>,
    pub facebook_avatar: Option<String>,
    pub status: Option<String>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ScUser {
    /// Name and picture as the official SDK picks them: the first of twitter → opensea → discord
    /// with a user name; then nick name, ENS name, short wallet address.
    pub fn identity(&self) -> (String, Option<String>) {
        for (name, avatar) in [
            (&self.twitter_username, &self.twitter_avatar),
            (&self.opensea_username, &self.opensea_avatar),
            (&self.discord_username, &self.discord_avatar),
        ] {
            if let Some(n) = nonempty(name) {
                return (n.to_string(), nonempty(avatar).map(str::to_string).or_else(|| self.any_avatar()));
            }
        }
        let name = nonempty(&self.nick_name)
            .or(nonempty(&self.ens_name))
            .map(str::to_string)
            .or_else(|| nonempty(&self.eth_wallet_address).map(short_address))
            .unwrap_or_else(|| self.user_id.clone());
        (name, self.any_avatar())
    }

    fn any_avatar(&self) -> Option<String> {
        [
            &self.twitter_avatar,
            &self.opensea_avatar,
            &self.discord_avatar,
            &self.instagram_avatar,
            &self.facebook_avatar,
        ]
        .into_iter()
        .find_map(|a| nonempty(a).map(str::to_string))
    }

    fn to_remote(&self) -> Result<RemoteUser, ClientError> {
        let (name, avatar) = self.identity();
        for (field, v) in [("nick_name", &self.nick_name), ("twitter_avatar", &self.twitter_avatar)] {
            bounded(field, v.clone())?;
        }
        Ok(RemoteUser {
            remote_id: self.user_id.clone(),
            username: nonempty(&self.eth_wallet_address).map(str::to_string),
            display_name: clip(&name, 200),
            status: None,
            role: None,
            avatar: match avatar {
                Some(url) if url.len() < 4096 => AvatarSource::Remote { path: url, version: None },
                _ => AvatarSource::None,
            },
            raw: String::new(),
        })
    }
}

/// `0x1234…abcd`.
pub fn short_address(a: &str) -> String {
    if a.len() > 12 && a.is_char_boundary(6) && a.is_char_boundary(a.len() - 4) {
        format!("{}…{}", &a[..6], &a[a.len() - 4..])
    } else {
        a.to_string()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScMessage {
    pub id: Option<String>,
    pub from_uid: Option<String>,
    pub msg_type: Option<String>,
    pub msg_contents: Option<serde_json::Value>,
    pub created_at: Option<Int>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScRoom {
    pub room_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub creator_id: Option<String>,
    pub creator: Option<ScUser>,
    pub members: Option<Vec<ScUser>>,
    pub is_1v1: Option<bool>,
    pub created_at: Option<Int>,
    pub last_msg_time: Option<Int>,
    pub is_opensea_coll: Option<bool>,
    pub opensea_coll_name: Option<String>,
    pub opensea_coll_cover: Option<String>,
    pub opensea_coll_slug: Option<String>,
    pub is_twitter_space: Option<bool>,
    pub space_id: Option<String>,
    pub space_title: Option<String>,
    pub created_with: Option<serde_json::Value>,
    pub latest_msg: Option<ScMessage>,
}

#[derive(Debug, Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    code: Option<Int>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// Claims we read from the JWT (its signature is the server's business).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Claims {
    pub user_id: Option<String>,
    pub access_expired_at: Option<Int>,
    pub refresh_expired_at: Option<Int>,
    pub nick_name: Option<String>,
    pub eth_wallet_address: Option<String>,
}

/// Reads the claims of a JWT without verifying it.
pub fn jwt_claims(jwt: &str) -> Result<Claims, ClientError> {
    let payload = jwt.split('.').nth(1).ok_or_else(|| ClientError::Unauthorized("the token is not a JWT".into()))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| ClientError::Unauthorized("the token is not a JWT".into()))?;
    serde_json::from_slice(&bytes).map_err(|_| ClientError::Unauthorized("the token's claims are unreadable".into()))
}

pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// Parses a wallet's private key (64 hex digits, `0x` optional).
pub fn wallet_key(hex_key: &str) -> Result<SigningKey, ClientError> {
    let bytes = hex::decode(hex_key.trim().trim_start_matches("0x"))
        .map_err(|_| ClientError::Unauthorized("the wallet key is not hexadecimal".into()))?;
    SigningKey::from_slice(&bytes)
        .map_err(|_| ClientError::Unauthorized("the wallet key is not a secp256k1 key".into()))
}

/// The Ethereum address of a key: the last 20 bytes of keccak256 of the public point.
pub fn wallet_address(key: &SigningKey) -> String {
    let point = key.verifying_key().to_encoded_point(false);
    let hash = keccak256(&point.as_bytes()[1..]);
    format!("0x{}", hex::encode(&hash[12..]))
}

/// EIP-191 `personal_sign`: a 65-byte r‖s‖v signature over the prefixed message, as 0x-hex.
pub fn personal_sign(key: &SigningKey, message: &str) -> Result<String, ClientError> {
    let mut data = format!("\x19Ethereum Signed Message:\n{}", message.len()).into_bytes();
    data.extend_from_slice(message.as_bytes());
    let hash = keccak256(&data);
    let (sig, recid) =
        key.sign_prehash_recoverable(&hash).map_err(|_| ClientError::protocol("could not sign the login secret"))?;
    let mut out = sig.to_bytes().to_vec();
    out.push(recid.to_byte() + 27);
    Ok(format!("0x{}", hex::encode(out)))
}

/// The SwapChat client of one account.
#[derive(Debug)]
pub struct SwapChat {
    http: Http,
}

impl SwapChat {
    pub fn new(http: Http) -> Self {
        SwapChat { http }
    }

    /// Unwraps `{code,msg,data}`; errors keep the server's words.
    fn unwrap_envelope(resp: &Response) -> Result<Option<&RawValue>, ClientError> {
        let env: Result<Envelope<'_>, _> = serde_json::from_slice(&resp.body);
        let status = resp.status.as_u16();
        if !resp.status.is_success() {
            let text = env.ok().and_then(|e| e.message.or(e.msg)).map(|m| clip(&m, 200)).unwrap_or_default();
            return Err(match status {
                401 | 403 => {
                    ClientError::Unauthorized(if text.is_empty() { "the session expired".into() } else { text })
                }
                _ => ClientError::Server { status, message: text },
            });
        }
        let env = env.map_err(|e| ClientError::protocol(format!("answer envelope: {e}")))?;
        match env.code {
            Some(Int(0)) => Ok(env.data),
            Some(Int(code)) => {
                let text = clip(&env.msg.or(env.message).unwrap_or_default(), 200);
                let lower = text.to_lowercase();
                if ["token", "jwt", "expire", "auth", "login"].iter().any(|w| lower.contains(w)) {
                    Err(ClientError::Unauthorized(text))
                } else {
                    Err(ClientError::Server { status, message: format!("error {code}: {text}") })
                }
            }
            None => Err(ClientError::protocol("answer without a `code`")),
        }
    }

    fn data<T: serde::de::DeserializeOwned>(resp: &Response, what: &str) -> Result<T, ClientError> {
        let data = Self::unwrap_envelope(resp)?.ok_or_else(|| ClientError::protocol(format!("{what}: no data")))?;
        serde_json::from_str(data.get()).map_err(|e| ClientError::protocol(format!("{what}: {e}")))
    }

    async fn post_public(&self, path: &str, body: serde_json::Value) -> Result<Response, ClientError> {
        let req = Request::new(Method::POST, self.http.url(path)?).json(&body);
        self.http.send(req, Purpose::Api).await
    }

    /// Wallet sign-in: secret, signature, JWT. Registers the wallet on first use, as the SDKs do.
    async fn wallet_login(&self, key_hex: &str) -> Result<SignedIn, ClientError> {
        let key = wallet_key(key_hex)?;
        let address = wallet_address(&key);
        let resp = self.post_public("login_random_secret", serde_json::json!({ "wallet_address": address })).await?;
        let secret: String = match Self::data(&resp, "login secret") {
            Ok(s) => s,
            Err(ClientError::Server { .. } | ClientError::Unauthorized(_)) => {
                let reg = self
                    .post_public(
                        "register",
                        serde_json::json!({ "platform": "metamask", "user_name": address, "wallet_address": address }),
                    )
                    .await?;
                Self::unwrap_envelope(&reg)?;
                let resp =
                    self.post_public("login_random_secret", serde_json::json!({ "wallet_address": address })).await?;
                Self::data(&resp, "login secret")?
            }
            Err(e) => return Err(e),
        };
        let signature = personal_sign(&key, &secret)?;
        let resp = self
            .post_public(
                "login",
                serde_json::json!({ "login_random_secret": secret, "signature": signature, "wallet_address": address }),
            )
            .await?;
        #[derive(Deserialize)]
        struct LoginData {
            access_token: String,
            #[serde(default)]
            user_info: Option<ScUser>,
        }
        let data: LoginData = Self::data(&resp, "login").map_err(|e| match e {
            ClientError::Server { message, .. } => ClientError::Unauthorized(message),
            e => e,
        })?;
        let claims = jwt_claims(&data.access_token)?;
        let user = data.user_info.unwrap_or_default();
        let user_id = claims
            .user_id
            .clone()
            .or(Some(user.user_id.clone()).filter(|s| !s.is_empty()))
            .ok_or_else(|| ClientError::protocol("the login answer names no user id"))?;
        Ok(SignedIn {
            user_id,
            username: Some(address),
            display_name: Some(user.identity().0),
            secret: Secret::Swapchat { jwt: data.access_token, wallet_key: Some(key_hex.trim().to_string()) },
        })
    }

    /// Renews the JWT when it is (about to be) expired: refresh, else sign in with the wallet.
    async fn ensure_fresh(&self, session: &Session, force: bool) -> Result<String, ClientError> {
        let Secret::Swapchat { jwt, wallet_key } = session.secret() else {
            return Err(ClientError::Unauthorized("this account has no SwapChat credentials".into()));
        };
        let claims = jwt_claims(&jwt)?;
        let now = now_ms();
        let expires = claims.access_expired_at.map(|s| secs_to_ms(s.0));
        if !force && expires.is_none_or(|e| e - REFRESH_MARGIN_MS > now) {
            return Ok(jwt);
        }
        let refresh_ok = claims.refresh_expired_at.is_none_or(|r| secs_to_ms(r.0) > now);
        if refresh_ok {
            let req =
                Request::new(Method::GET, self.http.url("refresh")?).header("authorization", &format!("Bearer {jwt}"));
            let resp = self.http.send(req, Purpose::Api).await?;
            #[derive(Deserialize)]
            struct Refreshed {
                access_token: String,
            }
            match Self::data::<Refreshed>(&resp, "refresh") {
                Ok(r) => {
                    session.renew(Secret::Swapchat { jwt: r.access_token.clone(), wallet_key });
                    return Ok(r.access_token);
                }
                Err(ClientError::Unauthorized(_) | ClientError::Server { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        match wallet_key {
            Some(key) => {
                let signed = self.wallet_login(&key).await?;
                let Secret::Swapchat { jwt, .. } = &signed.secret else {
                    return Err(ClientError::protocol("unexpected secret"));
                };
                let jwt = jwt.clone();
                session.renew(signed.secret);
                Ok(jwt)
            }
            None => Err(ClientError::Unauthorized(
                "the SwapChat token expired; paste a new one or sign in with the wallet".into(),
            )),
        }
    }

    /// An authenticated call; on 401 the token is renewed once and the call repeated.
    async fn call(
        &self,
        session: &Session,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Response, ClientError> {
        let mut force = false;
        loop {
            let jwt = self.ensure_fresh(session, force).await?;
            let mut req =
                Request::new(method.clone(), self.http.url(path)?).header("authorization", &format!("Bearer {jwt}"));
            if let Some(b) = &body {
                req = req.json(b);
            }
            let resp = self.http.send(req, Purpose::Api).await?;
            match Self::unwrap_envelope(&resp) {
                Err(ClientError::Unauthorized(_)) if !force => force = true,
                Err(e) => return Err(e),
                Ok(_) => return Ok(resp),
            }
        }
    }

    async fn my_room_ids(&self, session: &Session) -> Result<Vec<String>, ClientError> {
        let resp = self.call(session, Method::GET, "my_rooms", None).await?;
        let ids: Option<Vec<String>> = Self::data(&resp, "my_rooms").or_else(|e| match e {
            ClientError::Protocol { detail } if detail.ends_with("no data") => Ok(None),
            e => Err(e),
        })?;
        Ok(ids.unwrap_or_default())
    }

    async fn room(&self, session: &Session, id: &str) -> Result<(ScRoom, String), ClientError> {
        let path = format!("rooms/{}", url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>());
        let resp = self.call(session, Method::GET, &path, None).await?;
        let raw = Self::unwrap_envelope(&resp)?.ok_or_else(|| ClientError::protocol("room info: no data"))?;
        let room: ScRoom = serde_json::from_str(raw.get()).map_err(|e| ClientError::protocol(format!("room: {e}")))?;
        Ok((room, raw.get().to_string()))
    }
}

fn created_with<'a>(v: &'a Option<serde_json::Value>, key: &str, field: &str) -> Option<&'a serde_json::Value> {
    let v = v.as_ref()?;
    let obj = v.get(key).unwrap_or(v);
    obj.get(field).filter(|f| f.as_str().is_some_and(|s| !s.is_empty()))
}

/// Normalizes one room. `me` is the signed-in user's id.
pub fn normalize(room: &ScRoom, raw: String, me: &str) -> Result<RemoteRoom, ClientError> {
    if room.room_id.is_empty() {
        return Err(ClientError::protocol("a room without room_id"));
    }
    let coll_name = bounded_nonempty("opensea_coll_name", room.opensea_coll_name.clone())?.or_else(|| {
        created_with(&room.created_with, "nft_coll", "nft_coll_name").and_then(|v| v.as_str()).map(str::to_string)
    });
    let coll_cover = bounded_nonempty("opensea_coll_cover", room.opensea_coll_cover.clone())?.or_else(|| {
        created_with(&room.created_with, "nft_coll", "nft_coll_cover").and_then(|v| v.as_str()).map(str::to_string)
    });
    let coll_slug = bounded_nonempty("opensea_coll_slug", room.opensea_coll_slug.clone())?.or_else(|| {
        created_with(&room.created_with, "nft_coll", "nft_coll_slug").and_then(|v| v.as_str()).map(str::to_string)
    });
    let space_title = bounded_nonempty("space_title", room.space_title.clone())?.or_else(|| {
        created_with(&room.created_with, "twitter_space", "space_title").and_then(|v| v.as_str()).map(str::to_string)
    });
    let space_id = room.space_id.clone().filter(|s| !s.is_empty()).or_else(|| {
        created_with(&room.created_with, "twitter_space", "space_id").and_then(|v| v.as_str()).map(str::to_string)
    });
    let is_coll = room.is_opensea_coll == Some(true) || coll_name.is_some() && room.is_opensea_coll.is_none();
    let is_space = room.is_twitter_space == Some(true) || space_title.is_some() && room.is_twitter_space.is_none();
    let members_raw = room.members.clone().unwrap_or_default();
    let members: Vec<RemoteUser> =
        members_raw.iter().filter(|m| !m.user_id.is_empty()).map(ScUser::to_remote).collect::<Result<_, _>>()?;
    let others: Vec<&RemoteUser> = members.iter().filter(|m| m.remote_id != me).collect();
    let is_1v1 = room.is_1v1.unwrap_or(members.len() == 2);
    let kind = if is_coll {
        RoomKind::Collection
    } else if is_space {
        RoomKind::Space
    } else if is_1v1 {
        RoomKind::Direct
    } else {
        RoomKind::GroupDirect
    };
    let own_name = bounded_nonempty("name", room.name.clone())?;
    let name = match kind {
        RoomKind::Collection => coll_name.clone().or(own_name),
        RoomKind::Space => space_title.clone().or(own_name),
        _ => own_name.or_else(|| {
            let names: Vec<&str> = others.iter().map(|m| m.display_name.as_str()).collect();
            match names.len() {
                0 => None,
                1..=3 => Some(names.join(", ")),
                n => Some(format!("{} +{}", names[..3].join(", "), n - 3)),
            }
        }),
    }
    .unwrap_or_else(|| "Chat Room".to_string());
    let avatar = match kind {
        RoomKind::Collection => match &coll_cover {
            Some(url) => AvatarSource::Remote { path: url.clone(), version: None },
            None => AvatarSource::None,
        },
        RoomKind::Direct => others.first().map(|m| m.avatar.clone()).unwrap_or_default(),
        RoomKind::Space => AvatarSource::None,
        _ => {
            let with_pictures: Vec<String> = others
                .iter()
                .filter(|m| matches!(m.avatar, AvatarSource::Remote { .. }))
                .take(4)
                .map(|m| m.remote_id.clone())
                .collect();
            if with_pictures.is_empty() {
                AvatarSource::None
            } else {
                AvatarSource::Composite { members: with_pictures }
            }
        }
    };
    let last_message = match &room.latest_msg {
        Some(m) => {
            let text = match &m.msg_contents {
                Some(serde_json::Value::String(s)) => bounded("msg_contents", Some(s.clone()))?.unwrap_or_default(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(_) => match m.msg_type.as_deref() {
                    Some("sudo_swap_card") => "🔁 Swap card".to_string(),
                    Some(t) => format!("[{t}]"),
                    None => "[message]".to_string(),
                },
            };
            let author = m
                .from_uid
                .as_ref()
                .and_then(|uid| members.iter().find(|u| &u.remote_id == uid))
                .map(|u| u.display_name.clone());
            let at = m.created_at.and_then(|t| ns_to_ms(t.0));
            if text.is_empty() && at.is_none() {
                None
            } else {
                Some(LastMessage { text: clip(&text.replace(['\n', '\r'], " "), 500), author, at_ms: at.unwrap_or(0) })
            }
        }
        None => None,
    };
    let created_ms = room.created_at.and_then(|t| ns_to_ms(t.0));
    let last_activity_ms = room
        .last_msg_time
        .and_then(|t| ns_to_ms(t.0))
        .or(last_message.as_ref().map(|m| m.at_ms).filter(|t| *t > 0))
        .or(created_ms);
    Ok(RemoteRoom {
        remote_id: room.room_id.clone(),
        alt_id: None,
        kind,
        name: clip(&name, 300),
        topic: None,
        description: bounded_nonempty("description", room.description.clone())?,
        unread: 0,
        mentions: 0,
        alert: false,
        favorite: false,
        archived: false,
        hidden: false,
        last_message,
        last_activity_ms,
        member_count: room.members.as_ref().map(|m| m.len() as i64),
        created_ms,
        creator: room.creator.as_ref().map(|c| c.identity().0).or(room.creator_id.clone()),
        avatar,
        details: RoomDetails::Swapchat {
            collection_name: coll_name,
            collection_slug: coll_slug,
            collection_cover: coll_cover,
            space_id,
            space_title,
        },
        updated_ms: None,
        members: Some(members),
        raw,
    })
}

/// Parses a `/my_chats` answer (`{code, msg, data: [Room]}`), normalized for user `me`.
/// Entry point for the API-docs fixtures and the fuzzers.
pub fn parse_my_chats(body: &[u8], me: &str) -> Result<Vec<RemoteRoom>, ClientError> {
    let resp = Response {
        status: reqwest::StatusCode::OK,
        headers: reqwest::header::HeaderMap::new(),
        body: bytes::Bytes::copy_from_slice(body),
    };
    let items: Vec<&RawValue> = match SwapChat::unwrap_envelope(&resp)? {
        Some(d) if d.get() != "null" => {
            serde_json::from_str(d.get()).map_err(|e| ClientError::protocol(format!("my_chats: {e}")))?
        }
        _ => Vec::new(),
    };
    items
        .into_iter()
        .map(|raw| {
            let room: ScRoom =
                serde_json::from_str(raw.get()).map_err(|e| ClientError::protocol(format!("room: {e}")))?;
            normalize(&room, raw.get().to_string(), me)
        })
        .collect()
}

/// Parses one bare Room object (the room-info example, or `data` of `/rooms/{id}`).
pub fn parse_room(body: &[u8], me: &str) -> Result<RemoteRoom, ClientError> {
    let room: ScRoom = serde_json::from_slice(body).map_err(|e| ClientError::protocol(format!("room: {e}")))?;
    normalize(&room, String::from_utf8_lossy(body).into_owned(), me)
}

/// Maps an answer to its error, if it is one.
pub fn parse_error(status: u16, body: &[u8]) -> Option<ClientError> {
    let resp = Response {
        status: reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::INTERNAL_SERVER_ERROR),
        headers: reqwest::header::HeaderMap::new(),
        body: bytes::Bytes::copy_from_slice(body),
    };
    SwapChat::unwrap_envelope(&resp).err()
}

impl ServerFamily for SwapChat {
    fn family(&self) -> Family {
        Family::Swapchat
    }

    fn http(&self) -> &Http {
        &self.http
    }

    async fn sign_in(&self, credentials: Credentials) -> Result<SignedIn, ClientError> {
        match credentials {
            Credentials::SwapchatWalletKey { key_hex } => self.wallet_login(&key_hex).await,
            Credentials::SwapchatToken { token } => {
                let token = token.trim().trim_start_matches("Bearer ").to_string();
                let claims = jwt_claims(&token)?;
                let user_id = claims
                    .user_id
                    .clone()
                    .ok_or_else(|| ClientError::Unauthorized("the token names no user_id".into()))?;
                let session = Session::new(user_id.clone(), None, Secret::Swapchat { jwt: token, wallet_key: None });
                // One cheap authenticated call proves the token works (and refreshes it if due).
                self.my_room_ids(&session).await?;
                Ok(SignedIn {
                    user_id,
                    username: claims.eth_wallet_address.clone(),
                    display_name: claims.nick_name.clone().filter(|n| !n.is_empty()),
                    secret: session.secret(),
                })
            }
            other => Err(ClientError::NotSupported(format!("{:?} credentials for SwapChat", other.family()))),
        }
    }

    async fn resume(&self, session: &Session) -> Result<SignedIn, ClientError> {
        self.my_room_ids(session).await?;
        Ok(SignedIn {
            user_id: session.user_id.clone(),
            username: session.username.clone(),
            display_name: None,
            secret: session.secret(),
        })
    }

    async fn sign_out(&self, _session: &Session) -> Result<(), ClientError> {
        // The legacy API has no logout: the JWT simply expires.
        Ok(())
    }

    async fn sync_rooms(
        &self,
        session: &Session,
        cursors: &Cursors,
        _caps: &mut Capabilities,
        sink: &mut dyn RoomSink,
    ) -> Result<RoomsOutcome, Error> {
        let now = now_ms();
        let last_walk = cursors.get("full_walk_at").and_then(|c| c.parse::<i64>().ok());
        // A walk that did not finish (crash, kill, network loss) may have left the top pages
        // current and the rest stale: the quick stop would then end too early, so walk it all.
        let interrupted = cursors.get("walk_open") == Some("1");
        let full = interrupted || last_walk.is_none_or(|t| now - t > FULL_WALK_EVERY_MS);
        sink.progress(SyncPhase::Rooms, 0, None);
        let ids = self.my_room_ids(session).await?;
        let id_set: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let total = ids.len() as u64;
        let mut seen: HashSet<String> = HashSet::new();
        let mut changed_total = 0u64;
        let max_pages = ids.len() / PAGE_SIZE * 2 + 10;
        let mut page = 1usize;
        loop {
            let resp = self
                .call(session, Method::POST, "my_chats", Some(serde_json::json!({ "page": page, "size": PAGE_SIZE })))
                .await?;
            let items: Vec<&RawValue> = match Self::unwrap_envelope(&resp)? {
                Some(d) if d.get() != "null" => {
                    serde_json::from_str(d.get()).map_err(|e| ClientError::protocol(format!("my_chats: {e}")))?
                }
                _ => Vec::new(),
            };
            let n = items.len();
            let mut rooms = Vec::with_capacity(n);
            let mut new_ids = 0;
            for raw in items {
                let room: ScRoom = serde_json::from_str(raw.get())
                    .map_err(|e| ClientError::protocol(format!("my_chats room: {e}")))?;
                if !seen.insert(room.room_id.clone()) {
                    continue; // rows shift between pages: keep the first copy
                }
                new_ids += 1;
                rooms.push(normalize(&room, raw.get().to_string(), &session.user_id)?);
            }
            let cursors = if page == 1 { vec![("walk_open".to_string(), "1".to_string())] } else { Vec::new() };
            let (changed, _) = sink.apply(Batch { rooms, cursors, ..Batch::default() })?;
            changed_total += changed as u64;
            sink.progress(SyncPhase::Rooms, seen.len() as u64, Some(total));
            let all_ids_covered = ids.iter().all(|id| seen.contains(id) || (!full && sink.is_known(id)));
            let done = n == 0
                || new_ids == 0
                || page >= max_pages
                || (n < PAGE_SIZE && ids.iter().all(|id| seen.contains(id)))
                || (n < PAGE_SIZE && all_ids_covered)
                || (!full && changed == 0 && all_ids_covered);
            if done {
                break;
            }
            page += 1;
        }
        // Rooms the id list names but no page delivered (the pages shifted under us).
        let missing: Vec<&String> =
            ids.iter().filter(|id| !seen.contains(*id) && (full || !sink.is_known(id))).take(50).collect();
        if !missing.is_empty() {
            let mut rooms = Vec::new();
            for id in missing {
                match self.room(session, id).await {
                    Ok((room, raw)) => {
                        seen.insert(room.room_id.clone());
                        rooms.push(normalize(&room, raw, &session.user_id)?);
                    }
                    Err(ClientError::Server { .. }) => tracing::debug!("a listed room could not be read"),
                    Err(e) => return Err(e.into()),
                }
            }
            changed_total += sink.apply(Batch { rooms, ..Batch::default() })?.0 as u64;
        }
        // /my_rooms is authoritative: a room no longer in it was left.
        let mut snapshot: Vec<String> = ids.clone();
        snapshot.extend(seen.into_iter().filter(|id| !id_set.contains(id.as_str())));
        let mut cursors = vec![("walk_open".to_string(), "0".to_string())];
        if full {
            cursors.push(("full_walk_at".to_string(), now.to_string()));
        }
        let (_, removed) = sink.apply(Batch { snapshot: Some(snapshot), cursors, ..Batch::default() })?;
        Ok(RoomsOutcome { full, changed: changed_total, removed: removed as u64 })
    }

    async fn room_info(&self, session: &Session, room: &RoomRef) -> Result<RemoteRoom, ClientError> {
        let (r, raw) = self.room(session, &room.remote_id).await?;
        normalize(&r, raw, &session.user_id)
    }

    async fn members(&self, session: &Session, room: &RoomRef, limit: usize) -> Result<MemberList, ClientError> {
        let (r, _) = self.room(session, &room.remote_id).await?;
        let mut members: Vec<RemoteUser> = r
            .members
            .unwrap_or_default()
            .iter()
            .filter(|m| !m.user_id.is_empty())
            .map(ScUser::to_remote)
            .collect::<Result<_, _>>()?;
        let total = members.len() as u64;
        members.truncate(limit);
        Ok(MemberList { members, total: Some(total) })
    }

    async fn fetch_avatar(
        &self,
        _session: &Session,
        path: &str,
        _has_version: bool,
        _v: &Validators,
    ) -> Result<AvatarFetch, ClientError> {
        // Third-party CDNs: no Authorization header, ever.
        let url = self.http.url(path)?;
        let resp = self.http.send(Request::new(Method::GET, url), Purpose::Media).await?;
        match resp.status.as_u16() {
            200 => Ok(AvatarFetch::Image {
                content_type: resp.content_type(),
                last_modified: resp.header("last-modified").map(str::to_string),
                bytes: resp.body,
            }),
            404 | 410 => Ok(AvatarFetch::NoAvatar),
            status => Err(ClientError::Server { status, message: String::new() }),
        }
    }

    fn web_url(&self, _room: &RoomRef) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallet_address_matches_a_known_vector() {
        // The well-known Hardhat/Anvil account #0.
        let key = wallet_key("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80").unwrap();
        assert_eq!(wallet_address(&key), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    }

    #[test]
    fn personal_sign_recovers_to_the_signer() {
        let key = wallet_key("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80").unwrap();
        let sig = personal_sign(&key, "b1e069cab9827c08700280b6ed1151fe").unwrap();
        let bytes = hex::decode(sig.trim_start_matches("0x")).unwrap();
        assert_eq!(bytes.len(), 65);
        let mut data = b"\x19Ethereum Signed Message:\n32".to_vec();
        data.extend_from_slice(b"b1e069cab9827c08700280b6ed1151fe");
        let hash = keccak256(&data);
        let sig = k256::ecdsa::Signature::from_slice(&bytes[..64]).unwrap();
        let recid = k256::ecdsa::RecoveryId::from_byte(bytes[64] - 27).unwrap();
        let vk = k256::ecdsa::VerifyingKey::recover_from_prehash(&hash, &sig, recid).unwrap();
        assert_eq!(&vk, key.verifying_key());
    }

    #[test]
    fn identity_follows_the_sdk_order() {
        let u = ScUser {
            user_id: "u1".into(),
            nick_name: Some("Nick".into()),
            opensea_username: Some("sea".into()),
            opensea_avatar: Some("https://o/a.png".into()),
            discord_username: Some("disc#1".into()),
            discord_avatar: Some("https://d/a.png".into()),
            ..ScUser::default()
        };
        assert_eq!(u.identity(), ("sea".to_string(), Some("https://o/a.png".to_string())));
        let u = ScUser {
            user_id: "u2".into(),
            eth_wallet_address: Some("0x1234567890abcdef1234".into()),
            ..ScUser::default()
        };
        assert_eq!(u.identity().0, "0x1234…1234");
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(wallet_key("zz").is_err());
        assert!(wallet_key(&"00".repeat(32)).is_err());
    }
}
