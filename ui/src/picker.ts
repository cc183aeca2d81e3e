/**
 * The quick picker (Ctrl/Cmd+K, or the whole window in `--pick` mode).
 *
 * Built for one-frame answers at 100k rooms: every keystroke queries the core's fuzzy index at
 * once (no debounce), stale answers are dropped by sequence number, and the 50 option elements
 * are created once and only refilled: those in sight when an answer comes, the others when
 * scrolling or the keyboard brings them into sight (typing never lays out 50 rows). A keystroke
 * asks only for the options in sight (plus two): 50 rooms are a 28 KB answer, and carrying it
 * through the IPC cost a millisecond or two of every keystroke (make bench, P5). The rest of the
 * 50 are asked for when scrolling or the keyboard comes near the end of those (asking for them
 * in the background after each keystroke meant removing and adding back 38 options at the next
 * keystroke, which cost more than it saved). Matched characters are highlighted with `<mark>`
 * nodes built from the core's char positions — names stay text, never HTML.
 *
 * The first time the picker opens, while the user reads it, a hidden twin answers a few
 * queries (`warmTwin`): the first keystrokes of a session were the slowest of all (the answer
 * path's code not compiled yet, the fonts of its rows not set up: per launch p95 12–14 ms against
 * 9–11 for the same words typed again, make bench P5). Not done at start-up: a warm-up there
 * costs 3–6 MB in a window whose picker may never be opened (P7). Typing stops it.
 */
import { api, roomAvatarUrl, type Account, type ApiError, type PickerHit, type RoomRow } from "./api";
import { colorFor, createAvatar, setAvatar, type AvatarBox } from "./avatar";
import { openModal, type Modal } from "./dialog";
import { h, setAttr, setBackground, setText } from "./dom";
import { relativeTime } from "./format";
import { icon, KIND_LABEL, kindIcon } from "./icons";
import { perf } from "./perf";
import { accountLabel, FAMILY_LABEL, store } from "./state";

export const PICKER_LIMIT = 50;
/**
 * An option's height and the list's padding in px. The list sets them as `--picker-row-h` and
 * `--picker-pad` for styles.css, so the rows are laid out at exactly the height this module
 * computes with (which rows are in sight, where to scroll) without reading the layout.
 */
const ROW_H = 48;
const LIST_PAD = 6;
/** Rows assumed in sight before the list has been laid out. */
const ROWS_BEFORE_LAYOUT = 10;
/** Rows from the end of the options loaded at which scrolling or the keyboard asks for the rest. */
const MORE_AHEAD = 3;
/**
 * What the twin asks (the picker itself has just asked the empty query): single letters and
 * pairs that match many rooms of any language written with Latin letters, each replacing every
 * option, then the same rooms reordered.
 */
export const WARM_QUERIES: readonly string[] = ["a", "an", "e", "er", "i", "in", "o", "on", "s", "st", "t"];
/** Options moved by each key. */
const KEY_STEPS: Readonly<Record<string, number>> = { ArrowDown: 1, ArrowUp: -1, PageDown: 8, PageUp: -8 };

/**
 * Splits `name` into text and `<mark>` runs. `positions` are indices of Unicode scalar values
 * (Rust `char`s), so the name is walked by code point, not UTF-16 unit.
 */
export function highlight(name: string, positions: readonly number[]): Node[] {
  const chars = Array.from(name);
  const hit = new Set(positions);
  const out: Node[] = [];
  let run = "";
  let runHit = false;
  const flush = (): void => {
    if (!run) return;
    out.push(runHit ? h("mark", { class: "hl" }, run) : document.createTextNode(run));
    run = "";
  };
  chars.forEach((c, i) => {
    const isHit = hit.has(i);
    if (isHit !== runHit) {
      flush();
      runHit = isHit;
    }
    run += c;
  });
  flush();
  return out;
}

