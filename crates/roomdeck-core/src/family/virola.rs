//! Virola Messenger Web API (contract: `shared/contracts/swapchat-and-virola.md` §B).
//!
//! - Auth: `POST /api/v1/login {userName, password}` sets the `VirolaUserSessionId` cookie (we send
//!   it back ourselves and keep it, with the password, in the keyring so an expired session renews
//!   silently); `GET /api/v1/status` checks a session; or a Web API access token as `Bearer`.
//! - Rooms: `GET /api/v1/rooms` returns every room at once (no paging, no delta), so one request
//!   is a whole, authoritative sync. Fields after the first six are newer and optional.
//! - Errors: `{errorText, httpStatusCode}` with the same HTTP status.
//! - Avatars: `rooms/{id}/avatar.jpg` (requested, like the official client, for Private rooms
//!   only; Public rooms show initials) and `users/{id}/avatar.jpg`; the body may be PNG or
//!   anything else despite the name, so the pipeline sniffs it. `lastModifiedUtc` is the version.
//! - No members endpoint is documented: we probe `rooms/{id}/members` once and remember a 404.
//! - Servers usually run with a self-signed certificate: the user pins its SHA-256 (see `http`).

use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{
    AvatarFetch, Batch, Capabilities, Credentials, Cursors, MemberList, RoomRef, RoomSink, RoomsOutcome, Secret,
    ServerFamily, Session, SignedIn, Validators, bounded_nonempty, swapchat::Int,
};
use crate::error::{ClientError, Error, clip};
use crate::http::{Http, Purpose, Request, Response};
use crate::model::{AvatarSource, Family, RemoteRoom, RemoteUser, RoomDetails, RoomKind, SyncPhase};
use crate::time::now_ms;

pub const COOKIE: &str = "VirolaUserSessionId";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VLastMessage {
    #[serde(rename = "createdUtc")]
    pub created_utc: Option<Int>,
    #[serde(rename = "messageId")]
    pub message_id: Option<Int>,
    #[serde(rename = "userId")]
    pub user_id: Option<Int>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VRoom {
    #[serde(rename = "roomId")]
    pub room_id: Option<Int>,
    #[serde(rename = "displayName")]
    pub display_name: Option<String>,
    #[serde(rename = "roomType")]
    pub room_type: Option<String>,
    #[serde(rename = "createdUtc")]
    pub created_utc: Option<Int>,
    #[serde(rename = "lastModifiedUtc")]
    pub last_modified_utc: Option<Int>,
    #[serde(rename = "unreadMessageCount")]
    pub unread_message_count: Option<Int>,
    #[serde(rename = "isArchived")]
    pub is_archived: Option<bool>,
    #[serde(rename = "isModerator")]
    pub is_moderator: Option<bool>,
    #[serde(rename = "isPinned")]
    pub is_pinned: Option<bool>,
    #[serde(rename = "lastMessage")]
    pub last_message: Option<VLastMessage>,
}

#[derive(Debug, Deserialize)]
struct RoomsAnswer<'a> {
    #[serde(borrow)]
    rooms: Vec<&'a RawValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VError {
    #[serde(rename = "errorText")]
    error_text: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VLogin {
    #[serde(rename = "userId")]
    user_id: Option<Int>,
    #[serde(rename = "userSessionId")]
    user_session_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VMember {
    #[serde(rename = "userId")]
    user_id: Option<Int>,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
    #[serde(rename = "userName")]
    user_name: Option<String>,
    #[serde(rename = "isModerator")]
    is_moderator: Option<bool>,
}

/// The Virola client of one account.
#[derive(Debug)]
pub struct Virola {
    http: Http,
}

fn error_text(resp: &Response) -> String {
    serde_json::from_slice::<VError>(&resp.body)
        .ok()
        .and_then(|e| e.error_text)
        .map(|t| clip(&t, 200))
        .unwrap_or_default()
}

fn check(resp: Response) -> Result<Response, ClientError> {
    if resp.status.is_success() {
        return Ok(resp);
    }
    let status = resp.status.as_u16();
    let text = error_text(&resp);
    Err(match status {
        401 => ClientError::Unauthorized(if text.is_empty() { "the session expired".into() } else { text }),
        _ => ClientError::Server { status, message: text },
    })
}

/// The session id from a `Set-Cookie: VirolaUserSessionId=…` header.
fn session_cookie(resp: &Response) -> Option<String> {
    resp.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let pair = v.split(';').next()?.trim();
        let (name, value) = pair.split_once('=')?;
        (name.trim() == COOKIE && !value.is_empty()).then(|| value.trim().to_string())
    })
}

