//! Rocket.Chat REST v1 (server eras ≤6.x, 7.x and 8.x; contract: `shared/contracts/rocketchat.md`).
//!
//! - Sign-in: `POST /api/v1/login` with password (and a TOTP/e-mail code when the server answers
//!   `totp-required`), `{"resume": token}` to check a stored login token, or a personal access
//!   token checked with `GET /api/v1/me`. Requests carry `X-User-Id` + `X-Auth-Token`.
//! - Rooms: `subscriptions.get` and `rooms.get`, both with `updatedSince`, fetched in parallel and
//!   joined on `rid` (the subscription holds the user's view: unread, favorite, hidden, and the
//!   DM peer's name). A delta is merged onto the cached documents. The cursor is the largest
//!   `_updatedAt`/`_deletedAt` the server sent; a full resync runs when the last sync is older
//!   than the server's 30-day trash retention. `rooms.remove` lists every deleted room on the
//!   server, so unknown ids are ignored; a room the user *left* arrives in `subscriptions.remove`
//!   by subscription id.
//! - Omnichannel: `livechat/rooms`, paged by offset/count and sorted by `_updatedAt` so a re-sync
//!   reads one page; a 403 quietly turns the feature off for the account (retried daily).
//! - Avatars: `/avatar/room/{rid}` and `/avatar/{username}` authenticated by `rc_uid`/`rc_token`
//!   query parameters (headers are not read there). The server never 404s a missing avatar: it
//!   draws letters (SVG, `Last-Modified` 2015-01-01), which we recognise as "no avatar";
//!   `avatarETag` is the version key (the server sends no ETag header).

use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::value::RawValue;

use super::{
    AvatarFetch, Batch, Capabilities, Credentials, Cursors, MemberList, RoomRef, RoomSink, RoomsOutcome, ServerFamily,
    Session, SignedIn, Validators, bounded, bounded_nonempty,
};
use crate::error::{ClientError, Error, clip};
use crate::http::{Http, Purpose, Request, Response, rate_limit_reset};
use crate::model::{
    AvatarSource, Family, LastMessage, LivechatDetails, RemoteRoom, RemoteUser, RoomDetails, RoomKind, SyncPhase,
};
use crate::sync::room_chunk_sizes;
use crate::time::{format_iso, now_ms, parse_iso};

/// Deleted records stay in the server's trash for 30 days; a delta older than that may miss
/// deletions, so we resync fully a day before.
const DELTA_MAX_AGE_MS: i64 = 29 * 86_400_000;
/// `Last-Modified` of the generated letter avatars.
const LETTERS_SENTINEL: &str = "Thu, 01 Jan 2015 00:00:00 GMT";
const LIVECHAT_PAGE: usize = 100;
/// Omnichannel pages requested at once by a full sync (after the first, which gives the total).
const LIVECHAT_PREFETCH: usize = 4;
const MEMBERS_PAGE: usize = 100;

/// A Rocket.Chat date: ISO-8601 over REST, `{"$date": ms}` over DDP/EJSON, or plain ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RcDate(pub i64);

impl<'de> Deserialize<'de> for RcDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Text(String),
            Number(f64),
            Ejson {
                #[serde(rename = "$date")]
                date: f64,
            },
        }
        match Repr::deserialize(d)? {
            Repr::Text(s) => parse_iso(&s).map(RcDate).ok_or_else(|| de::Error::custom(format!("invalid date {s:?}"))),
            Repr::Number(n) | Repr::Ejson { date: n } if n.is_finite() => Ok(RcDate(n as i64)),
            _ => Err(de::Error::custom("invalid date")),
        }
    }
}

