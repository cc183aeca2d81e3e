/**
 * The room list: one virtualized listbox across all accounts.
 *
 * Rows come from the core's SQLite cache in pages of 100 (`queryRooms`), kept in a small page
 * cache. A new query keeps showing the old rows until its first page arrives (no flash of
 * skeletons while typing); pages that are not loaded yet render as skeleton rows. A
 * `rooms_changed` event bumps an epoch: visible pages are re-fetched in place (stale rows stay
 * on screen meanwhile), so scroll position and selection survive background syncs.
 */
import { api, roomAvatarUrl, type ApiError, type RoomPage, type RoomQuery, type RoomRow } from "./api";
import { avatarsSettled, createAvatar, preloadAvatars, setAvatar, type AvatarBox } from "./avatar";
import { h, setAttr, setBackground, setText } from "./dom";
import { formatNumber, plural, relativeTime } from "./format";
import { icon, KIND_LABEL, kindIcon } from "./icons";
import { accountLabel, defaultQuery, isFiltered, store } from "./state";
import { announce } from "./status";
import { markOnce } from "./perf";
import { VirtualList } from "./virtual";

export const ROW_HEIGHT = 56;
export const PAGE_SIZE = 100;
const MAX_CACHED_PAGES = 40;
const MAX_INFLIGHT = 4;
const READ_AHEAD = PAGE_SIZE / 2;

interface Page {
  rows: RoomRow[];
  epoch: number;
}