/** The account a room belongs to, as its option shows it (the family when the account is gone). */
function accountText(row: RoomRow, account: Account | undefined): string {
  return account ? accountLabel(account) : FAMILY_LABEL[row.family];
}

function accountOf(row: RoomRow, accounts: readonly Account[]): Account | undefined {
  return accounts.find((a) => a.id === row.account);
}

interface PickerRow {
  el: HTMLElement;
  avatar: AvatarBox;
  name: HTMLElement;
  kind: HTMLElement;
  kindIcon: HTMLElement;
  account: HTMLElement;
  dot: HTMLElement;
  time: HTMLElement;
  /** What `name` and `kindIcon` show now: typing mostly reorders the same rooms, and a row
   * whose name, matched letters and kind did not change keeps its nodes. */
  shown: { name: string; positions: string; kind: string } | null;
  /** The answer this row was last filled for (rows out of sight wait until they come into it). */
  filledFor: PickerHit | null;
}

export interface PickerOptions {
  /** Stand-alone picker window: always open, Escape/Enter end the process. */
  pickMode: boolean;
  onPick: (row: RoomRow) => void;
  onCancel?: () => void;
  /** Warm up a hidden twin the first time the picker opens (see `warmTwin`). */
  warmUp?: boolean;
}

export class Picker {
  private readonly input: HTMLInputElement;
  private readonly listbox: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly rows: PickerRow[] = [];
  private readonly content: Node[];
  private hits: PickerHit[] = [];
  /** The query of the answer shown, and whether it holds every option there is (up to 50). */
  private shownQuery = "";
  private complete = true;
  /** The answer (by `seq`) whose rest was asked for. */
  private moreAsked = -1;
  /** The option a key asked for beyond those loaded: made active when the rest comes. */
  private pendingActive: number | null = null;
  /** Rows the list shows at once (from its height when last laid out). */
  private inSight = ROWS_BEFORE_LAYOUT;
  private active = -1;
  /** Where the pointer was at its last mousemove over the list (screen px). */
  private pointer = { x: NaN, y: NaN };
  private seq = 0;
  private modal: Modal | null = null;
  private pendingInputs: { seq: number; start: number }[] = [];
  /** A hidden twin answering out of sight (`warmTwin`): rows are filled without their pictures. */
  private warming = false;
  private twinWarmed = false;

  constructor(private readonly o: PickerOptions) {
    this.input = h("input", {
      id: "picker-input",
      class: "picker-input",
      type: "text",
      role: "combobox",
      "aria-expanded": "true",
      "aria-controls": "picker-list",
      "aria-autocomplete": "list",
      "aria-label": "Go to room",
      placeholder: "Go to room…",
      autocomplete: "off",
      spellcheck: "false",
    });
    this.listbox = h("div", { id: "picker-list", class: "picker-list", role: "listbox", "aria-label": "Rooms" });
    this.listbox.style.setProperty("--picker-row-h", `${ROW_H}px`);
    this.listbox.style.setProperty("--picker-pad", `${LIST_PAD}px`);
    this.empty = h("p", { class: "picker-empty", hidden: true });
    for (let i = 0; i < PICKER_LIMIT; i++) this.rows.push(this.createRow(i));
    const footer = h(
      "div",
      { class: "picker-footer", "aria-hidden": "true" },
      h("span", null, h("kbd", null, "↑"), h("kbd", null, "↓"), " to move"),
      h("span", null, h("kbd", null, "Enter"), o.pickMode ? " to choose" : " to open"),
      h("span", null, h("kbd", null, "Esc"), o.pickMode ? " to cancel" : " to close"),
    );
    this.content = [
      h("div", { class: "picker-search" }, icon("search", "picker-search-icon"), this.input),
      this.listbox,
      this.empty,
      footer,
    ];
    this.input.addEventListener("input", (e) => void this.query(this.input.value, e.timeStamp));
    this.input.addEventListener("keydown", (e) => this.onKey(e));
    this.listbox.addEventListener("mousedown", (e) => e.preventDefault());
    this.listbox.addEventListener("click", (e) => {
      const el = (e.target as Element).closest<HTMLElement>(".picker-row");
      if (el) this.choose(Number(el.dataset.index));
    });
    this.listbox.addEventListener(
      "scroll",
      () => {
        this.fillInSight();
        this.moreIfNear(this.listbox.scrollTop + this.listbox.clientHeight);
      },
      { passive: true },
    );
    this.listbox.addEventListener("mousemove", (e) => {
      // WebKit sends a mousemove when the list scrolls under a pointer at rest (the keyboard
      // paging through it, a new answer): only a pointer that moved takes the active option, or
      // the option under the pointer would steal it from the keyboard.
      const still = (e.screenX === this.pointer.x && e.screenY === this.pointer.y) || (e.movementX === 0 && e.movementY === 0);
      this.pointer = { x: e.screenX, y: e.screenY };
      if (still) return;
      const el = (e.target as Element).closest<HTMLElement>(".picker-row");
      if (el && Number(el.dataset.index) !== this.active) this.setActive(Number(el.dataset.index), false);
    });
  }

