//! The normalized model every server family maps into, and the shapes the UI and CLI read.
//!
//! Ids are strings scoped by account: a room's public id is `"{account}:{remote_id}"`, stable across
//! syncs. Times are i64 ms UTC. Types that cross into the webview derive `ts_rs::TS`; their
//! TypeScript twins are generated into `ui/src/bindings.ts` (see `tests/bindings.rs`), and i64
//! fields are declared `number` there, which is exact for ms time stamps and counts.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A family of chat servers, one client module and one fake each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Rocketchat,
    Swapchat,
    Virola,
}

impl Family {
    pub const ALL: [Family; 3] = [Family::Rocketchat, Family::Swapchat, Family::Virola];

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Rocketchat => "rocketchat",
            Family::Swapchat => "swapchat",
            Family::Virola => "virola",
        }
    }

    pub fn parse(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Human name, for the UI and messages.
    pub fn title(self) -> &'static str {
        match self {
            Family::Rocketchat => "Rocket.Chat",
            Family::Swapchat => "SwapChat",
            Family::Virola => "Virola",
        }
    }

    /// Short prefix of account ids (`rc1`, `sc2`, `vi1`).
    pub fn id_prefix(self) -> &'static str {
        match self {
            Family::Rocketchat => "rc",
            Family::Swapchat => "sc",
            Family::Virola => "vi",
        }
    }
}

/// What kind of room this is, normalized across families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// Public channel (Rocket.Chat `c`, Virola `Public`).
    Channel,
    /// Private group (Rocket.Chat `p`, Virola `Private`).
    Private,
    /// One-to-one direct message.
    Direct,
    /// Direct message between three or more people.
    GroupDirect,
    /// A discussion spun off a parent room (Rocket.Chat `prid`).
    Discussion,
    /// The main room of a team (Rocket.Chat `teamMain`).
    Team,
    /// Omnichannel conversation with a visitor (Rocket.Chat `l`).
    Livechat,
    /// Omnichannel voice call (Rocket.Chat `v`).
    Voip,
    /// A SwapChat room created for an NFT collection.
    Collection,
    /// A SwapChat room created for a Twitter Space.
    Space,
    /// Anything a server invents that we do not know yet.
    #[default]
    Other,
}