/// Normalizes one room.
pub fn normalize(room: &VRoom, raw: String) -> Result<RemoteRoom, ClientError> {
    let id = room.room_id.ok_or_else(|| ClientError::protocol("a room without roomId"))?.0;
    let room_type = room.room_type.clone().unwrap_or_else(|| "Public".into());
    let kind = match room_type.as_str() {
        "Private" => RoomKind::Private,
        "Public" => RoomKind::Channel,
        _ => RoomKind::Other,
    };
    let name = bounded_nonempty("displayName", room.display_name.clone())?.unwrap_or_else(|| format!("Room {id}"));
    let last_at = room.last_message.as_ref().and_then(|m| m.created_utc).map(|t| t.0).filter(|t| *t > 0);
    let modified = room.last_modified_utc.map(|t| t.0).filter(|t| *t > 0);
    Ok(RemoteRoom {
        remote_id: id.to_string(),
        alt_id: None,
        kind,
        name: clip(&name, 300),
        topic: None,
        description: None,
        unread: room.unread_message_count.map(|n| n.0.max(0)).unwrap_or(0),
        mentions: 0,
        alert: false,
        favorite: room.is_pinned == Some(true),
        archived: room.is_archived == Some(true),
        hidden: false,
        last_message: None,
        last_activity_ms: last_at.or(modified).or(room.created_utc.map(|t| t.0).filter(|t| *t > 0)),
        member_count: None,
        created_ms: room.created_utc.map(|t| t.0).filter(|t| *t > 0),
        creator: None,
        avatar: if kind == RoomKind::Private {
            AvatarSource::Remote {
                path: format!("api/v1/rooms/{id}/avatar.jpg"),
                version: Some(modified.unwrap_or(0).to_string()),
            }
        } else {
            AvatarSource::None
        },
        details: RoomDetails::Virola {
            room_type,
            moderator: room.is_moderator == Some(true),
            pinned: room.is_pinned == Some(true),
            last_message_id: room.last_message.as_ref().and_then(|m| m.message_id).map(|m| m.0),
        },
        updated_ms: modified,
        members: None,
        raw,
    })
}

impl Virola {
    pub fn new(http: Http) -> Self {
        Virola { http }
    }

    fn authed(&self, req: Request, secret: &Secret) -> Request {
        match secret {
            Secret::Virola { bearer: Some(token), .. } => req.header("authorization", &format!("Bearer {token}")),
            Secret::Virola { session: Some(id), .. } => req.header("cookie", &format!("{COOKIE}={id}")),
            _ => req,
        }
    }

    async fn password_login(&self, user: &str, password: &str) -> Result<SignedIn, ClientError> {
        let req = Request::new(Method::POST, self.http.url("api/v1/login")?)
            .json(&serde_json::json!({ "userName": user, "password": password }));
        let resp = self.http.send(req, Purpose::Api).await?;
        let cookie = session_cookie(&resp);
        let resp = check(resp).map_err(|e| match e {
            ClientError::Server { status: 400 | 403, message } => ClientError::Unauthorized(message),
            e => e,
        })?;
        let login: VLogin = resp.json("login")?;
        let session = cookie
            .or(login.user_session_id)
            .ok_or_else(|| ClientError::protocol("the login answer carries no session"))?;
        Ok(SignedIn {
            user_id: login.user_id.map(|i| i.0.to_string()).unwrap_or_default(),
            username: Some(user.to_string()),
            display_name: Some(user.to_string()),
            secret: Secret::Virola {
                session: Some(session),
                bearer: None,
                user: Some(user.to_string()),
                password: Some(password.to_string()),
            },
        })
    }