  get isOpen(): boolean {
    return !!this.modal?.open;
  }

  open(): void {
    if (this.isOpen) {
      this.input.select();
      return;
    }
    this.modal = openModal(this.content, {
      id: "picker",
      label: "Go to room",
      className: this.o.pickMode ? "picker picker-standalone" : "picker",
      dismissable: !this.o.pickMode,
      instant: true,
      onEscape: () => {
        if (this.o.pickMode) {
          this.o.onCancel?.();
          return false;
        }
        return undefined;
      },
      onClose: () => {
        this.modal = null;
      },
    });
    this.input.value = "";
    const opening = this.query("", null);
    this.input.focus();
    if (this.o.warmUp && !this.twinWarmed) {
      this.twinWarmed = true;
      void opening.then(() => this.warmTwin());
    }
  }

  /**
   * Lays out the answers to `WARM_QUERIES` in a hidden, inert twin of this picker (same
   * elements and styles, no pictures asked for), one after the other, while this one is open
   * and nothing has been typed; the twin is dropped afterwards.
   */
  private async warmTwin(): Promise<void> {
    const twin = new Picker({ pickMode: this.o.pickMode, onPick: () => undefined });
    twin.warming = true;
    const host = h("div", { class: "dialog picker picker-warm", "aria-hidden": "true", inert: "" }, ...twin.content);
    // The twin's ids would repeat this picker's (its input, list and options, in the list or not).
    for (const el of [...host.querySelectorAll("[id]"), ...twin.rows.map((r) => r.el)]) el.removeAttribute("id");
    document.body.appendChild(host);
    try {
      for (const q of WARM_QUERIES) {
        if (!this.isOpen || this.input.value !== "") break;
        await twin.query(q, null);
      }
    } finally {
      host.remove();
    }
  }

  close(): void {
    this.modal?.close();
  }

  /** Issues the query now; only the latest answer is shown. Resolves once it is answered. */
  private query(q: string, t0: number | null): Promise<void> {
    const seq = ++this.seq;
    if (t0 !== null) {
      // Input events whose own answer was superseded are timed to the answer that replaced it.
      this.pendingInputs.push({ seq, start: t0 > 0 && t0 <= performance.now() ? t0 : performance.now() });
    }
    this.pendingActive = null;
    const limit = Math.min(PICKER_LIMIT, this.inSight + 2);
    return api.pick(q, limit).then(
      (hits) => {
        if (seq !== this.seq) return;
        const answered = performance.now();
        this.shownQuery = q;
        this.complete = hits.length < limit;
        this.render(hits, q);
        const rendered = performance.now();
        const done = this.pendingInputs.filter((p) => p.seq <= seq);
        this.pendingInputs = this.pendingInputs.filter((p) => p.seq > seq);
        if (done.length) {
          requestAnimationFrame(() => {
            const now = performance.now();
            for (const p of done) {
              perf.pickerTimings.push(now - p.start);
              perf.pickerParts.push([answered - p.start, rendered - answered, now - rendered]);
            }
          });
        }
      },
      (e: ApiError) => {
        if (seq !== this.seq) return;
        this.complete = true;
        this.render([], q);
        this.empty.hidden = false;
        setText(this.empty, e.message);
      },
    );
  }