const same = (a: unknown, b: unknown): boolean => a === b;
const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * How each field of a query is compared. Every field of `RoomQuery` must be here: a field added
 * to the Rust type (and so to bindings.ts) does not compile until it is, so two queries that
 * differ only in it can never pass for the same one (and be answered with the other's page).
 */
const FIELD_EQUAL: { [K in keyof RoomQuery]-?: (a: RoomQuery[K], b: RoomQuery[K]) => boolean } = {
  accounts: sameList,
  kinds: sameList,
  unread_only: same,
  favorites_only: same,
  archived: same,
  include_hidden: same,
  search: same,
  sort: same,
};
const QUERY_FIELDS = Object.keys(FIELD_EQUAL) as (keyof RoomQuery)[];

/** Two queries ask for the same rooms (field by field; the arrays in order). */
export function sameQuery(a: RoomQuery, b: RoomQuery): boolean {
  return QUERY_FIELDS.every((k) => (FIELD_EQUAL[k] as (x: unknown, y: unknown) => boolean)(a[k], b[k]));
}

let prefetched: { query: RoomQuery; page: Promise<RoomPage> } | null = null;
/** The first rows' pictures loading ahead of their rows (see `prefetchFirstPage`). */
const preloading: HTMLImageElement[] = [];
/** Start-up is not over yet: a preload still comes before its rows. */
let preloadOpen = true;

/**
 * Asks for the first page of `query` now, before the list exists. At start the page script
 * issues it together with its other first calls (app info, accounts, settings), so the cached
 * rooms arrive one round trip sooner (make bench, P1). The list's first `setQuery`, made as the
 * accounts and settings arrive, takes it if it asks for the same rooms; then it is dropped.
 * `shown` says (once the settings are in) whether the list will show this page first: only then
 * are the pictures of its first rows loaded ahead.
 */
export function prefetchFirstPage(query: RoomQuery, shown: Promise<boolean>): void {
  const page = api.queryRooms(query, 0, PAGE_SIZE);
  Promise.all([page, shown]).then(
    ([p, first]) => {
      if (!first || !preloadOpen) return;
      // The pictures of the rows that will be in sight, asked for as soon as the rows are
      // known: they arrive while the page lays out the shell and the rows, not after.
      const inSight = Math.ceil((window.innerHeight || 800) / ROW_HEIGHT);
      const urls = p.rows.slice(0, inSight).flatMap((r) => roomAvatarUrl(r, "small") ?? []);
      preloading.push(...preloadAvatars(urls));
    },
    () => undefined,
  );
  prefetched = { query, page };
}

/** Forgets an unused prefetch (start-up is over: later queries must be fresh). */
export function dropPrefetched(): void {
  prefetched = null;
  // The list's first rows hold their own images by now; a later preload would be for nothing.
  preloadOpen = false;
  preloading.length = 0;
}

function takePrefetched(query: RoomQuery): Promise<RoomPage> | null {
  const p = prefetched;
  prefetched = null;
  return p && sameQuery(p.query, query) ? p.page : null;
}

/** Paged, generation-guarded access to `queryRooms`. */
export class RoomPager {
  query: RoomQuery = defaultQuery();
  total = 0;
  /** The current query has answered at least once. */
  ready = false;
  private gen = 0;
  private epoch = 0;
  private resetting = false;
  private readonly pages = new Map<number, Page>();
  private readonly inflight = new Map<number, object>();
  private want: [number, number] = [0, 0];

  constructor(
    /** "reset": a new query's first page; "pages": page `page` arrived. */
    private readonly onData: (kind: "reset" | "pages", page: number) => void,
    private readonly onError: (e: ApiError) => void,
  ) {}

  get(index: number): RoomRow | undefined {
    return this.pages.get(Math.floor(index / PAGE_SIZE))?.rows[index % PAGE_SIZE];
  }

  /** Index of a loaded row with this id, or -1. */
  find(id: string): number {
    for (const [p, page] of this.pages) {
      const i = page.rows.findIndex((r) => r.id === id);
      if (i >= 0) return p * PAGE_SIZE + i;
    }
    return -1;
  }

  get generation(): number {
    return this.gen;
  }

  setQuery(query: RoomQuery): void {
    this.query = query;
    const gen = ++this.gen;
    this.resetting = true;
    this.inflight.clear();
    (takePrefetched(query) ?? api.queryRooms(query, 0, PAGE_SIZE)).then(
      (page) => {
        if (gen !== this.gen) return;
        this.resetting = false;
        this.pages.clear();
        this.pages.set(0, { rows: page.rows, epoch: this.epoch });
        this.total = page.total;
        this.ready = true;
        this.onData("reset", 0);
        this.ensure(this.want[0], this.want[1]);
      },
      (e: ApiError) => {
        if (gen !== this.gen) return;
        this.resetting = false;
        this.onError(e);
      },
    );
  }

  /** Data changed on the Rust side: re-fetch what is visible, keep showing the stale rows meanwhile. */
  refresh(): void {
    this.epoch += 1;
    this.ensure(this.want[0], this.want[1]);
  }

  /** Makes sure the pages covering [first, last) are loaded (or loading). */
  ensure(first: number, last: number): void {
    this.want = [first, last];
    if (this.resetting || !this.ready) return;
    // Half a page of read-ahead on each side: while scrolling, the next page arrives before its
    // rows come into sight (no skeleton rows, no second render of the same rows).
    const p0 = Math.floor(Math.max(0, first - READ_AHEAD) / PAGE_SIZE);
    const p1 = Math.floor((Math.max(first, last - 1) + READ_AHEAD) / PAGE_SIZE);
    for (let p = p0; p <= p1; p++) {
      if (this.inflight.size >= MAX_INFLIGHT) break;
      const page = this.pages.get(p);
      if ((!page || page.epoch < this.epoch) && !this.inflight.has(p) && p * PAGE_SIZE < Math.max(this.total, 1)) {
        this.fetch(p);
      }
    }
  }

  private fetch(p: number): void {
    const gen = this.gen;
    const epoch = this.epoch;
    const token = {};
    this.inflight.set(p, token);
    api.queryRooms(this.query, p * PAGE_SIZE, PAGE_SIZE).then(
      (page) => {
        if (this.inflight.get(p) === token) this.inflight.delete(p);
        if (gen !== this.gen) return;
        const old = this.pages.get(p);
        if (!old || old.epoch <= epoch) this.pages.set(p, { rows: page.rows, epoch });
        this.total = page.total;
        this.evict();
        this.onData("pages", p);
        this.ensure(this.want[0], this.want[1]);
      },
      (e: ApiError) => {
        if (this.inflight.get(p) === token) this.inflight.delete(p);
        if (gen === this.gen) this.onError(e);
      },
    );
  }

  private evict(): void {
    if (this.pages.size <= MAX_CACHED_PAGES) return;
    const centre = (this.want[0] + this.want[1]) / 2 / PAGE_SIZE;
    const byDistance = [...this.pages.keys()].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
    while (this.pages.size > MAX_CACHED_PAGES) {
      const p = byDistance.shift();
      if (p === undefined) break;
      this.pages.delete(p);
    }
  }
}

interface RowParts {
  avatar: AvatarBox;
  kind: HTMLElement;
  kindName: string;
  name: HTMLElement;
  tag: HTMLElement;
  star: HTMLElement;
  time: HTMLElement;
  dot: HTMLElement;
  preview: HTMLElement;
  badges: HTMLElement;
  unread: HTMLElement;
  mention: HTMLElement;
}

/** What the room list shows when a query has no rows. */
function emptyMessage(): { title: string; body: string; clear: boolean } {
  const st = store.get();
  if (isFiltered(st.query)) {
    return { title: "No rooms match", body: "Try another search or remove a filter.", clear: true };
  }
  if (st.progress.size > 0) return { title: "Syncing your rooms…", body: "They will appear here in a moment.", clear: false };
  return { title: "No rooms yet", body: "Rooms appear here after the first sync.", clear: false };
}

export class RoomList {
  readonly root: HTMLElement;
  readonly listbox: HTMLElement;
  readonly pager: RoomPager;
  readonly countEl: HTMLElement;
  private readonly content: HTMLElement;
  private readonly list: VirtualList;
  private readonly parts = new WeakMap<HTMLElement, RowParts>();
  private readonly empty: HTMLElement;
  private readonly emptyTitle: HTMLElement;
  private readonly emptyBody: HTMLElement;
  private readonly emptyClear: HTMLElement;
  private selectedIndex = -1;
  private selectedId: string | null = null;
  private painted = false;
  private followTimer: ReturnType<typeof setTimeout> | undefined;
  private revealing: RoomRow | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private lastRefresh = 0;
  private now = Date.now();

  constructor(countEl: HTMLElement) {
    this.countEl = countEl;
    this.content = h("div", { class: "room-list-content", role: "presentation" });
    this.listbox = h(
      "div",
      { id: "room-list", class: "room-list", role: "listbox", tabindex: "0", "aria-label": "Rooms" },
      this.content,
    );
    this.emptyTitle = h("p", { class: "list-empty-title" });
    this.emptyBody = h("p", { class: "list-empty-body" });
    this.emptyClear = h("button", { type: "button", class: "btn", onclick: () => this.clearFilters() }, "Clear filters");
    this.empty = h("div", { class: "list-empty", hidden: true }, icon("search", "list-empty-icon"), this.emptyTitle, this.emptyBody, this.emptyClear);
    this.root = h("div", { class: "list-wrap" }, this.listbox, this.empty);
    this.pager = new RoomPager(
      (kind, page) => this.onData(kind, page),
      (e) => announce(`Could not load rooms: ${e.message}`, "error"),
    );
    this.list = new VirtualList({
      scroller: this.listbox,
      content: this.content,
      rowHeight: ROW_HEIGHT,
      overscan: 8,
      maxRows: 100,
      createRow: () => this.createRow(),
      renderRow: (el, i) => this.renderRow(el, i),
      onRendered: (first, last) => {
        this.pager.ensure(first, last);
        this.syncActiveDescendant();
      },
    });
    this.listbox.addEventListener("keydown", (e) => this.onKey(e));
    this.listbox.addEventListener("click", (e) => this.onClick(e));
    // Keep relative times fresh without touching anything else.
    setInterval(() => {
      this.now = Date.now();
      this.list.invalidateAll();
    }, 60_000);
  }

  /** Row elements currently in the DOM (tests, benchmarks). */
  get virtual(): VirtualList {
    return this.list;
  }

  setQuery(q: RoomQuery): void {
    this.pager.setQuery(q);
  }

  /** `rooms_changed` / `avatars_changed`: coalesced to at most ~3 refreshes a second. */
  refresh(): void {
    if (this.refreshTimer) return;
    const wait = Math.max(0, 300 - (Date.now() - this.lastRefresh));
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.lastRefresh = Date.now();
      this.pager.refresh();
    }, wait);
  }

  focus(): void {
    this.listbox.focus({ preventScroll: true });
    // Keyboard users land on a row; but never override a room being revealed or shown.
    if (this.selectedIndex < 0 && this.selectedId === null && this.pager.total > 0) this.select(0, false);
  }

  /** The picker chose a room: show it in the list (clearing filters if needed) and open its info. */
  reveal(row: RoomRow): void {
    store.update({ selectedId: row.id, infoOpen: true });
    this.selectedId = row.id;
    const i = this.pager.find(row.id);
    if (i >= 0) {
      this.select(i, false);
      this.list.scrollToIndex(i, "center");
      return;
    }
    const q = store.get().query;
    const cleared: RoomQuery = {
      ...defaultQuery(),
      sort: q.sort,
      archived: row.archived ? "include" : "exclude",
      include_hidden: row.hidden,
    };
    this.revealing = row;
    if (JSON.stringify(cleared) !== JSON.stringify(q)) {
      store.update({ query: cleared });
    } else {
      void this.locate(row);
    }
  }

  private async locate(row: RoomRow): Promise<void> {
    this.revealing = null;
    const gen = this.pager.generation;
    const q = this.pager.query;
    const found = this.pager.find(row.id);
    if (found >= 0) {
      this.select(found, false);
      this.list.scrollToIndex(found, "center");
      return;
    }
    // The core knows where the room is in this list (one walk of its list order, however
    // far down the room is and however many rooms share its time or name).
    try {
      const at = await api.roomPosition(q, row.id);
      if (gen !== this.pager.generation || at === null) return;
      this.select(at, false);
      this.list.scrollToIndex(at, "center");
    } catch {
      // The info panel is open anyway; the list just stays where it is.
    }
  }

  private clearFilters(): void {
    const q = store.get().query;
    store.update({ query: { ...defaultQuery(), sort: q.sort } });
  }

  private onData(kind: "reset" | "pages", page: number): void {
    if (!this.painted && this.pager.total > 0) markOnce("roomdeck:first-page");
    const total = this.pager.total;
    this.list.setTotal(total);
    setText(this.countEl, this.pager.ready ? plural(total, "room", "rooms") : "");
    this.updateEmpty();
    if (kind === "reset") {
      this.listbox.scrollTop = 0;
      this.selectedIndex = this.selectedId ? this.pager.find(this.selectedId) : -1;
      this.list.invalidateAll();
      this.list.flush();
      if (this.revealing) void this.locate(this.revealing);
      if (!this.painted && total > 0) {
        this.painted = true;
        markOnce("roomdeck:first-rows");
        // When the rows' first frame starts (the bench's P1 timeline: is the page busy, or are
        // the pictures on their way?).
        requestAnimationFrame(() => markOnce("roomdeck:rows-frame"));
        void avatarsSettled(this.listbox).then(() => {
          markOnce("roomdeck:avatars-decoded");
          requestAnimationFrame(() => markOnce("roomdeck:list-painted"));
        });
      }
    } else {
      const selectedBefore = this.selectedIndex;
      if (this.selectedId) {
        const cur = this.selectedIndex >= 0 ? this.pager.get(this.selectedIndex) : undefined;
        if (!cur || cur.id !== this.selectedId) {
          const i = this.pager.find(this.selectedId);
          if (i >= 0 || cur) this.selectedIndex = i;
        }
      } else if (this.selectedIndex >= 0) {
        this.selectedId = this.pager.get(this.selectedIndex)?.id ?? null;
      }
      // Only the rows this page fills (a page read ahead of the scroll touches none), and the
      // rows that gain or lose the selection.
      this.list.invalidateRange(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
      if (this.selectedIndex !== selectedBefore) {
        if (selectedBefore >= 0) this.list.invalidate(selectedBefore);
        if (this.selectedIndex >= 0) this.list.invalidate(this.selectedIndex);
      }
    }
  }

  /** Re-evaluates the "no rooms" message (also called when sync progress changes). */
  updateEmpty(): void {
    const show = this.pager.ready && this.pager.total === 0;
    this.empty.hidden = !show;
    if (!show) return;
    const m = emptyMessage();
    setText(this.emptyTitle, m.title);
    setText(this.emptyBody, m.body);
    this.emptyClear.hidden = !m.clear;
  }

  /** The panel or picker selected a room by id (highlight it if it is loaded). */
  setSelectedId(id: string | null): void {
    if (id === this.selectedId) return;
    this.selectedId = id;
    this.selectedIndex = id ? this.pager.find(id) : -1;
    this.list.invalidateAll();
  }

  private select(index: number, follow: boolean): void {
    const total = this.pager.total;
    if (total === 0) return;
    const i = Math.max(0, Math.min(total - 1, index));
    this.selectedIndex = i;
    this.selectedId = this.pager.get(i)?.id ?? null;
    this.list.scrollToIndex(i);
    this.list.invalidateAll();
    if (follow) {
      // The info panel follows the keyboard, a moment after it stops.
      if (this.followTimer) clearTimeout(this.followTimer);
      this.followTimer = setTimeout(() => {
        const id = this.selectedId ?? this.pager.get(this.selectedIndex)?.id ?? null;
        if (id && store.get().infoOpen) store.update({ selectedId: id });
      }, 150);
    }
  }

  private open(index: number): void {
    const row = this.pager.get(index);
    if (!row) return;
    this.selectedIndex = index;
    this.selectedId = row.id;
    this.list.invalidateAll();
    store.update({ selectedId: row.id, infoOpen: true });
  }

  private onClick(e: MouseEvent): void {
    const rowEl = (e.target as Element).closest<HTMLElement>(".room-row");
    if (!rowEl || rowEl.dataset.index === undefined) return;
    const i = Number(rowEl.dataset.index);
    this.open(i);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const cur = this.selectedIndex;
    const page = this.list.pageSize();
    let next: number | null = null;
    switch (e.key) {
      case "ArrowDown":
        next = cur < 0 ? 0 : cur + 1;
        break;
      case "ArrowUp":
        next = cur < 0 ? 0 : cur - 1;
        break;
      case "PageDown":
        next = Math.max(0, cur) + page;
        break;
      case "PageUp":
        next = Math.max(0, cur) - page;
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = this.pager.total - 1;
        break;
      case "Enter":
      case " ":
        if (cur >= 0) this.open(cur);
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    this.select(next, true);
  }

  private syncActiveDescendant(): void {
    const el = this.selectedIndex >= 0 ? this.list.rowAt(this.selectedIndex) : undefined;
    setAttr(this.listbox, "aria-activedescendant", el ? el.id : null);
  }

  private createRow(): HTMLElement {
    const avatar = createAvatar("avatar-36");
    const kind = h("span", { class: "room-kind" });
    const name = h("span", { class: "room-name", dir: "auto" });
    const tag = h("span", { class: "room-tag", hidden: true });
    const star = h("span", { class: "room-fav", hidden: true, title: "Favorite" }, icon("star"));
    const time = h("span", { class: "room-time" });
    const dot = h("span", { class: "account-dot" });
    const preview = h("span", { class: "room-preview", dir: "auto" });
    const unread = h("span", { class: "badge badge-unread" });
    const mention = h("span", { class: "badge badge-mention" });
    const badges = h("span", { class: "room-badges" });
    const el = h(
      "div",
      { class: "room-row", role: "option", "aria-selected": "false" },
      avatar.el,
      h(
        "div",
        { class: "room-body" },
        h("div", { class: "room-line room-line-1" }, kind, name, star, tag, time),
        h("div", { class: "room-line room-line-2" }, dot, preview, badges),
      ),
    );
    this.parts.set(el, { avatar, kind, kindName: "", name, tag, star, time, dot, preview, badges, unread, mention });
    return el;
  }

  private renderRow(el: HTMLElement, index: number): void {
    const p = this.parts.get(el);
    if (!p) return;
    const row = this.pager.get(index);
    el.id = `room-opt-${index}`;
    el.dataset.index = String(index);
    setAttr(el, "aria-posinset", String(index + 1));
    setAttr(el, "aria-setsize", String(this.pager.total));
    if (!row) {
      el.classList.add("skeleton");
      el.removeAttribute("data-id");
      setAttr(el, "aria-label", "Loading…");
      setAttr(el, "aria-selected", index === this.selectedIndex ? "true" : "false");
      setText(p.name, "");
      setText(p.preview, "");
      setText(p.time, "");
      p.badges.replaceChildren();
      p.star.hidden = true;
      p.tag.hidden = true;
      setAvatar(p.avatar, null, "", "");
      return;
    }
    el.classList.remove("skeleton");
    el.dataset.id = row.id;
    el.dataset.kind = row.kind;
    const selected = row.id === this.selectedId || (this.selectedId === null && index === this.selectedIndex);
    setAttr(el, "aria-selected", selected ? "true" : "false");
    el.classList.toggle("is-alert", row.alert || row.unread > 0);
    el.classList.toggle("is-muted", row.archived || row.hidden);

    setAvatar(p.avatar, roomAvatarUrl(row, "small"), row.name, row.id);
    if (p.kindName !== row.kind) {
      p.kindName = row.kind;
      p.kind.replaceChildren(kindIcon(row.kind));
      p.kind.title = KIND_LABEL[row.kind];
    }
    setText(p.name, row.name);
    p.star.hidden = !row.favorite;
    const tagText = row.archived ? "Archived" : row.hidden ? "Hidden" : "";
    p.tag.hidden = !tagText;
    setText(p.tag, tagText);
    setText(p.time, relativeTime(row.last_activity_ms, this.now));

    const account = store.get().accounts.find((a) => a.id === row.account);
    const color = account?.color ?? "#888";
    setBackground(p.dot, color);
    const accName = account ? accountLabel(account) : row.account;
    p.dot.title = accName;

    const lm = row.last_message;
    const previewText = lm ? (lm.author ? `${lm.author}: ${lm.text}` : lm.text) : row.topic || "No messages yet";
    setText(p.preview, previewText);
    p.preview.classList.toggle("is-topic", !lm);

    const wantMention = row.mentions > 0;
    const wantUnread = row.unread > 0;
    if (wantMention) setText(p.mention, `@${formatNumber(row.mentions)}`);
    if (wantUnread) setText(p.unread, row.unread > 999 ? "999+" : formatNumber(row.unread));
    if (wantMention !== (p.mention.parentNode === p.badges) || wantUnread !== (p.unread.parentNode === p.badges)) {
      p.badges.replaceChildren();
      if (wantMention) p.badges.appendChild(p.mention);
      if (wantUnread) p.badges.appendChild(p.unread);
    }
    setAttr(p.mention, "aria-label", wantMention ? `${row.mentions} mentions` : null);
    setAttr(p.unread, "aria-label", wantUnread ? `${row.unread} unread` : null);

    const label = [
      row.name,
      KIND_LABEL[row.kind],
      accName,
      wantMention ? `${row.mentions} mentions` : "",
      wantUnread ? `${row.unread} unread` : "",
      row.favorite ? "favorite" : "",
      tagText.toLowerCase(),
    ]
      .filter(Boolean)
      .join(", ");
    setAttr(el, "aria-label", label);
  }
}
