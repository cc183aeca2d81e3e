import { beforeEach, describe, expect, it, vi } from "vitest";
import type { RoomQuery, RoomRow } from "../src/api";
import { HOSTILE, makeRow, settle } from "./helpers";

const TOTAL = 100_000;
const mock = vi.hoisted(() => ({
  rows: new Map<number, RoomRow>(),
  calls: [] as { offset: number; limit: number }[],
}));

vi.mock("../src/api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/api")>();
  return {
    ...actual,
    api: {
      queryRooms: vi.fn(async (_q: RoomQuery, offset: number, limit: number) => {
        mock.calls.push({ offset, limit });
        const rows: RoomRow[] = [];
        for (let i = offset; i < Math.min(TOTAL, offset + limit); i++) rows.push(mock.rows.get(i) ?? makeRow(i));
        return { total: TOTAL, offset, rows };
      }),
      // Rooms "acc:rN" are at index N; "acc:gone" is not in the list.
      roomPosition: vi.fn(async (_q: RoomQuery, id: string) => (id === "acc:gone" ? null : Number(id.slice("acc:r".length)))),
    },
  };
});

const { RoomList, ROW_HEIGHT } = await import("../src/roomlist");
const { api } = await import("../src/api");
const { defaultQuery, store } = await import("../src/state");

function mount(): InstanceType<typeof RoomList> {
  document.body.replaceChildren();
  const count = document.createElement("span");
  const list = new RoomList(count);
  document.body.append(count, list.root);
  Object.defineProperty(list.listbox, "clientHeight", { value: 800, configurable: true });
  list.setQuery(defaultQuery());
  return list;
}

const rowsInDom = (): HTMLElement[] => Array.from(document.querySelectorAll<HTMLElement>("#room-list .room-row"));
const visibleRows = (): HTMLElement[] => rowsInDom();

