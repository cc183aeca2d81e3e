// The one module that talks to the Rust shell. Every other module imports from here, never from
// @tauri-apps/api directly, so the IPC surface stays small, typed and easy to mock in tests.
import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  Account,
  AppInfo,
  CommandError,
  Event,
  PickerHit,
  RoomInfo,
  RoomPage,
  RoomQuery,
  RoomRow,
  SignInRequest,
  SyncReport,
} from "./bindings";

export type * from "./bindings";

/** A failed command: `{code, message}` plus the form field it concerns, if any. */
export class ApiError extends Error {
  readonly code: string;
  readonly field: string | null;
  readonly fingerprint: string | null;

  constructor(e: CommandError) {
    super(e.message);
    this.name = "ApiError";
    this.code = e.code;
    this.field = e.field;
    this.fingerprint = e.fingerprint;
  }
}

function isCommandError(e: unknown): e is CommandError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** Turns whatever `invoke` rejected with into an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isCommandError(e)) return new ApiError(e);
  const message = e instanceof Error ? e.message : String(e);
  return new ApiError({ code: "internal", message, field: null, fingerprint: null });
}

/**
 * With `window.__roomdeck.ipcLog` set to an array (the end-to-end secrets test sets it), every
 * answer and event the shell sends to the webview is recorded there as JSON, so a test can
 * prove that no secret ever reaches the page.
 */
function tap(kind: string, payload: unknown): void {
  const log = window.__roomdeck?.ipcLog;
  if (Array.isArray(log)) log.push(JSON.stringify({ kind, payload }));
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    const answer = await invoke<T>(cmd, args);
    tap(cmd, answer);
    return answer;
  } catch (e) {
    tap(`${cmd}:error`, e);
    throw toApiError(e);
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  listAccounts: () => call<Account[]>("list_accounts"),
  addAccount: (request: SignInRequest) => call<Account>("add_account", { request }),
  signInAgain: (account: string, request: SignInRequest) => call<Account>("sign_in_again", { account, request }),
  signOut: (account: string) => call<Account>("sign_out", { account }),
  removeAccount: (account: string) => call<null>("remove_account", { account }),
  /** Syncs one account, or every account when `account` is null. */
  syncNow: (account: string | null) => call<SyncReport[]>("sync_now", { account }),
  queryRooms: (query: RoomQuery, offset: number, limit: number) => call<RoomPage>("query_rooms", { query, offset, limit }),
  /** Where room `id` is in the list `query` gives (its index), or null when the list does not hold it. */
  roomPosition: (query: RoomQuery, id: string) => call<number | null>("room_position", { query, id }),
  roomInfo: (id: string) => call<RoomInfo>("room_info", { id }),
  /** Fetches fresh members from the server (the cached room when offline). */
  refreshRoom: (id: string) => call<RoomInfo>("refresh_room", { id }),
  pick: (query: string, limit: number) => call<PickerHit[]>("pick", { query, limit }),
  /** Picker mode only: prints the choice and exits the app. */
  pickDone: (id: string | null) => call<null>("pick_done", { id }),
  openInBrowser: (id: string) => call<null>("open_in_browser", { id }),
  copyText: (text: string) => call<null>("copy_text", { text }),
  getSetting: (key: string) => call<string | null>("get_setting", { key }),
  setSetting: (key: string, value: string) => call<null>("set_setting", { key, value }),
  startDemo: (rooms?: number) => call<Account[]>("start_demo", { rooms: rooms ?? null }),
  /** Calls `onEvent` for every core event (sync progress, account and room changes). */
  subscribe: async (onEvent: (e: Event) => void): Promise<void> => {
    const channel = new Channel<Event>();
    channel.onmessage = (e) => {
      tap("event", e);
      onEvent(e);
    };
    await call<null>("subscribe", { onEvent: channel });
  },
};

export type AvatarSize = "small" | "large";

const SCHEME_BASE =
  typeof navigator !== "undefined" && /Windows|Android/.test(navigator.userAgent)
    ? "http://avatar.localhost"
    : "avatar://localhost";

/** URL of a cached thumbnail, served by the shell's `avatar:` scheme. */
export function avatarUrl(
  kind: "room" | "user",
  account: string,
  id: string,
  size: AvatarSize,
  version: string | null,
): string {
  const v = version ? `?v=${encodeURIComponent(version)}` : "";
  return `${SCHEME_BASE}/${kind}/${encodeURIComponent(account)}/${encodeURIComponent(id)}/${size}${v}`;
}

export function roomAvatarUrl(row: RoomRow, size: AvatarSize): string | null {
  return row.has_avatar ? avatarUrl("room", row.account, row.remote_id, size, row.avatar_version) : null;
}