impl RoomKind {
    pub const ALL: [RoomKind; 11] = [
        RoomKind::Channel,
        RoomKind::Private,
        RoomKind::Direct,
        RoomKind::GroupDirect,
        RoomKind::Discussion,
        RoomKind::Team,
        RoomKind::Livechat,
        RoomKind::Voip,
        RoomKind::Collection,
        RoomKind::Space,
        RoomKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Channel => "channel",
            RoomKind::Private => "private",
            RoomKind::Direct => "direct",
            RoomKind::GroupDirect => "group_direct",
            RoomKind::Discussion => "discussion",
            RoomKind::Team => "team",
            RoomKind::Livechat => "livechat",
            RoomKind::Voip => "voip",
            RoomKind::Collection => "collection",
            RoomKind::Space => "space",
            RoomKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<RoomKind> {
        RoomKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The last message of a room, as far as the room list needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LastMessage {
    pub text: String,
    pub author: Option<String>,
    #[ts(type = "number")]
    pub at_ms: i64,
}

/// Where a room's or user's picture comes from. Stored with the room; the avatar pipeline turns it
/// into cached thumbnails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AvatarSource {
    /// No picture: the UI draws initials on a stable colour.
    #[default]
    None,
    /// Fetch `path` from the family (a server-relative path or an absolute URL); `version` is the
    /// key that changes when the picture changes (Rocket.Chat `avatarETag`, Virola
    /// `lastModifiedUtc`); `None` when the server gives no version (then the URL is the key).
    Remote { path: String, version: Option<String> },
    /// A composite of up to four members' pictures (SwapChat group rooms); the strings are user
    /// remote ids of the same account.
    Composite { members: Vec<String> },
}

/// Omnichannel (livechat) details of a Rocket.Chat room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, TS)]
pub struct LivechatDetails {
    pub visitor_name: Option<String>,
    pub visitor_username: Option<String>,
    pub visitor_status: Option<String>,
    /// `widget`, `email`, `sms`, `app`, `api`, `other`, or the app's label (e.g. "WhatsApp Cloud").
    pub source: Option<String>,
    pub agent: Option<String>,
    pub department: Option<String>,
    pub open: bool,
    pub on_hold: bool,
    pub waiting_response: bool,
    pub tags: Vec<String>,
    #[ts(type = "number | null")]
    pub closed_ms: Option<i64>,
    pub closer: Option<String>,
    /// Seconds to the first response of an agent.
    pub first_response_s: Option<f64>,
    /// Average response time, seconds.
    pub avg_response_s: Option<f64>,
    pub responses: Option<f64>,
    /// Chat duration in seconds (closed chats).
    pub duration_s: Option<f64>,
}

/// What is special about a room in its own family, shown in the room info panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, TS)]
#[serde(tag = "family", rename_all = "lowercase")]
pub enum RoomDetails {
    #[default]
    None,
    Rocketchat {
        /// Room handle (`name`), when different from the display name.
        handle: Option<String>,
        team_main: bool,
        team_id: Option<String>,
        parent_id: Option<String>,
        read_only: bool,
        encrypted: bool,
        broadcast: bool,
        announcement: Option<String>,
        livechat: Option<Box<LivechatDetails>>,
    },
    Swapchat {
        collection_name: Option<String>,
        collection_slug: Option<String>,
        collection_cover: Option<String>,
        space_id: Option<String>,
        space_title: Option<String>,
    },
    Virola {
        room_type: String,
        moderator: bool,
        pinned: bool,
        #[ts(type = "number | null")]
        last_message_id: Option<i64>,
    },
}

/// One room as a server family delivers it, normalized. `raw` keeps the server's JSON so family
/// specific extras survive (and so a later delta can be merged onto it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RemoteRoom {
    pub remote_id: String,
    /// A second server-side id (Rocket.Chat subscription `_id`, used by its `remove` lists).
    pub alt_id: Option<String>,
    pub kind: RoomKind,
    pub name: String,
    pub topic: Option<String>,
    pub description: Option<String>,
    pub unread: i64,
    pub mentions: i64,
    pub alert: bool,
    pub favorite: bool,
    pub archived: bool,
    pub hidden: bool,
    pub last_message: Option<LastMessage>,
    pub last_activity_ms: Option<i64>,
    pub member_count: Option<i64>,
    pub created_ms: Option<i64>,
    pub creator: Option<String>,
    pub avatar: AvatarSource,
    pub details: RoomDetails,
    /// The server's own "last changed" time, when it has one.
    pub updated_ms: Option<i64>,
    /// Members, when the family embeds them in the room (SwapChat).
    pub members: Option<Vec<RemoteUser>>,
    /// The server's JSON for this room (for a family that merges deltas, its merged documents).
    pub raw: String,
}

/// A user as a server family delivers it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RemoteUser {
    pub remote_id: String,
    pub username: Option<String>,
    pub display_name: String,
    /// `online`, `away`, `busy`, `offline`, or a family's own word.
    pub status: Option<String>,
    /// Role in the room, when the member list says (owner, moderator).
    pub role: Option<String>,
    pub avatar: AvatarSource,
    pub raw: String,
}

/// The state of an account as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// Signed in; the last sync worked or none has run yet.
    Ok,
    /// The server is unreachable; showing the cache.
    Offline,
    /// The last sync failed for another reason (server error, rate limit, bad data).
    Error,
    /// The server refused our session: the user must sign in again.
    NeedsSignIn,
}

impl AccountState {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::Ok => "ok",
            AccountState::Offline => "offline",
            AccountState::Error => "error",
            AccountState::NeedsSignIn => "needs_sign_in",
        }
    }
    pub fn parse(s: &str) -> AccountState {
        match s {
            "offline" => AccountState::Offline,
            "error" => AccountState::Error,
            "needs_sign_in" => AccountState::NeedsSignIn,
            _ => AccountState::Ok,
        }
    }
}

/// A `{code, message}` pair: how errors travel to the UI and to `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
}

impl From<&crate::Error> for ErrorInfo {
    fn from(e: &crate::Error) -> Self {
        ErrorInfo { code: e.code().to_string(), message: e.to_string() }
    }
}

/// An account, without any secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Account {
    pub id: String,
    pub family: Family,
    pub server_url: String,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    /// How the user signed in: `password`, `token`, `wallet`.
    pub auth: String,
    /// A fixed colour (CSS hex) for the account's badge.
    pub color: String,
    /// SHA-256 fingerprint of a pinned self-signed certificate (hex with colons).
    pub cert_pin: Option<String>,
    pub state: AccountState,
    pub last_error: Option<ErrorInfo>,
    #[ts(type = "number | null")]
    pub last_sync_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub offline_since_ms: Option<i64>,
    #[ts(type = "number")]
    pub created_ms: i64,
    #[ts(type = "number")]
    pub room_count: i64,
}

