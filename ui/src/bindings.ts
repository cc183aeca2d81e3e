// Generated from the Rust types by `make bindings` (src-tauri/src/bindings.rs). Do not edit.
/* eslint-disable */

export type Family = "rocketchat" | "swapchat" | "virola";

export type RoomKind = "channel" | "private" | "direct" | "group_direct" | "discussion" | "team" | "livechat" | "voip" | "collection" | "space" | "other";

export type LastMessage = { text: string, author: string | null, at_ms: number, };

export type LivechatDetails = { visitor_name: string | null, visitor_username: string | null, visitor_status: string | null, 
/**
 * `widget`, `email`, `sms`, `app`, `api`, `other`, or the app's label (e.g. "WhatsApp Cloud").
 */
source: string | null, agent: string | null, department: string | null, open: boolean, on_hold: boolean, waiting_response: boolean, tags: Array<string>, closed_ms: number | null, closer: string | null, 
/**
 * Seconds to the first response of an agent.
 */
first_response_s: number | null, 
/**
 * Average response time, seconds.
 */
avg_response_s: number | null, responses: number | null, 
/**
 * Chat duration in seconds (closed chats).
 */
duration_s: number | null, };

export type RoomDetails = { "family": "none" } | { "family": "rocketchat", 
/**
 * Room handle (`name`), when different from the display name.
 */
handle: string | null, team_main: boolean, team_id: string | null, parent_id: string | null, read_only: boolean, encrypted: boolean, broadcast: boolean, announcement: string | null, livechat: LivechatDetails | null, } | { "family": "swapchat", collection_name: string | null, collection_slug: string | null, collection_cover: string | null, space_id: string | null, space_title: string | null, } | { "family": "virola", room_type: string, moderator: boolean, pinned: boolean, last_message_id: number | null, };

export type AccountState = "ok" | "offline" | "error" | "needs_sign_in";

export type ErrorInfo = { code: string, message: string, };

export type Account = { id: string, family: Family, server_url: string, user_id: string | null, username: string | null, display_name: string | null, 
/**
 * How the user signed in: `password`, `token`, `wallet`.
 */
auth: string, 
/**
 * A fixed colour (CSS hex) for the account's badge.
 */
color: string, 
/**
 * SHA-256 fingerprint of a pinned self-signed certificate (hex with colons).
 */
cert_pin: string | null, state: AccountState, last_error: ErrorInfo | null, last_sync_ms: number | null, offline_since_ms: number | null, created_ms: number, room_count: number, };

export type RoomRow = { 
/**
 * `"{account}:{remote_id}"`: stable, what the CLI prints and takes.
 */
id: string, account: string, family: Family, remote_id: string, kind: RoomKind, name: string, topic: string | null, unread: number, mentions: number, alert: boolean, favorite: boolean, archived: boolean, hidden: boolean, last_activity_ms: number, last_message: LastMessage | null, member_count: number | null, has_avatar: boolean, 
/**
 * Changes whenever the cached picture changes (a cache-buster for the avatar URL).
 */
avatar_version: string | null, };

export type Member = { id: string, username: string | null, display_name: string, status: string | null, role: string | null, has_avatar: boolean, avatar_version: string | null, };

export type RoomInfo = { description: string | null, creator: string | null, created_ms: number | null, server_url: string, 
/**
 * Where the room opens in a browser.
 */
web_url: string | null, members: Array<Member>, 
/**
 * `true` when `members` is the complete list (it may be a cached first page).
 */
members_complete: boolean, members_synced_ms: number | null, 
/**
 * Why members are missing, if they are (`not_supported`, `offline`, …).
 */
members_note: string | null, details: RoomDetails, 
/**
 * `"{account}:{remote_id}"`: stable, what the CLI prints and takes.
 */
id: string, account: string, family: Family, remote_id: string, kind: RoomKind, name: string, topic: string | null, unread: number, mentions: number, alert: boolean, favorite: boolean, archived: boolean, hidden: boolean, last_activity_ms: number, last_message: LastMessage | null, member_count: number | null, has_avatar: boolean, 
/**
 * Changes whenever the cached picture changes (a cache-buster for the avatar URL).
 */
avatar_version: string | null, };

export type Sort = "activity" | "name";

export type ArchivedFilter = "exclude" | "only" | "include";

export type RoomQuery = { accounts: Array<string>, kinds: Array<RoomKind>, unread_only: boolean, favorites_only: boolean, archived: ArchivedFilter, 
/**
 * Rooms the user hid (Rocket.Chat `open:false`) are left out unless this is set or a search
 * term is given.
 */
include_hidden: boolean, search: string | null, sort: Sort, };

export type RoomPage = { total: number, offset: number, rows: Array<RoomRow>, };

export type PickerHit = { row: RoomRow, 
/**
 * Match score (higher is better).
 */
score: number, 
/**
 * Char indices of `row.name` that matched, for highlighting.
 */
positions: Array<number>, };

export type SyncPhase = "signing_in" | "rooms" | "livechat" | "avatars" | "done";

export type SyncProgress = { account: string, phase: SyncPhase, done: number, total: number | null, };

export type SyncReport = { account: string, full: boolean, requests: number, rooms_changed: number, rooms_removed: number, avatars_fetched: number, avatar_bytes: number, duration_ms: number, error: ErrorInfo | null, };

export type Event = { "type": "progress", progress: SyncProgress, } | { "type": "account_updated", account: Account, } | { "type": "account_removed", account: string, } | { "type": "rooms_changed", account: string, } | { "type": "avatars_changed", account: string, };

export type LoginMethod = "password" | "token" | "wallet";

export type SignInRequest = { family: Family, server_url: string, method: LoginMethod, user: string | null, password: string | null, 
/**
 * Rocket.Chat second-factor code.
 */
code: string | null, 
/**
 * Rocket.Chat personal access token: the user id it belongs to.
 */
user_id: string | null, token: string | null, wallet_key: string | null, 
/**
 * SHA-256 fingerprint of a self-signed certificate the user accepted.
 */
cert_pin: string | null, };

export type CommandError = { 
/**
 * Stable: `unauthorized`, `needs_second_factor`, `network`, `untrusted_certificate`, …
 */
code: string, 
/**
 * Plain words for the user.
 */
message: string, 
/**
 * The form field the error belongs to, if any.
 */
field: string | null, 
/**
 * For `untrusted_certificate`: the certificate's SHA-256, to show and pin.
 */
fingerprint: string | null, };

export type AppInfo = { version: string, data_dir: string, 
/**
 * The window is the stand-alone picker (`roomdeck-app --pick`).
 */
pick_mode: boolean, 
/**
 * Demo servers are running in this process.
 */
demo_running: boolean, 
/**
 * `linux`, `macos`, `windows`.
 */
platform: string, };