describe("virtual room list", () => {
  beforeEach(() => {
    mock.rows.clear();
    mock.calls.length = 0;
    store.update({ selectedId: null, infoOpen: false });
  });

  it("keeps at most 100 row elements for 100,000 rooms and pages its fetches", async () => {
    const list = mount();
    await settle();
    list.virtual.flush();
    expect(document.getElementById("room-count")?.textContent ?? document.querySelector("span")?.textContent).toBe("100,000 rooms");
    expect(list.listbox.getAttribute("role")).toBe("listbox");
    expect(rowsInDom().length).toBeGreaterThan(10);
    expect(rowsInDom().length).toBeLessThanOrEqual(100);
    const content = list.listbox.firstElementChild as HTMLElement;
    expect(content.style.height).toBe(`${TOTAL * ROW_HEIGHT}px`);
    // Never fetches everything: pages of 100.
    expect(mock.calls.every((c) => c.limit <= 100)).toBe(true);
    const first = visibleRows()[0];
    expect(first?.dataset.id).toBe("acc:r0");
    expect(first?.querySelector(".room-name")?.textContent).toBe("room 0");
    expect(first?.getAttribute("role")).toBe("option");
    expect(first?.getAttribute("aria-setsize")).toBe("100000");
    expect(first?.getAttribute("aria-posinset")).toBe("1");
  });

  it("shows a room the picker chose far down the list, asking the core where it is once", async () => {
    const list = mount();
    await settle();
    list.virtual.flush();
    const pagesBefore = mock.calls.length;
    list.reveal(makeRow(73_456));
    await settle();
    list.virtual.flush();
    await settle();
    list.virtual.flush();
    expect(vi.mocked(api.roomPosition)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(api.roomPosition).mock.calls[0]?.[1]).toBe("acc:r73456");
    // Only the pages around it are read: no probing through the list.
    expect(mock.calls.slice(pagesBefore).every((c) => Math.abs(c.offset - 73_456) < 300)).toBe(true);
    const selected = document.querySelector<HTMLElement>("#room-list .room-row[aria-selected=true]");
    expect(selected?.dataset.id).toBe("acc:r73456");
    const top = list.listbox.scrollTop;
    expect(73_456 * ROW_HEIGHT).toBeGreaterThanOrEqual(top);
    expect(73_457 * ROW_HEIGHT).toBeLessThanOrEqual(top + list.listbox.clientHeight);
    expect(store.get().selectedId).toBe("acc:r73456");
    // A room the list does not hold leaves it where it is (its info still opens).
    vi.mocked(api.roomPosition).mockClear();
    list.reveal(makeRow(0, { id: "acc:gone", remote_id: "gone" }));
    await settle();
    expect(vi.mocked(api.roomPosition)).toHaveBeenCalledTimes(1);
    expect(list.listbox.scrollTop).toBe(top);
    expect(store.get()).toMatchObject({ selectedId: "acc:gone", infoOpen: true });
  });

  it("shows the right rows after scrolling deep into the list", async () => {
    const list = mount();
    await settle();
    list.listbox.scrollTop = 50_000 * ROW_HEIGHT;
    list.virtual.flush();
    // Not loaded yet: skeleton placeholders, no data-id.
    expect(visibleRows().some((r) => r.classList.contains("skeleton"))).toBe(true);
    await settle();
    list.virtual.flush();
    const ids = visibleRows().map((r) => r.dataset.id);
    expect(ids).toContain("acc:r50000");
    expect(ids).not.toContain("acc:r0");
    const row = visibleRows().find((r) => r.dataset.id === "acc:r50000");
    expect(row?.style.transform).toBe(`translateY(${50_000 * ROW_HEIGHT}px)`);
    expect(row?.querySelector(".room-name")?.textContent).toBe("room 50000");
    expect(rowsInDom().length).toBeLessThanOrEqual(100);
    expect(mock.calls.some((c) => c.offset === 50_000)).toBe(true);
    expect(mock.calls.length).toBeLessThan(10);
  });

  it("reads the next page ahead of the scroll, and its arrival re-renders no row in sight", async () => {
    const list = mount();
    await settle();
    list.virtual.flush();
    // Rows 0–~20 are bound; page 1 (rows 100–199) is not needed yet.
    expect(mock.calls.map((c) => c.offset)).toEqual([0]);
    // Scrolled so the bound rows end past row 50: half a page ahead reaches page 1.
    list.listbox.scrollTop = 45 * ROW_HEIGHT;
    list.virtual.flush();
    const names = () => visibleRows().map((r) => r.querySelector(".room-name") as HTMLElement);
    const before = names();
    const writes = vi.fn();
    const observer = new MutationObserver((m) => writes(m.length));
    for (const n of before) observer.observe(n, { childList: true, characterData: true, subtree: true });
    await settle();
    list.virtual.flush();
    expect(mock.calls.map((c) => c.offset)).toEqual([0, 100]);
    await settle();
    observer.disconnect();
    expect(writes).not.toHaveBeenCalled();
    // Scrolling into page 1 shows its rows at once: no skeletons.
    list.listbox.scrollTop = 110 * ROW_HEIGHT;
    list.virtual.flush();
    expect(visibleRows().some((r) => r.classList.contains("skeleton"))).toBe(false);
    expect(visibleRows().map((r) => r.dataset.id)).toContain("acc:r115");
  });

  it("leaves no stale rows in the DOM when the result set shrinks", async () => {
    const list = mount();
    await settle();
    list.virtual.flush();
    expect(rowsInDom().length).toBeGreaterThan(10);
    vi.mocked(api.queryRooms).mockImplementationOnce(async (_q, offset) => ({ total: 2, offset, rows: [makeRow(7), makeRow(9)] }));
    list.setQuery({ ...defaultQuery(), search: "x" });
    await settle();
    list.virtual.flush();
    expect(rowsInDom().map((r) => r.dataset.id)).toEqual(["acc:r7", "acc:r9"]);
  });

  it("moves the selection with the keyboard and opens info on Enter", async () => {
    const list = mount();
    await settle();
    list.virtual.flush();
    const key = (k: string): void => {
      list.listbox.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
    };
    key("ArrowDown");
    key("ArrowDown");
    list.virtual.flush();
    const sel = rowsInDom().find((r) => r.getAttribute("aria-selected") === "true");
    expect(sel?.dataset.id).toBe("acc:r1");
    expect(list.listbox.getAttribute("aria-activedescendant")).toBe(sel?.id);
    key("Enter");
    expect(store.get().selectedId).toBe("acc:r1");
    expect(store.get().infoOpen).toBe(true);
    key("End");
    await settle();
    list.virtual.flush();
    await settle();
    list.virtual.flush();
    const last = rowsInDom().find((r) => r.getAttribute("aria-selected") === "true");
    expect(last?.dataset.id).toBe(`acc:r${TOTAL - 1}`);
  });

  it("renders badges, favorites and hostile strings as text", async () => {
    mock.rows.set(0, makeRow(0, { name: HOSTILE[0] ?? "", unread: 12, mentions: 2, favorite: true }));
    mock.rows.set(1, makeRow(1, { name: HOSTILE[1] ?? "", last_message: { text: HOSTILE[2] ?? "", author: HOSTILE[3] ?? "", at_ms: 1 } }));
    mock.rows.set(2, makeRow(2, { topic: HOSTILE[1] ?? "", last_message: null }));
    const list = mount();
    await settle();
    list.virtual.flush();
    const [r0, r1, r2] = visibleRows();
    expect(r0?.querySelector(".room-name")?.textContent).toBe(HOSTILE[0]);
    expect(r0?.querySelector(".badge-mention")?.textContent).toBe("@2");
    expect(r0?.querySelector(".badge-unread")?.textContent).toBe("12");
    expect(r0?.querySelector<HTMLElement>(".room-fav")?.hidden).toBe(false);
    expect(r1?.querySelector(".room-name")?.textContent).toBe(HOSTILE[1]);
    expect(r1?.querySelector(".room-preview")?.textContent).toBe(`${HOSTILE[3]}: ${HOSTILE[2]}`);
    expect(r1?.querySelector(".badge-unread")).toBeNull();
    expect(r2?.querySelector(".room-preview")?.textContent).toBe(HOSTILE[1]);
    // No element was created from any of those strings.
    expect(list.root.querySelector("script, svg[onload], img[onerror], b")).toBeNull();
    expect(list.root.querySelectorAll("img").length).toBe(0);
  });

  it("keeps scroll position and selection when rooms change", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const list = mount();
      await vi.runAllTimersAsync();
      list.listbox.scrollTop = 2_000 * ROW_HEIGHT;
      list.virtual.flush();
      await vi.runAllTimersAsync();
      list.virtual.flush();
      const target = visibleRows().find((r) => r.dataset.id === "acc:r2005");
      target?.click();
      expect(store.get().selectedId).toBe("acc:r2005");
      // The room moves to the top of the page it is on (new activity), names change.
      for (let i = 2000; i < 2100; i++) mock.rows.set(i, makeRow(i === 2000 ? 2005 : i === 2005 ? 2000 : i, { name: `renamed ${i}` }));
      const callsBefore = mock.calls.length;
      list.refresh();
      await vi.runAllTimersAsync();
      list.virtual.flush();
      expect(mock.calls.length).toBeGreaterThan(callsBefore);
      expect(list.listbox.scrollTop).toBe(2_000 * ROW_HEIGHT);
      const selected = rowsInDom().find((r) => r.getAttribute("aria-selected") === "true");
      expect(selected?.dataset.id).toBe("acc:r2005");
      expect(selected?.style.transform).toBe(`translateY(${2_000 * ROW_HEIGHT}px)`);
    } finally {
      vi.useRealTimers();
    }
  });
});