  /** Asks for the rest of the options of the answer shown (once per answer). */
  private loadMore(): void {
    if (this.complete || this.moreAsked === this.seq || !this.isOpen) return;
    const seq = this.seq;
    this.moreAsked = seq;
    api.pick(this.shownQuery, PICKER_LIMIT).then(
      (hits) => {
        if (seq !== this.seq) return;
        // Same query, same order: the options shown are the first of these.
        this.complete = true;
        this.hits = hits;
        this.place();
        const want = this.pendingActive;
        this.pendingActive = null;
        if (want !== null && hits.length) this.setActive(Math.min(want, hits.length - 1), true);
        else this.fillInSight();
      },
      // The options shown stay; the next keystroke asks again.
      () => undefined,
    );
  }

  /** Asks for the rest at once when the options up to `bottom` (px, list coordinates) near the end. */
  private moreIfNear(bottom: number): void {
    if (this.complete) return;
    if (bottom >= LIST_PAD + (this.hits.length - MORE_AHEAD) * ROW_H) this.loadMore();
  }

  private createRow(i: number): PickerRow {
    const avatar = createAvatar("avatar-28");
    const name = h("span", { class: "picker-name", dir: "auto" });
    const kindIconEl = h("span", { class: "picker-kind-icon" });
    const kind = h("span", { class: "picker-kind" });
    const dot = h("span", { class: "account-dot" });
    const account = h("span", { class: "picker-account" });
    const time = h("span", { class: "picker-time" });
    const el = h(
      "div",
      { class: "picker-row", role: "option", id: `picker-opt-${i}`, "aria-selected": "false", "data-index": String(i) },
      avatar.el,
      h("span", { class: "picker-main" }, h("span", { class: "picker-line" }, kindIconEl, name), h("span", { class: "picker-sub" }, dot, account, kind)),
      time,
    );
    return { el, avatar, name, kind, kindIcon: kindIconEl, account, dot, time, shown: null, filledFor: null };
  }

  private render(hits: PickerHit[], q: string): void {
    this.hits = hits;
    // A new answer starts at the top: only the rows in sight there are filled now.
    if (this.listbox.scrollTop !== 0) this.listbox.scrollTop = 0;
    this.place();
    this.empty.hidden = hits.length > 0;
    if (!hits.length) setText(this.empty, q ? `No rooms match “${q}”` : "No rooms yet");
    // Activating the first option scrolls to it and fills the rows in sight (once per answer).
    this.setActive(hits.length ? 0 : -1, true);
  }

  /** Puts one option in the list per hit; the spare rows leave it. */
  private place(): void {
    const hits = this.hits;
    const accounts = store.get().accounts;
    this.rows.forEach((r, i) => {
      const hit = hits[i];
      if (!hit) {
        // Only options with a result are in the DOM; the rest wait in the pool.
        if (r.el.parentNode) r.el.remove();
        return;
      }
      if (r.el.parentNode !== this.listbox) this.listbox.appendChild(r.el);
      // Every option says which room it is (attributes only: no layout), in sight or not.
      const row = hit.row;
      setAttr(r.el, "data-id", row.id);
      setAttr(r.el, "aria-label", `${row.name}, ${KIND_LABEL[row.kind]}, ${accountText(row, accountOf(row, accounts))}`);
    });
  }

