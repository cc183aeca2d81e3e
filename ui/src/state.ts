/**
 * A tiny typed store: one immutable state object, shallow patches, synchronous listeners that
 * receive (next, previous) so each view re-renders only what changed. No framework needed for
 * a handful of views, and trivial to drive from tests.
 */
import type { Account, Family, RoomKind, RoomQuery, SyncProgress } from "./api";

export type Listener<T> = (next: T, prev: T) => void;

export class Store<T extends object> {
  private state: T;
  private readonly listeners = new Set<Listener<T>>();

  constructor(initial: T) {
    this.state = initial;
  }

  get(): T {
    return this.state;
  }

  update(patch: Partial<T> | ((s: T) => Partial<T>)): void {
    const prev = this.state;
    const p = typeof patch === "function" ? patch(prev) : patch;
    let changed = false;
    for (const k of Object.keys(p) as (keyof T)[]) {
      if (p[k] !== prev[k]) changed = true;
    }
    if (!changed) return;
    this.state = { ...prev, ...p };
    for (const l of [...this.listeners]) l(this.state, prev);
  }

  subscribe(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function defaultQuery(): RoomQuery {
  return {
    accounts: [],
    kinds: [],
    unread_only: false,
    favorites_only: false,
    archived: "exclude",
    include_hidden: false,
    search: null,
    sort: "activity",
  };
}

export interface UiState {
  accounts: Account[];
  /** `list_accounts` answered at least once (before that we show neither list nor first run). */
  accountsLoaded: boolean;
  /** Latest progress per account, removed when a sync is done. */
  progress: ReadonlyMap<string, SyncProgress>;
  query: RoomQuery;
  /** The room whose info the panel shows (and the list highlights). */
  selectedId: string | null;
  infoOpen: boolean;
  sidebarCollapsed: boolean;
  /** Narrow windows: the sidebar is a drawer, open or not. */
  sidebarDrawerOpen: boolean;
}

export function initialState(): UiState {
  return {
    accounts: [],
    accountsLoaded: false,
    progress: new Map(),
    query: defaultQuery(),
    selectedId: null,
    infoOpen: false,
    sidebarCollapsed: false,
    sidebarDrawerOpen: false,
  };
}

export const store = new Store<UiState>(initialState());

export const FAMILY_LABEL: Record<Family, string> = {
  rocketchat: "Rocket.Chat",
  swapchat: "SwapChat",
  virola: "Virola",
};

/** Which room kinds a family can produce (the kind chips show only useful ones). */
export const FAMILY_KINDS: Record<Family, readonly RoomKind[]> = {
  rocketchat: ["channel", "private", "direct", "group_direct", "discussion", "team", "livechat"],
  swapchat: ["direct", "group_direct", "collection", "space"],
  virola: ["channel", "private", "direct"],
};

export const KIND_ORDER: readonly RoomKind[] = [
  "channel", "private", "direct", "group_direct", "discussion", "team", "livechat", "collection", "space", "voip", "other",
];

/** A query that shows everything (search and sort kept). */
export function isFiltered(q: RoomQuery): boolean {
  return (
    q.accounts.length > 0 || q.kinds.length > 0 || q.unread_only || q.favorites_only || q.archived !== "exclude" || !!q.search
  );
}

/** Setting keys (stored by the core in SQLite, never in web storage). */
export const SETTING_SORT = "ui.sort";
export const SETTING_SIDEBAR = "ui.sidebar_collapsed";

export function accountLabel(a: Account): string {
  return a.display_name || a.username || a.user_id || FAMILY_LABEL[a.family];
}