fn ms(d: &Option<RcDate>) -> Option<i64> {
    d.map(|d| d.0)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RcUserRef {
    #[serde(rename = "_id")]
    pub id: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RcMessage {
    pub msg: Option<String>,
    pub t: Option<String>,
    pub ts: Option<RcDate>,
    pub u: Option<RcUserRef>,
    pub alias: Option<String>,
    pub e2e: Option<serde_json::Value>,
    pub attachments: Option<Vec<serde_json::Value>>,
    pub file: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RcVisitor {
    #[serde(rename = "_id")]
    pub id: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RcSource {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub alias: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RcMetricsResponse {
    pub avg: Option<f64>,
    pub ft: Option<f64>,
    pub total: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RcMetrics {
    pub response: Option<RcMetricsResponse>,
    #[serde(rename = "chatDuration")]
    pub chat_duration: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RcDepartment {
    pub name: Option<String>,
}

/// A room document (the `roomFields` projection of rooms.get, and livechat/rooms documents).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RcRoom {
    #[serde(rename = "_id")]
    pub id: String,
    pub t: Option<String>,
    pub name: Option<String>,
    pub fname: Option<String>,
    pub topic: Option<String>,
    pub description: Option<String>,
    pub announcement: Option<String>,
    pub u: Option<RcUserRef>,
    pub ts: Option<RcDate>,
    pub lm: Option<RcDate>,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Option<RcDate>,
    pub archived: Option<bool>,
    pub ro: Option<bool>,
    pub broadcast: Option<bool>,
    pub encrypted: Option<bool>,
    #[serde(rename = "teamMain")]
    pub team_main: Option<bool>,
    #[serde(rename = "teamId")]
    pub team_id: Option<String>,
    pub prid: Option<String>,
    #[serde(rename = "avatarETag")]
    pub avatar_etag: Option<String>,
    #[serde(rename = "usersCount")]
    pub users_count: Option<f64>,
    #[serde(rename = "lastMessage")]
    pub last_message: Option<RcMessage>,
    pub uids: Option<Vec<String>>,
    pub usernames: Option<Vec<String>>,
    pub v: Option<RcVisitor>,
    #[serde(rename = "servedBy")]
    pub served_by: Option<RcUserRef>,
    #[serde(rename = "departmentId")]
    pub department_id: Option<String>,
    pub department: Option<RcDepartment>,
    pub source: Option<RcSource>,
    pub tags: Option<Vec<String>>,
    pub open: Option<bool>,
    #[serde(rename = "onHold")]
    pub on_hold: Option<bool>,
    #[serde(rename = "waitingResponse")]
    pub waiting_response: Option<bool>,
    #[serde(rename = "closedAt")]
    pub closed_at: Option<RcDate>,
    pub closer: Option<String>,
    pub metrics: Option<RcMetrics>,
}

/// A subscription: the user's relation to a room.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RcSubscription {
    #[serde(rename = "_id")]
    pub id: String,
    pub rid: String,
    pub t: Option<String>,
    pub name: Option<String>,
    pub fname: Option<String>,
    pub f: Option<bool>,
    pub open: Option<bool>,
    pub alert: Option<bool>,
    pub unread: Option<f64>,
    #[serde(rename = "userMentions")]
    pub user_mentions: Option<f64>,
    #[serde(rename = "groupMentions")]
    pub group_mentions: Option<f64>,
    pub archived: Option<bool>,
    pub ts: Option<RcDate>,
    pub ls: Option<RcDate>,
    pub lr: Option<RcDate>,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Option<RcDate>,
    #[serde(rename = "hideUnreadStatus")]
    pub hide_unread_status: Option<bool>,
    #[serde(rename = "hideMentionStatus")]
    pub hide_mention_status: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RcRemoved {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "_deletedAt", default)]
    pub deleted_at: Option<RcDate>,
}

#[derive(Debug, Deserialize)]
struct UpdateRemove<'a> {
    #[serde(borrow, default)]
    update: Vec<&'a RawValue>,
    #[serde(default)]
    remove: Vec<RcRemoved>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RcErrorBody {
    error: Option<serde_json::Value>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    message: Option<String>,
    reason: Option<String>,
    details: Option<serde_json::Value>,
}

impl RcErrorBody {
    fn parse(body: &[u8]) -> RcErrorBody {
        serde_json::from_slice(body).unwrap_or_default()
    }

    /// The error identifier or text (`error` may be a string or a number).
    fn error_text(&self) -> Option<String> {
        match &self.error {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        let text =
            self.message.clone().or_else(|| self.reason.clone()).or_else(|| self.error_text()).unwrap_or_default();
        clip(&text, 200)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RcMe {
    #[serde(rename = "_id")]
    id: Option<String>,
    username: Option<String>,
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LoginData {
    #[serde(rename = "userId")]
    user_id: String,
    #[serde(rename = "authToken")]
    auth_token: String,
    #[serde(default)]
    me: Option<RcMe>,
}

#[derive(Debug, Deserialize)]
struct LoginOk {
    data: LoginData,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RcMember {
    #[serde(rename = "_id")]
    id: String,
    username: Option<String>,
    name: Option<String>,
    status: Option<String>,
    #[serde(rename = "avatarETag")]
    avatar_etag: Option<String>,
    roles: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct MembersPage {
    #[serde(default)]
    members: Vec<RcMember>,
    #[serde(default)]
    total: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct LivechatPage<'a> {
    #[serde(borrow, default)]
    rooms: Vec<&'a RawValue>,
    #[serde(default)]
    total: Option<f64>,
}

/// The Rocket.Chat client of one account. The HTTP client is shared with the task that fetches
/// the Omnichannel pages while a sync writes the room lists (see `sync_rooms`).
#[derive(Debug)]
pub struct RocketChat {
    http: Arc<Http>,
}

/// One room document plus its raw JSON.
struct Doc<T> {
    doc: T,
    raw: String,
}

fn parse_docs<T: serde::de::DeserializeOwned>(items: &[&RawValue], what: &str) -> Result<Vec<Doc<T>>, ClientError> {
    items
        .iter()
        .map(|raw| {
            serde_json::from_str::<T>(raw.get())
                .map(|doc| Doc { doc, raw: raw.get().to_string() })
                .map_err(|e| ClientError::protocol(format!("{what}: {e}")))
        })
        .collect()
}

/// A room's document (if the server sent or cached one) and its subscription, each with its text.
type RoomDocs = (Option<(RcRoom, String)>, (RcSubscription, String));

/// Normalizes `pairs` (room and subscription documents) on a helper thread and writes the
/// rooms through `sink` as they come, in the store's transaction sizes (`room_chunk_sizes`).
/// Returns how many rooms changed.
fn write_normalized(
    pairs: Vec<RoomDocs>,
    session: &Session,
    sink: &mut dyn RoomSink,
    total: u64,
) -> Result<usize, Error> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<RemoteRoom>, ClientError>>(2);
        scope.spawn(move || {
            let mut sizes = room_chunk_sizes();
            let mut size = sizes.next().unwrap_or(1);
            let mut chunk = Vec::with_capacity(size);
            for (room, (sub, sub_raw)) in pairs {
                match normalize(room.as_ref().map(|(d, r)| (d, r.as_str())), Some((&sub, sub_raw.as_str())), session) {
                    Ok(r) => chunk.push(r),
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
                if chunk.len() == size {
                    // A closed channel means the writer stopped (an error): so does this.
                    if tx.send(Ok(std::mem::take(&mut chunk))).is_err() {
                        return;
                    }
                    size = sizes.next().unwrap_or(size);
                }
            }
            if !chunk.is_empty() {
                let _ = tx.send(Ok(chunk));
            }
        });
        let (mut changed, mut done) = (0usize, 0u64);
        for chunk in rx {
            let rooms = chunk?;
            done += rooms.len() as u64;
            changed += sink.apply(Batch { rooms, ..Batch::default() })?.0;
            sink.progress(SyncPhase::Rooms, done, Some(total));
        }
        Ok(changed)
    })
}

/// Reads an `{update, remove}` list; the documents (16 MB of JSON for 14k rooms) are parsed in
/// two halves side by side.
fn parse_list<T: serde::de::DeserializeOwned + Send>(
    resp: &Response,
    route: &str,
    what: &str,
) -> Result<(Vec<Doc<T>>, Vec<RcRemoved>), ClientError> {
    let list: UpdateRemove<'_> = resp.json(route)?;
    let (first, second) = list.update.split_at(list.update.len() / 2);
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(|| parse_docs::<T>(first, what));
        let second = parse_docs::<T>(second, what);
        (first.join(), second)
    });
    let mut docs = first.map_err(|_| ClientError::protocol(format!("reading {route} failed")))??;
    docs.extend(second?);
    Ok((docs, list.remove))
}

impl RocketChat {
    pub fn new(http: Http) -> Self {
        RocketChat { http: Arc::new(http) }
    }

    fn auth(&self, req: Request, session: &Session) -> Request {
        match session.secret() {
            super::Secret::Rocketchat { user_id, token, .. } => {
                req.header("x-user-id", &user_id).header("x-auth-token", &token)
            }
            _ => req,
        }
    }

    /// Maps a non-2xx answer to a typed error, following the error envelopes of all eras.
    fn check(resp: Response) -> Result<Response, ClientError> {
        if resp.status.is_success() {
            return Ok(resp);
        }
        let body = RcErrorBody::parse(&resp.body);
        let status = resp.status.as_u16();
        let error_id = body.error_type.clone().or_else(|| body.error_text()).unwrap_or_default();
        if error_id.contains("too-many-requests") || body.describe().contains("[error-too-many-requests]") {
            let at = rate_limit_reset(&resp.headers).unwrap_or_else(|| now_ms() + 60_000);
            return Err(ClientError::RateLimited { retry_at_ms: at });
        }
        Err(match status {
            401 => ClientError::Unauthorized(if body.describe().is_empty() {
                "the session is no longer valid".into()
            } else {
                body.describe()
            }),
            _ => ClientError::Server { status, message: body.describe() },
        })
    }

    async fn get(&self, session: &Session, path: &str, query: &[(&str, &str)]) -> Result<Response, ClientError> {
        let mut url = self.http.url(path)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let req = self.auth(Request::new(Method::GET, url), session);
        Self::check(self.http.send(req, Purpose::Api).await?)
    }

    async fn login(&self, body: serde_json::Value, code: Option<&str>) -> Result<SignedIn, ClientError> {
        let mut req = Request::new(Method::POST, self.http.url("api/v1/login")?).json(&body);
        if let Some(code) = code {
            req = req.header("x-2fa-code", code);
        }
        let resp = self.http.send(req, Purpose::Api).await?;
        if resp.status == StatusCode::UNAUTHORIZED || resp.status == StatusCode::BAD_REQUEST {
            let err = RcErrorBody::parse(&resp.body);
            let id = err.error_text().or(err.error_type.clone()).unwrap_or_default();
            let method = err
                .details
                .as_ref()
                .and_then(|d| d.get("method"))
                .and_then(|m| m.as_str())
                .unwrap_or("totp")
                .to_string();
            return Err(match id.as_str() {
                "totp-required" => ClientError::NeedsSecondFactor { method, invalid: false },
                "totp-invalid" => ClientError::NeedsSecondFactor { method, invalid: true },
                "error-login-blocked-for-user" | "error-login-blocked-for-ip" => ClientError::Unauthorized(
                    "too many failed sign-ins: the server blocked further attempts for a while".into(),
                ),
                _ if resp.status == StatusCode::UNAUTHORIZED => {
                    ClientError::Unauthorized("wrong user name or password".into())
                }
                _ => ClientError::Server { status: 400, message: err.describe() },
            });
        }
        let resp = Self::check(resp)?;
        let ok: LoginOk = resp.json("login answer")?;
        let me = ok.data.me.unwrap_or_default();
        Ok(SignedIn {
            user_id: ok.data.user_id.clone(),
            username: me.username,
            display_name: me.name,
            secret: super::Secret::Rocketchat { user_id: ok.data.user_id, token: ok.data.auth_token, personal: false },
        })
    }

    async fn me(&self, session: &Session) -> Result<RcMe, ClientError> {
        self.get(session, "api/v1/me", &[]).await?.json("me")
    }

    /// GETs an `{update, remove}` list with an optional `updatedSince` and parses it on a
    /// blocking thread as soon as it is in (the lists are fetched side by side: the smaller
    /// one is parsed while the other is still on its way).
    async fn read_list<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        session: &Session,
        route: &'static str,
        what: &'static str,
        since: Option<&str>,
    ) -> Result<(Vec<Doc<T>>, Vec<RcRemoved>), ClientError> {
        let query: Vec<(&str, &str)> = since.map(|s| vec![("updatedSince", s)]).unwrap_or_default();
        let resp = self.get(session, &format!("api/v1/{route}"), &query).await?;
        tokio::task::spawn_blocking(move || parse_list::<T>(&resp, route, what))
            .await
            .map_err(|_| ClientError::protocol(format!("reading {route} failed")))?
    }

    async fn livechat_page(
        &self,
        session: &Session,
        offset: usize,
        own_only: bool,
    ) -> Result<Result<Response, u16>, ClientError> {
        let offset = offset.to_string();
        let count = LIVECHAT_PAGE.to_string();
        let mut q: Vec<(&str, &str)> = vec![("offset", &offset), ("count", &count), ("sort", r#"{"_updatedAt":-1}"#)];
        if own_only {
            q.push(("agents[]", &session.user_id));
        }
        match self.get(session, "api/v1/livechat/rooms", &q).await {
            Ok(r) => Ok(Ok(r)),
            Err(ClientError::Server { status: 403, .. }) => Ok(Err(403)),
            Err(e) => Err(e),
        }
    }

    /// Fetches the Omnichannel pages a sync starts from, alongside the room lists: the first
    /// page (falling back to the agent's own rooms, or finding the list closed to this account),
    /// then, for a full sync, every other page `LIVECHAT_PREFETCH` at a time. A delta sync reads
    /// on from the first page only as far as its cursor (see `sync_livechat`).
    async fn prefetch_livechat(
        &self,
        session: &Session,
        mode: Option<&str>,
        full: bool,
    ) -> Result<Livechat, ClientError> {
        let mut own_only = match mode {
            None => return Ok(Livechat::Off),
            Some(m) => m == "own",
        };
        let first = loop {
            match self.livechat_page(session, 0, own_only).await? {
                Ok(r) => break r,
                Err(_) if !own_only => own_only = true,
                Err(_) => return Ok(Livechat::Closed),
            }
        };
        let mut pages = vec![first];
        let total = pages[0].json::<LivechatTotal>("livechat/rooms").ok().and_then(|t| t.total);
        let complete = match total {
            Some(total) if full && total.is_finite() && total > LIVECHAT_PAGE as f64 => {
                let offsets: Vec<usize> =
                    (1..).map(|i| i * LIVECHAT_PAGE).take_while(|o| (*o as f64) < total).collect();
                let mut rest =
                    futures_util::stream::iter(offsets.into_iter().map(|o| self.livechat_page(session, o, own_only)))
                        .buffered(LIVECHAT_PREFETCH);
                while let Some(page) = rest.next().await {
                    match page? {
                        Ok(r) => pages.push(r),
                        // Refused half-way: read on page by page, as without prefetching.
                        Err(_) => break,
                    }
                }
                pages.len() as f64 * LIVECHAT_PAGE as f64 >= total
            }
            _ => false,
        };
        Ok(Livechat::Pages { own_only, pages, complete })
    }

    /// Reads Omnichannel rooms newer than `cursor` (all of them when `None`), starting from the
    /// prefetched pages.
    async fn sync_livechat(
        &self,
        session: &Session,
        cursor: Option<i64>,
        caps: &mut Capabilities,
        sink: &mut dyn RoomSink,
        prefetched: Livechat,
    ) -> Result<Option<(Vec<String>, Option<i64>)>, Error> {
        let now = now_ms();
        let turn_off = |caps: &mut Capabilities| {
            tracing::info!("livechat rooms are not available to this account; turning them off");
            caps.livechat = Some("off".into());
            caps.livechat_retry_ms = Some(now + 86_400_000);
        };
        let (own_only, mut pages, complete) = match prefetched {
            Livechat::Off => return Ok(None),
            Livechat::Closed => {
                turn_off(caps);
                return Ok(None);
            }
            Livechat::Pages { own_only, pages, complete } => (own_only, pages.into_iter(), complete),
        };
        caps.livechat = Some(if own_only { "own" } else { "all" }.into());
        caps.livechat_retry_ms = None;
        let mut offset = 0usize;
        let mut seen = Vec::new();
        let mut max_updated = cursor;
        sink.progress(SyncPhase::Livechat, 0, None);
        // The prefetched pages go to the store in one transaction; pages read here, one each.
        let mut rooms = Vec::new();
        loop {
            // The first page is always prefetched (with the all/own choice made on it); later
            // ones are read here when the prefetch did not take them all.
            let resp = match pages.next() {
                Some(r) => r,
                None if complete => break,
                None => {
                    if !rooms.is_empty() {
                        sink.apply(Batch { rooms: std::mem::take(&mut rooms), ..Batch::default() })?;
                    }
                    match self.livechat_page(session, offset, own_only).await? {
                        Ok(r) => r,
                        Err(_) => {
                            turn_off(caps);
                            return Ok(None);
                        }
                    }
                }
            };
            let page: LivechatPage<'_> = resp.json("livechat/rooms")?;
            let docs: Vec<Doc<RcRoom>> = parse_docs(&page.rooms, "livechat room")?;
            let n = docs.len();
            let mut reached_cursor = false;
            for room in docs {
                let updated = ms(&room.doc.updated_at);
                if let (Some(c), Some(u)) = (cursor, updated)
                    && u <= c
                {
                    reached_cursor = true;
                    continue;
                }
                max_updated = max_updated.max(updated);
                seen.push(room.doc.id.clone());
                // The user's own subscription, stored by the first batch, if any.
                let sub = cached_sub(&sink.cached_raw(&room.doc.id));
                rooms.push(normalize(
                    Some((&room.doc, &room.raw)),
                    sub.as_ref().map(|(d, r)| (d, r.as_str())),
                    session,
                )?);
            }
            offset += n;
            sink.progress(SyncPhase::Livechat, offset as u64, page.total.map(|t| t as u64));
            let total = page.total.map(|t| t as usize).unwrap_or(usize::MAX);
            if reached_cursor || n < LIVECHAT_PAGE || offset >= total || n == 0 {
                break;
            }
        }
        if !rooms.is_empty() {
            sink.apply(Batch { rooms, ..Batch::default() })?;
        }
        Ok(Some((seen, max_updated)))
    }
}

/// A task that is stopped when its handle is dropped: the Omnichannel prefetch ends with the sync
/// that started it (an error, a cancel) instead of fetching pages nobody reads.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn join(mut self) -> Result<T, ClientError> {
        (&mut self.0).await.map_err(|_| ClientError::protocol("fetching the Omnichannel rooms stopped"))
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The Omnichannel pages fetched with the room lists.
enum Livechat {
    /// Turned off for now (an earlier sync found the list closed).
    Off,
    /// Closed to this account (403 for all rooms and for the agent's own).
    Closed,
    /// Pages from offset 0 in order; `complete` when they hold every room the server counted.
    Pages { own_only: bool, pages: Vec<Response>, complete: bool },
}

#[derive(Deserialize)]
struct LivechatTotal {
    #[serde(default)]
    total: Option<f64>,
}

/// The two documents of a stored room, as the text they were stored as: re-serializing a parsed
/// `Value` would rewrite numbers (`389.02500000000003` → `389.025`) and make an unchanged room
/// look changed.
#[derive(Deserialize)]
struct Stored<'a> {
    #[serde(borrow, default)]
    room: Option<&'a RawValue>,
    #[serde(borrow, default)]
    subscription: Option<&'a RawValue>,
}

fn stored_doc<T: serde::de::DeserializeOwned>(
    cached: &Option<String>,
    pick: fn(Stored<'_>) -> Option<&RawValue>,
) -> Option<(T, String)> {
    let stored: Stored<'_> = serde_json::from_str(cached.as_deref()?).ok()?;
    let raw = pick(stored)?;
    Some((serde_json::from_str(raw.get()).ok()?, raw.get().to_string()))
}

fn cached_room(cached: &Option<String>) -> Option<(RcRoom, String)> {
    stored_doc(cached, |s| s.room)
}

fn cached_sub(cached: &Option<String>) -> Option<(RcSubscription, String)> {
    stored_doc(cached, |s| s.subscription)
}

fn count(v: Option<f64>) -> i64 {
    v.filter(|n| n.is_finite() && *n > 0.0).map(|n| n as i64).unwrap_or(0)
}

/// The preview text of a last message.
fn preview(m: &RcMessage) -> Result<Option<String>, ClientError> {
    let text = bounded("lastMessage.msg", m.msg.clone())?.unwrap_or_default();
    let text = if m.e2e.is_some() {
        "🔒 Encrypted message".to_string()
    } else if !text.trim().is_empty() {
        text
    } else if m.file.is_some() || m.attachments.as_ref().is_some_and(|a| !a.is_empty()) {
        "📎 Attachment".to_string()
    } else if let Some(t) = &m.t {
        format!("({})", t.replace('-', " "))
    } else {
        return Ok(None);
    };
    Ok(Some(clip(&text.replace(['\n', '\r'], " "), 500)))
}

/// Joins a room document and a subscription into one normalized room.
pub fn normalize(
    room: Option<(&RcRoom, &str)>,
    sub: Option<(&RcSubscription, &str)>,
    session: &Session,
) -> Result<RemoteRoom, ClientError> {
    let empty = RcRoom::default();
    let r = room.map(|(r, _)| r).unwrap_or(&empty);
    let s = sub.map(|(s, _)| s);
    let remote_id = if !r.id.is_empty() {
        r.id.clone()
    } else {
        s.map(|s| s.rid.clone())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ClientError::protocol("a room without an id"))?
    };
    let t = r.t.clone().or_else(|| s.and_then(|s| s.t.clone())).unwrap_or_default();
    let uids = r.uids.as_ref().map(Vec::len).unwrap_or(0).max(r.usernames.as_ref().map(Vec::len).unwrap_or(0));
    let kind = match t.as_str() {
        "c" | "p" if r.team_main == Some(true) => RoomKind::Team,
        "c" | "p" if r.prid.is_some() => RoomKind::Discussion,
        "c" => RoomKind::Channel,
        "p" => RoomKind::Private,
        "d" if uids > 2 => RoomKind::GroupDirect,
        "d" => RoomKind::Direct,
        "l" => RoomKind::Livechat,
        "v" => RoomKind::Voip,
        _ => RoomKind::Other,
    };
    let me = session.username.as_deref().unwrap_or("");
    let handle = bounded_nonempty("name", r.name.clone())?;
    let fname = bounded_nonempty("fname", r.fname.clone())?;
    let sub_fname = bounded_nonempty("subscription.fname", s.and_then(|s| s.fname.clone()))?;
    let sub_name = bounded_nonempty("subscription.name", s.and_then(|s| s.name.clone()))?;
    // The other participants: usernames and uids come in the same order, so either identifies us.
    let uids = r.uids.clone().unwrap_or_default();
    let others: Vec<String> = r
        .usernames
        .clone()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter(|(i, u)| u != me && !u.is_empty() && uids.get(*i) != Some(&session.user_id))
        .map(|(_, u)| u)
        .collect();
    let name = match kind {
        RoomKind::Direct | RoomKind::GroupDirect => sub_fname
            .clone()
            .or(sub_name.clone())
            .or_else(|| if others.is_empty() { None } else { Some(others.join(", ")) }),
        RoomKind::Livechat | RoomKind::Voip => fname
            .clone()
            .or(sub_fname.clone())
            .or_else(|| r.v.as_ref().and_then(|v| v.name.clone().or(v.username.clone()))),
        _ => fname.clone().or(handle.clone()).or(sub_fname.clone()).or(sub_name.clone()),
    }
    .unwrap_or_else(|| remote_id.clone());

    let hide_unread = s.and_then(|s| s.hide_unread_status).unwrap_or(false);
    let hide_mentions = s.and_then(|s| s.hide_mention_status).unwrap_or(false);
    let unread = if hide_unread { 0 } else { count(s.and_then(|s| s.unread)) };
    let mentions = if hide_mentions {
        0
    } else {
        count(s.and_then(|s| s.user_mentions)) + count(s.and_then(|s| s.group_mentions))
    };
    let last_message = match &r.last_message {
        Some(m) => preview(m)?.map(|text| LastMessage {
            text,
            author: m.u.as_ref().and_then(|u| u.name.clone().or(u.username.clone())).or(m.alias.clone()),
            at_ms: ms(&m.ts).or(ms(&r.lm)).unwrap_or(0),
        }),
        None => None,
    };
    // Activity as the official clients sort: the later of the user's last reply and the room's
    // last message (or, lacking one, when the subscription was made).
    let room_activity =
        ms(&r.lm).or(last_message.as_ref().map(|m| m.at_ms)).or(s.and_then(|s| ms(&s.ts))).or(ms(&r.ts));
    let last_activity_ms = room_activity.max(s.and_then(|s| ms(&s.lr)));

    let avatar = match kind {
        RoomKind::Direct => match sub_name.clone().or_else(|| others.first().cloned()) {
            Some(peer) => AvatarSource::Remote { path: format!("avatar/{}", urlencode(&peer)), version: None },
            None => AvatarSource::None,
        },
        RoomKind::GroupDirect | RoomKind::Livechat | RoomKind::Voip => AvatarSource::None,
        _ => match (&r.avatar_etag, &r.prid) {
            (Some(etag), _) => AvatarSource::Remote {
                path: format!("avatar/room/{}", urlencode(&remote_id)),
                version: Some(etag.clone()),
            },
            // A discussion without its own picture shows its parent's (the server falls back).
            (None, Some(_)) => {
                AvatarSource::Remote { path: format!("avatar/room/{}", urlencode(&remote_id)), version: None }
            }
            _ => AvatarSource::None,
        },
    };

    let livechat = if matches!(kind, RoomKind::Livechat | RoomKind::Voip) {
        let metrics = r.metrics.clone().unwrap_or_default();
        let response = metrics.response.unwrap_or_default();
        Some(Box::new(LivechatDetails {
            visitor_name: r.v.as_ref().and_then(|v| v.name.clone()).or(fname.clone()),
            visitor_username: r.v.as_ref().and_then(|v| v.username.clone()),
            visitor_status: r.v.as_ref().and_then(|v| v.status.clone()),
            source: r.source.as_ref().and_then(|s| s.alias.clone().or(s.label.clone()).or(s.kind.clone())),
            agent: r.served_by.as_ref().and_then(|a| a.username.clone().or(a.name.clone())),
            department: r.department.as_ref().and_then(|d| d.name.clone()).or(r.department_id.clone()),
            open: r.open == Some(true) && r.closed_at.is_none(),
            on_hold: r.on_hold == Some(true),
            waiting_response: r.waiting_response == Some(true),
            tags: r.tags.clone().unwrap_or_default(),
            closed_ms: ms(&r.closed_at),
            closer: r.closer.clone(),
            first_response_s: response.ft,
            avg_response_s: response.avg,
            responses: response.total,
            duration_s: metrics.chat_duration,
        }))
    } else {
        None
    };

    let raw = format!(
        r#"{{"room":{},"subscription":{}}}"#,
        room.map(|(_, raw)| raw).unwrap_or("null"),
        sub.map(|(_, raw)| raw).unwrap_or("null")
    );
    Ok(RemoteRoom {
        remote_id: remote_id.clone(),
        alt_id: s.map(|s| s.id.clone()).filter(|id| !id.is_empty()),
        kind,
        name: clip(&name, 300),
        topic: bounded_nonempty("topic", r.topic.clone())?,
        description: bounded_nonempty("description", r.description.clone())?,
        unread,
        mentions,
        alert: s.and_then(|s| s.alert).unwrap_or(false) && !hide_unread,
        favorite: s.and_then(|s| s.f).unwrap_or(false),
        archived: r.archived.unwrap_or(false) || s.and_then(|s| s.archived).unwrap_or(false),
        hidden: s.and_then(|s| s.open) == Some(false),
        last_message,
        last_activity_ms,
        member_count: r.users_count.filter(|n| n.is_finite() && *n >= 0.0).map(|n| n as i64),
        created_ms: ms(&r.ts),
        creator: r.u.as_ref().and_then(|u| u.username.clone().or(u.name.clone())),
        avatar,
        details: RoomDetails::Rocketchat {
            handle: handle.filter(|h| Some(h) != fname.as_ref() && kind != RoomKind::Discussion),
            team_main: r.team_main == Some(true),
            team_id: r.team_id.clone(),
            parent_id: r.prid.clone(),
            read_only: r.ro == Some(true),
            encrypted: r.encrypted == Some(true),
            broadcast: r.broadcast == Some(true),
            announcement: bounded_nonempty("announcement", r.announcement.clone())?,
            livechat,
        },
        updated_ms: ms(&r.updated_at).max(s.and_then(|s| ms(&s.updated_at))),
        members: None,
        raw,
    })
}

/// Parses a `rooms.get` or `subscriptions.get` answer and normalizes each document as the
/// full sync does (rooms without subscriptions are normalized from the room alone). Entry point
/// for the API-docs fixtures and the fuzzers.
pub fn parse_update_list(body: &[u8], session: &Session) -> Result<Vec<RemoteRoom>, ClientError> {
    let list: UpdateRemove<'_> =
        serde_json::from_slice(body).map_err(|e| ClientError::protocol(format!("list: {e}")))?;
    let mut out = Vec::new();
    for raw in &list.update {
        let v: serde_json::Value = serde_json::from_str(raw.get()).map_err(|e| ClientError::protocol(e.to_string()))?;
        if v.get("rid").is_some() {
            let sub: RcSubscription =
                serde_json::from_str(raw.get()).map_err(|e| ClientError::protocol(format!("subscription: {e}")))?;
            out.push(normalize(None, Some((&sub, raw.get())), session)?);
        } else {
            let room: RcRoom =
                serde_json::from_str(raw.get()).map_err(|e| ClientError::protocol(format!("room: {e}")))?;
            out.push(normalize(Some((&room, raw.get())), None, session)?);
        }
    }
    Ok(out)
}

/// Parses a `livechat/rooms` page.
pub fn parse_livechat_page(body: &[u8], session: &Session) -> Result<Vec<RemoteRoom>, ClientError> {
    let page: LivechatPage<'_> =
        serde_json::from_slice(body).map_err(|e| ClientError::protocol(format!("livechat/rooms: {e}")))?;
    let docs: Vec<Doc<RcRoom>> = parse_docs(&page.rooms, "livechat room")?;
    docs.iter().map(|d| normalize(Some((&d.doc, &d.raw)), None, session)).collect()
}

/// Maps an error answer the way every call does.
pub fn parse_error(status: u16, body: &[u8]) -> ClientError {
    let resp = Response {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        headers: reqwest::header::HeaderMap::new(),
        body: bytes::Bytes::copy_from_slice(body),
    };
    match RocketChat::check(resp) {
        Ok(_) => ClientError::protocol("not an error"),
        Err(e) => e,
    }
}

/// Percent-encodes one path segment.
fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

fn room_t(raw: &serde_json::Value) -> Option<String> {
    raw.get("room")
        .and_then(|r| r.get("t"))
        .and_then(|t| t.as_str())
        .map(str::to_string)
        .or_else(|| raw.get("subscription").and_then(|r| r.get("t")).and_then(|t| t.as_str()).map(str::to_string))
}

impl ServerFamily for RocketChat {
    fn family(&self) -> Family {
        Family::Rocketchat
    }

    fn http(&self) -> &Http {
        &self.http
    }

    async fn sign_in(&self, credentials: Credentials) -> Result<SignedIn, ClientError> {
        match credentials {
            Credentials::RocketchatPassword { user, password, code } => {
                let mut body = serde_json::json!({ "user": user, "password": password });
                if let Some(code) = &code {
                    body["code"] = serde_json::Value::String(code.clone());
                }
                self.login(body, code.as_deref()).await
            }
            Credentials::RocketchatToken { user_id, token } => {
                let session = Session::new(
                    user_id.clone(),
                    None,
                    super::Secret::Rocketchat { user_id: user_id.clone(), token: token.clone(), personal: true },
                );
                let me = self.me(&session).await?;
                if me.id.as_deref().is_some_and(|id| id != user_id) {
                    return Err(ClientError::Unauthorized("the token belongs to another user id".into()));
                }
                Ok(SignedIn {
                    user_id: user_id.clone(),
                    username: me.username,
                    display_name: me.name,
                    secret: super::Secret::Rocketchat { user_id, token, personal: true },
                })
            }
            other => Err(ClientError::NotSupported(format!("{:?} credentials for Rocket.Chat", other.family()))),
        }
    }

    async fn resume(&self, session: &Session) -> Result<SignedIn, ClientError> {
        match session.secret() {
            super::Secret::Rocketchat { personal: false, token, .. } => {
                self.login(serde_json::json!({ "resume": token }), None).await
            }
            secret @ super::Secret::Rocketchat { .. } => {
                let me = self.me(session).await?;
                Ok(SignedIn { user_id: session.user_id.clone(), username: me.username, display_name: me.name, secret })
            }
            _ => Err(ClientError::Unauthorized("this account has no Rocket.Chat credentials".into())),
        }
    }

    async fn sign_out(&self, session: &Session) -> Result<(), ClientError> {
        // Logging out a personal access token would revoke it for every other tool using it.
        if let super::Secret::Rocketchat { personal: false, .. } = session.secret() {
            let req = self.auth(Request::new(Method::POST, self.http.url("api/v1/logout")?), session);
            Self::check(self.http.send(req, Purpose::Api).await?)?;
        }
        Ok(())
    }

    async fn sync_rooms(
        &self,
        session: &Session,
        cursors: &Cursors,
        caps: &mut Capabilities,
        sink: &mut dyn RoomSink,
    ) -> Result<RoomsOutcome, Error> {
        let now = now_ms();
        let cursor = cursors.get("rooms").and_then(|c| c.parse::<i64>().ok());
        let last_sync = cursors.get("rooms_synced_at").and_then(|c| c.parse::<i64>().ok());
        let full = cursor.is_none() || last_sync.is_none_or(|t| now - t > DELTA_MAX_AGE_MS);
        // The server compares strictly (`>`); stepping back a few ms catches changes made in the
        // cursor's own millisecond, and upserts are idempotent.
        let since = if full { None } else { cursor.map(|c| format_iso(c - 5)) };
        sink.progress(SyncPhase::Rooms, 0, None);
        let lc_mode: Option<&'static str> = match caps.livechat.as_deref() {
            Some("off") if caps.livechat_retry_ms.is_some_and(|t| t > now) => None,
            Some("own") => Some("own"),
            _ => Some("all"),
        };
        // The Omnichannel pages come down in a task of their own, beside the room lists and
        // while those are written: they are read after the rooms, and a sync that waited for
        // them before writing lost 60-110 ms of a 14k-room first sync (make bench P2).
        let livechat = {
            let rc = RocketChat { http: self.http.clone() };
            let session = Session::new(session.user_id.clone(), session.username.clone(), session.secret());
            AbortOnDrop(tokio::spawn(async move { rc.prefetch_livechat(&session, lc_mode, full).await }))
        };
        let ((subs, subs_removed), (rooms, rooms_removed)) = tokio::try_join!(
            self.read_list::<RcSubscription>(session, "subscriptions.get", "subscription", since.as_deref()),
            self.read_list::<RcRoom>(session, "rooms.get", "room", since.as_deref())
        )?;

        let mut max_seen = cursor.unwrap_or(i64::MIN);
        for d in subs_removed.iter().chain(rooms_removed.iter()) {
            max_seen = max_seen.max(ms(&d.deleted_at).unwrap_or(i64::MIN));
        }
        let mut order: Vec<String> = Vec::with_capacity(subs.len().max(rooms.len()));
        let mut sub_map: HashMap<String, Doc<RcSubscription>> = HashMap::with_capacity(subs.len());
        for s in subs {
            max_seen = max_seen.max(ms(&s.doc.updated_at).unwrap_or(i64::MIN));
            if s.doc.rid.is_empty() {
                continue;
            }
            order.push(s.doc.rid.clone());
            sub_map.insert(s.doc.rid.clone(), s);
        }
        let mut room_map: HashMap<String, Doc<RcRoom>> = HashMap::with_capacity(rooms.len());
        for r in rooms {
            max_seen = max_seen.max(ms(&r.doc.updated_at).unwrap_or(i64::MIN));
            if !sub_map.contains_key(&r.doc.id) {
                order.push(r.doc.id.clone());
            }
            room_map.insert(r.doc.id.clone(), r);
        }

        // The two documents of each room are paired first (a delta may need the cached ones, or
        // rooms.info for a newly joined room); then a helper thread normalizes them chunk by
        // chunk while this one writes: the first rooms are stored (and the picture pass starts
        // on them) while the rest are still being read.
        let total = order.len() as u64;
        let mut pairs: Vec<RoomDocs> = Vec::with_capacity(order.len());
        for rid in &order {
            let cached = if full { None } else { sink.cached_raw(rid) };
            let room: Option<(RcRoom, String)> = match room_map.remove(rid) {
                // The Omnichannel list sends the same version of a livechat room with more in it
                // (its department): keep that one, or every delta would rewrite the room twice.
                Some(d) if d.doc.t.as_deref() == Some("l") => match cached_room(&cached) {
                    Some(c) if c.0.updated_at == d.doc.updated_at => Some(c),
                    _ => Some((d.doc, d.raw)),
                },
                Some(d) => Some((d.doc, d.raw)),
                None => match cached_room(&cached) {
                    Some(r) => Some(r),
                    // A newly joined room whose document is older than our cursor.
                    None => match self.get(session, "api/v1/rooms.info", &[("roomId", rid.as_str())]).await {
                        Ok(resp) => {
                            let v: serde_json::Value = resp.json("rooms.info")?;
                            v.get("room")
                                .and_then(|r| Some((serde_json::from_value::<RcRoom>(r.clone()).ok()?, r.to_string())))
                        }
                        // Archived rooms answer 400 error-room-archived; the subscription suffices.
                        Err(ClientError::Server { status: 400, .. }) => None,
                        Err(e) => return Err(e.into()),
                    },
                },
            };
            let sub: Option<(RcSubscription, String)> = match sub_map.remove(rid) {
                Some(d) => Some((d.doc, d.raw)),
                None => cached_sub(&cached),
            };
            let Some(sub) = sub else {
                // rooms.get only returns rooms the user is subscribed to; without a subscription
                // (not in this delta, not cached) the room is not the user's: skip it.
                tracing::debug!("skipping a room update without a subscription");
                continue;
            };
            pairs.push((room, sub));
        }
        let changed = crate::sync::blocking(|| write_normalized(pairs, session, sink, total))?;

        let mut removed: Vec<String> = Vec::new();
        for d in &subs_removed {
            if let Some(rid) = sink.remote_id_for_alt(&d.id) {
                removed.push(rid);
            }
        }
        for d in &rooms_removed {
            if sink.is_known(&d.id) {
                removed.push(d.id.clone());
            }
        }
        let subscribed: Vec<String> = if full { order.clone() } else { Vec::new() };
        let mut batch_cursors = Vec::new();
        if max_seen > i64::MIN {
            batch_cursors.push(("rooms".to_string(), max_seen.to_string()));
        }
        let (changed_now, removed_now) =
            sink.apply(Batch { rooms: Vec::new(), removed, snapshot: None, cursors: batch_cursors })?;
        let changed = changed + changed_now;
        sink.progress(SyncPhase::Rooms, total, Some(total));

        // Omnichannel rooms beyond the user's own subscriptions.
        let lc_cursor = if full { None } else { cursors.get("livechat").and_then(|c| c.parse::<i64>().ok()) };
        let livechat = livechat.join().await??;
        let livechat = self.sync_livechat(session, lc_cursor, caps, sink, livechat).await?;
        let mut final_cursors = vec![("rooms_synced_at".to_string(), now.to_string())];
        let mut snapshot = None;
        match livechat {
            Some((seen, max_lc)) => {
                if let Some(m) = max_lc {
                    final_cursors.push(("livechat".to_string(), m.to_string()));
                }
                if full {
                    let mut all: HashSet<String> = subscribed.into_iter().collect();
                    all.extend(seen);
                    snapshot = Some(all.into_iter().collect());
                }
            }
            None if full => snapshot = Some(subscribed),
            None => {}
        }
        let (_, snapshot_removed) = sink.apply(Batch { snapshot, cursors: final_cursors, ..Batch::default() })?;
        Ok(RoomsOutcome { full, changed: changed as u64, removed: (removed_now + snapshot_removed) as u64 })
    }

    async fn room_info(&self, session: &Session, room: &RoomRef) -> Result<RemoteRoom, ClientError> {
        let cached = Some(room.raw_text.clone());
        let sub = cached_sub(&cached);
        let resp = self.get(session, "api/v1/rooms.info", &[("roomId", room.remote_id.as_str())]).await;
        let fresh = match resp {
            Ok(resp) => {
                let v: serde_json::Value = resp.json("rooms.info")?;
                let r = v.get("room").ok_or_else(|| ClientError::protocol("rooms.info without a room"))?;
                let doc: RcRoom =
                    serde_json::from_value(r.clone()).map_err(|e| ClientError::protocol(format!("rooms.info: {e}")))?;
                Some((doc, r.to_string()))
            }
            Err(ClientError::Server { status: 400, .. }) => cached_room(&cached),
            Err(e) => return Err(e),
        };
        normalize(fresh.as_ref().map(|(d, r)| (d, r.as_str())), sub.as_ref().map(|(d, r)| (d, r.as_str())), session)
    }

    async fn members(&self, session: &Session, room: &RoomRef, limit: usize) -> Result<MemberList, ClientError> {
        let t = room_t(&room.raw).unwrap_or_default();
        let route = match t.as_str() {
            "c" => "api/v1/channels.members",
            "p" => "api/v1/groups.members",
            "d" => "api/v1/im.members",
            _ => return Err(ClientError::NotSupported("this kind of room has no member list".into())),
        };
        let mut members: Vec<RemoteUser> = Vec::new();
        let mut total: Option<u64> = None;
        // count=0 means "all" on servers that allow it (the default); otherwise page by 100.
        let mut count = 0usize;
        loop {
            let offset = members.len().to_string();
            let count_s = count.to_string();
            let q = [("roomId", room.remote_id.as_str()), ("offset", offset.as_str()), ("count", count_s.as_str())];
            let resp = match self.get(session, route, &q).await {
                Ok(r) => r,
                // channels.members answers 401 (not 403) for a broadcast room whose members are
                // hidden: check the session before calling it expired.
                Err(ClientError::Unauthorized(m)) => {
                    return match self.me(session).await {
                        Ok(_) => Err(ClientError::NotSupported("the server hides the members of this room".into())),
                        Err(_) => Err(ClientError::Unauthorized(m)),
                    };
                }
                Err(ClientError::Server { status: 403, .. }) => {
                    return Err(ClientError::NotSupported("the server hides the members of this room".into()));
                }
                Err(e) => return Err(e),
            };
            let page: MembersPage = resp.json("members")?;
            let n = page.members.len();
            total = page.total.map(|t| t as u64).or(total);
            for m in page.members {
                if m.id.is_empty() {
                    continue;
                }
                let username = bounded_nonempty("username", m.username)?;
                members.push(RemoteUser {
                    remote_id: m.id.clone(),
                    display_name: clip(
                        &bounded_nonempty("name", m.name)?.or(username.clone()).unwrap_or_else(|| m.id.clone()),
                        200,
                    ),
                    status: m.status,
                    role: m
                        .roles
                        .and_then(|r| r.into_iter().find(|r| r == "owner" || r == "moderator" || r == "leader")),
                    avatar: match &username {
                        Some(u) => {
                            AvatarSource::Remote { path: format!("avatar/{}", urlencode(u)), version: m.avatar_etag }
                        }
                        None => AvatarSource::None,
                    },
                    username,
                    raw: String::new(),
                });
            }
            let all = total.map(|t| members.len() as u64 >= t).unwrap_or(true);
            if all || n == 0 || members.len() >= limit {
                break;
            }
            count = MEMBERS_PAGE;
        }
        members.truncate(limit);
        Ok(MemberList { members, total })
    }

    async fn fetch_avatar(
        &self,
        session: &Session,
        path: &str,
        has_version: bool,
        validators: &Validators,
    ) -> Result<AvatarFetch, ClientError> {
        let mut url = self.http.url(path)?;
        // Avatar routes read rc_uid/rc_token from the query (or cookies), never from headers.
        if url.origin() == self.http.base().origin()
            && let super::Secret::Rocketchat { user_id, token, .. } = session.secret()
        {
            url.query_pairs_mut().append_pair("rc_uid", &user_id).append_pair("rc_token", &token);
        }
        let mut req = Request::new(Method::GET, url);
        if let Some(lm) = &validators.last_modified {
            req = req.header("if-modified-since", lm);
        }
        let resp = self.http.send(req, Purpose::Media).await?;
        match resp.status.as_u16() {
            304 => return Ok(AvatarFetch::NotModified),
            404 => return Ok(AvatarFetch::NoAvatar),
            200 => {}
            status => return Err(ClientError::Server { status, message: String::new() }),
        }
        let last_modified = resp.header("last-modified").map(str::to_string);
        if last_modified.as_deref() == Some(LETTERS_SENTINEL) {
            return Ok(AvatarFetch::NoAvatar);
        }
        let ct = resp.content_type();
        if ct.as_deref() == Some("image/svg+xml") && resp.header("cache-control").is_none() {
            // The unauthenticated answer: letters drawn from the path, no cache headers.
            return if has_version {
                Err(ClientError::Unauthorized("the server refused our avatar credentials".into()))
            } else {
                Ok(AvatarFetch::NoAvatar)
            };
        }
        Ok(AvatarFetch::Image { bytes: resp.body, content_type: ct, last_modified })
    }

    fn web_url(&self, room: &RoomRef) -> Option<String> {
        let t = room_t(&room.raw)?;
        let name = room.raw.get("room").and_then(|r| r.get("name")).and_then(|n| n.as_str());
        let path = match (t.as_str(), name) {
            ("c", Some(n)) => format!("channel/{}", urlencode(n)),
            ("p", Some(n)) => format!("group/{}", urlencode(n)),
            ("d", _) => format!("direct/{}", urlencode(&room.remote_id)),
            ("l" | "v", _) => format!("live/{}", urlencode(&room.remote_id)),
            _ => format!("channel/{}", urlencode(&room.remote_id)),
        };
        self.http.base().join(&path).ok().map(|u| u.to_string())
    }
}