/// One row of the room list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RoomRow {
    /// `"{account}:{remote_id}"`: stable, what the CLI prints and takes.
    pub id: String,
    pub account: String,
    pub family: Family,
    pub remote_id: String,
    pub kind: RoomKind,
    pub name: String,
    pub topic: Option<String>,
    #[ts(type = "number")]
    pub unread: i64,
    #[ts(type = "number")]
    pub mentions: i64,
    pub alert: bool,
    pub favorite: bool,
    pub archived: bool,
    pub hidden: bool,
    #[ts(type = "number")]
    pub last_activity_ms: i64,
    pub last_message: Option<LastMessage>,
    #[ts(type = "number | null")]
    pub member_count: Option<i64>,
    pub has_avatar: bool,
    /// Changes whenever the cached picture changes (a cache-buster for the avatar URL).
    pub avatar_version: Option<String>,
}

/// A member of a room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Member {
    pub id: String,
    pub username: Option<String>,
    pub display_name: String,
    pub status: Option<String>,
    pub role: Option<String>,
    pub has_avatar: bool,
    pub avatar_version: Option<String>,
}

/// Everything the room info panel and `roomdeck room --json` show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RoomInfo {
    #[serde(flatten)]
    pub row: RoomRow,
    pub description: Option<String>,
    pub creator: Option<String>,
    #[ts(type = "number | null")]
    pub created_ms: Option<i64>,
    pub server_url: String,
    /// Where the room opens in a browser.
    pub web_url: Option<String>,
    pub members: Vec<Member>,
    /// `true` when `members` is the complete list (it may be a cached first page).
    pub members_complete: bool,
    #[ts(type = "number | null")]
    pub members_synced_ms: Option<i64>,
    /// Why members are missing, if they are (`not_supported`, `offline`, …).
    pub members_note: Option<String>,
    pub details: RoomDetails,
}

/// Sort orders of the room list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Most recent activity first (then name).
    #[default]
    Activity,
    /// By display name, case- and accent-insensitive.
    Name,
}

/// Which archived rooms a query shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
#[serde(rename_all = "snake_case")]
pub enum ArchivedFilter {
    /// Only rooms that are not archived (the default list).
    #[default]
    Exclude,
    /// Only archived rooms.
    Only,
    /// Both.
    Include,
}

/// A room-list query: composable filters plus one sort. Empty vectors mean "any".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
#[serde(default)]
pub struct RoomQuery {
    pub accounts: Vec<String>,
    pub kinds: Vec<RoomKind>,
    pub unread_only: bool,
    pub favorites_only: bool,
    pub archived: ArchivedFilter,
    /// Rooms the user hid (Rocket.Chat `open:false`) are left out unless this is set or a search
    /// term is given.
    pub include_hidden: bool,
    pub search: Option<String>,
    pub sort: Sort,
}

/// One window of the room list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RoomPage {
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub offset: i64,
    pub rows: Vec<RoomRow>,
}

/// A quick-picker hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PickerHit {
    pub row: RoomRow,
    /// Match score (higher is better).
    pub score: u32,
    /// Char indices of `row.name` that matched, for highlighting.
    pub positions: Vec<u32>,
}

/// Phases of a sync, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    SigningIn,
    Rooms,
    Livechat,
    Avatars,
    Done,
}

/// Progress of one account's sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncProgress {
    pub account: String,
    pub phase: SyncPhase,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

/// What a finished sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
pub struct SyncReport {
    pub account: String,
    pub full: bool,
    #[ts(type = "number")]
    pub requests: u64,
    #[ts(type = "number")]
    pub rooms_changed: u64,
    #[ts(type = "number")]
    pub rooms_removed: u64,
    #[ts(type = "number")]
    pub avatars_fetched: u64,
    #[ts(type = "number")]
    pub avatar_bytes: u64,
    #[ts(type = "number")]
    pub duration_ms: u64,
    pub error: Option<ErrorInfo>,
}

/// Builds the public id of a room.
pub fn room_id(account: &str, remote_id: &str) -> String {
    format!("{account}:{remote_id}")
}

/// Splits a public room id into (account, remote id).
pub fn split_room_id(id: &str) -> Option<(&str, &str)> {
    let (a, r) = id.split_once(':')?;
    if a.is_empty() || r.is_empty() { None } else { Some((a, r)) }
}

/// What the core tells the UI as it happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A sync moved on.
    Progress {
        progress: SyncProgress,
    },
    /// An account was added, changed state, or finished a sync.
    AccountUpdated {
        account: Box<Account>,
    },
    AccountRemoved {
        account: String,
    },
    /// Rooms of this account changed in the cache.
    RoomsChanged {
        account: String,
    },
    /// Pictures of this account changed in the cache.
    AvatarsChanged {
        account: String,
    },
}