    /// An authenticated GET; an expired cookie session signs in again once if we can.
    async fn get(&self, session: &Session, path: &str, purpose: Purpose) -> Result<Response, ClientError> {
        let mut relogged = false;
        loop {
            let secret = session.secret();
            let req = self.authed(Request::new(Method::GET, self.http.url(path)?), &secret);
            let resp = self.http.send(req, purpose).await?;
            if resp.status.as_u16() == 401
                && !relogged
                && let Secret::Virola { bearer: None, user: Some(user), password: Some(pw), .. } = &secret
            {
                tracing::info!("Virola session expired; signing in again");
                let fresh = self.password_login(user, pw).await?;
                session.renew(fresh.secret);
                relogged = true;
                continue;
            }
            return Ok(resp);
        }
    }
}

/// Parses a `GET /api/v1/rooms` answer. Entry point for the API-docs fixtures and the fuzzers.
pub fn parse_rooms(body: &[u8]) -> Result<Vec<RemoteRoom>, ClientError> {
    let answer: RoomsAnswer<'_> =
        serde_json::from_slice(body).map_err(|e| ClientError::protocol(format!("rooms: {e}")))?;
    answer
        .rooms
        .iter()
        .map(|raw| {
            let room: VRoom =
                serde_json::from_str(raw.get()).map_err(|e| ClientError::protocol(format!("room: {e}")))?;
            normalize(&room, raw.get().to_string())
        })
        .collect()
}

/// Maps an error answer.
pub fn parse_error(status: u16, body: &[u8]) -> ClientError {
    let resp = Response {
        status: reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::INTERNAL_SERVER_ERROR),
        headers: reqwest::header::HeaderMap::new(),
        body: bytes::Bytes::copy_from_slice(body),
    };
    check(resp).err().unwrap_or_else(|| ClientError::protocol("not an error"))
}

impl ServerFamily for Virola {
    fn family(&self) -> Family {
        Family::Virola
    }

    fn http(&self) -> &Http {
        &self.http
    }

    async fn sign_in(&self, credentials: Credentials) -> Result<SignedIn, ClientError> {
        match credentials {
            Credentials::VirolaPassword { user, password } => self.password_login(&user, &password).await,
            Credentials::VirolaToken { token } => {
                let token = token.trim().trim_start_matches("Bearer ").to_string();
                let secret = Secret::Virola { session: None, bearer: Some(token), user: None, password: None };
                let session = Session::new(String::new(), None, secret.clone());
                // The room list is the one call every Web API token can make.
                check(self.get(&session, "api/v1/rooms", Purpose::Api).await?)?;
                Ok(SignedIn { user_id: String::new(), username: None, display_name: None, secret })
            }
            other => Err(ClientError::NotSupported(format!("{:?} credentials for Virola", other.family()))),
        }
    }

    async fn resume(&self, session: &Session) -> Result<SignedIn, ClientError> {
        let path = match session.secret() {
            Secret::Virola { bearer: Some(_), .. } => "api/v1/rooms",
            _ => "api/v1/status",
        };
        check(self.get(session, path, Purpose::Api).await?)?;
        Ok(SignedIn {
            user_id: session.user_id.clone(),
            username: session.username.clone(),
            display_name: None,
            secret: session.secret(),
        })
    }

    async fn sign_out(&self, session: &Session) -> Result<(), ClientError> {
        let secret = session.secret();
        if let Secret::Virola { session: Some(_), .. } = &secret {
            let req = self
                .authed(Request::new(Method::POST, self.http.url("api/v1/logout")?), &secret)
                .json(&serde_json::json!({}));
            check(self.http.send(req, Purpose::Api).await?)?;
        }
        Ok(())
    }