  /**
   * Fills the option rows in sight that do not show their answer yet. Rows just outside wait
   * for the scroll event that brings them in, which comes before that frame is painted.
   */
  private fillInSight(): void {
    const lb = this.listbox;
    const height = lb.clientHeight || ROWS_BEFORE_LAYOUT * ROW_H;
    // The most the list has shown at once: a short answer (a shorter list) must not make the
    // next keystroke ask for fewer rows than the list can show.
    this.inSight = Math.max(this.inSight, Math.ceil(height / ROW_H));
    const first = Math.max(0, Math.floor((lb.scrollTop - LIST_PAD) / ROW_H));
    const last = Math.min(this.hits.length - 1, Math.floor((lb.scrollTop + height - LIST_PAD - 1) / ROW_H));
    if (last < first) return;
    const now = Date.now();
    const accounts = store.get().accounts;
    for (let i = first; i <= last; i++) {
      const r = this.rows[i];
      const hit = this.hits[i];
      if (!r || !hit || r.filledFor === hit) continue;
      r.filledFor = hit;
      const row = hit.row;
      setAvatar(r.avatar, this.warming ? null : roomAvatarUrl(row, "small"), row.name, row.id);
      const positions = hit.positions.join(",");
      if (r.shown?.name !== row.name || r.shown.positions !== positions) {
        r.name.replaceChildren(...highlight(row.name, hit.positions));
      }
      if (r.shown?.kind !== row.kind) r.kindIcon.replaceChildren(kindIcon(row.kind));
      r.shown = { name: row.name, positions, kind: row.kind };
      setText(r.kind, `· ${KIND_LABEL[row.kind]}`);
      const account = accountOf(row, accounts);
      const color = account?.color ?? colorFor(row.account);
      setBackground(r.dot, color);
      setText(r.account, accountText(row, account));
      setText(r.time, relativeTime(row.last_activity_ms, now));
    }
  }

  private setActive(i: number, scroll: boolean): void {
    const prev = this.rows[this.active];
    if (prev) setAttr(prev.el, "aria-selected", "false");
    this.active = i;
    const cur = this.rows[i];
    if (cur) {
      setAttr(cur.el, "aria-selected", "true");
      setAttr(this.input, "aria-activedescendant", cur.el.id);
      if (scroll) {
        const top = LIST_PAD + i * ROW_H;
        const lb = this.listbox;
        if (i === 0) lb.scrollTop = 0;
        else if (top < lb.scrollTop) lb.scrollTop = top;
        else if (top + ROW_H > lb.scrollTop + lb.clientHeight) lb.scrollTop = top + ROW_H - lb.clientHeight;
        // Filled now, not at the scroll event: the row shows in this very frame.
        this.fillInSight();
      }
    } else {
      setAttr(this.input, "aria-activedescendant", null);
    }
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === "Enter") {
      e.preventDefault();
      this.choose(this.active);
      return;
    }
    const step = KEY_STEPS[e.key];
    if (step === undefined) return;
    e.preventDefault();
    const n = this.hits.length;
    if (!n) {
      this.setActive(-1, true);
      return;
    }
    // Where the key goes, possibly past the options loaded: Up and Down wrap around, a page stops
    // at either end. Up from the first option goes to the real last one.
    let want = this.active + step;
    if (Math.abs(step) === 1 && want >= n && this.complete) want = 0;
    else if (step === -1 && want < 0) want = this.complete ? n - 1 : Infinity;
    else want = Math.max(0, want);
    // Past the options loaded: the move completes when the rest comes (the last option loaded
    // is within MORE_AHEAD of the end, so moreIfNear below asks for it).
    if (want >= n && !this.complete) this.pendingActive = want;
    const next = Math.min(want, n - 1);
    this.setActive(next, true);
    this.moreIfNear(LIST_PAD + (next + 1) * ROW_H);
  }

  private choose(i: number): void {
    const hit = this.hits[i];
    if (!hit) return;
    if (!this.o.pickMode) this.close();
    this.o.onPick(hit.row);
  }
}