    async fn sync_rooms(
        &self,
        session: &Session,
        _cursors: &Cursors,
        _caps: &mut Capabilities,
        sink: &mut dyn RoomSink,
    ) -> Result<RoomsOutcome, Error> {
        sink.progress(SyncPhase::Rooms, 0, None);
        let resp = check(self.get(session, "api/v1/rooms", Purpose::Api).await?)?;
        let answer: RoomsAnswer<'_> = resp.json("rooms")?;
        let mut rooms = Vec::with_capacity(answer.rooms.len());
        for raw in &answer.rooms {
            let room: VRoom =
                serde_json::from_str(raw.get()).map_err(|e| ClientError::protocol(format!("room: {e}")))?;
            rooms.push(normalize(&room, raw.get().to_string())?);
        }
        let total = rooms.len() as u64;
        let snapshot: Vec<String> = rooms.iter().map(|r| r.remote_id.clone()).collect();
        let (changed, removed) = sink.apply(Batch {
            rooms,
            removed: Vec::new(),
            snapshot: Some(snapshot),
            cursors: vec![("rooms_synced_at".into(), now_ms().to_string())],
        })?;
        sink.progress(SyncPhase::Rooms, total, Some(total));
        Ok(RoomsOutcome { full: true, changed: changed as u64, removed: removed as u64 })
    }

    async fn room_info(&self, session: &Session, room: &RoomRef) -> Result<RemoteRoom, ClientError> {
        // No single-room endpoint: read the list and pick the room.
        let resp = check(self.get(session, "api/v1/rooms", Purpose::Api).await?)?;
        let answer: RoomsAnswer<'_> = resp.json("rooms")?;
        for raw in answer.rooms {
            let r: VRoom = serde_json::from_str(raw.get()).map_err(|e| ClientError::protocol(format!("room: {e}")))?;
            if r.room_id.map(|i| i.0.to_string()).as_deref() == Some(room.remote_id.as_str()) {
                return normalize(&r, raw.get().to_string());
            }
        }
        Err(ClientError::Server { status: 404, message: "the room is gone".into() })
    }

    async fn members(&self, session: &Session, room: &RoomRef, limit: usize) -> Result<MemberList, ClientError> {
        let resp = self.get(session, &format!("api/v1/rooms/{}/members", room.remote_id), Purpose::Api).await?;
        if resp.status.as_u16() == 404 || resp.status.as_u16() == 405 {
            return Err(ClientError::NotSupported("Virola servers do not list room members".into()));
        }
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            members: Vec<VMember>,
        }
        let answer: Answer = check(resp)?.json("members")?;
        let total = answer.members.len() as u64;
        let members = answer
            .members
            .into_iter()
            .filter_map(|m| {
                let id = m.user_id?.0;
                Some(RemoteUser {
                    remote_id: id.to_string(),
                    username: m.user_name.clone(),
                    display_name: clip(&m.display_name.or(m.user_name).unwrap_or_else(|| format!("User {id}")), 200),
                    status: None,
                    role: (m.is_moderator == Some(true)).then(|| "moderator".to_string()),
                    avatar: AvatarSource::Remote { path: format!("api/v1/users/{id}/avatar.jpg"), version: None },
                    raw: String::new(),
                })
            })
            .take(limit)
            .collect();
        Ok(MemberList { members, total: Some(total) })
    }

    async fn fetch_avatar(
        &self,
        session: &Session,
        path: &str,
        _has_version: bool,
        _v: &Validators,
    ) -> Result<AvatarFetch, ClientError> {
        let resp = self.get(session, path, Purpose::Media).await?;
        match resp.status.as_u16() {
            200 => {}
            404 => return Ok(AvatarFetch::NoAvatar),
            _ => return Err(check(resp).err().unwrap_or(ClientError::protocol("unexpected avatar answer"))),
        }
        let ct = resp.content_type();
        if ct.as_deref() == Some("application/json") {
            // An error in JSON with a 200: treat as no picture.
            return Ok(AvatarFetch::NoAvatar);
        }
        Ok(AvatarFetch::Image { bytes: resp.body, content_type: ct, last_modified: None })
    }

    fn web_url(&self, _room: &RoomRef) -> Option<String> {
        Some(self.http.base().to_string())
    }
}
