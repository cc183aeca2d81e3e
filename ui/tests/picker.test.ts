import { beforeEach, describe, expect, it, vi } from "vitest";
import type { PickerHit } from "../src/api";
import { HOSTILE, makeRow, settle } from "./helpers";

const mock = vi.hoisted(() => ({
  answers: new Map<string, { hits: PickerHit[]; delay: number }>(),
  calls: [] as string[],
  limits: [] as [string, number][],
}));

vi.mock("../src/api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/api")>();
  return {
    ...actual,
    api: {
      pick: vi.fn((q: string, limit: number) => {
        mock.calls.push(q);
        mock.limits.push([q, limit]);
        const a = mock.answers.get(q) ?? { hits: [], delay: 0 };
        return new Promise((resolve) => setTimeout(() => resolve(a.hits.slice(0, limit)), a.delay));
      }),
    },
  };
});

const { highlight, Picker, WARM_QUERIES } = await import("../src/picker");

const hit = (i: number, name: string, positions: number[] = []): PickerHit => ({ row: makeRow(i, { name }), score: 1, positions });
/** Fifty hits named "`prefix` 0" … "`prefix` 49". */
const many = (prefix: string): PickerHit[] => Array.from({ length: 50 }, (_, i) => hit(i + 1, `${prefix} ${i}`));

/** Opens `picker` with ten 48 px rows in sight; its list and input. */
async function openTenInSight(picker: InstanceType<typeof Picker>): Promise<{ list: HTMLElement; input: HTMLInputElement }> {
  picker.open();
  const list = document.getElementById("picker-list") as HTMLElement;
  Object.defineProperty(list, "clientHeight", { value: 480, configurable: true });
  await settle();
  return { list, input: document.getElementById("picker-input") as HTMLInputElement };
}

describe("highlight", () => {
  it("wraps matched characters in <mark> and keeps the rest as text", () => {
    const span = document.createElement("span");
    span.append(...highlight("design-team", [0, 1, 7, 8]));
    expect(span.textContent).toBe("design-team");
    expect(Array.from(span.querySelectorAll("mark.hl")).map((m) => m.textContent)).toEqual(["de", "te"]);
  });
  it("counts positions in code points (emoji, CJK) like the core does", () => {
    const span = document.createElement("span");
    span.append(...highlight("🚀 launch", [2, 3]));
    expect(span.querySelector("mark")?.textContent).toBe("la");
  });
  it("never turns a hostile name into elements", () => {
    const span = document.createElement("span");
    span.append(...highlight(HOSTILE[0] ?? "", [1, 2, 3]));
    expect(span.textContent).toBe(HOSTILE[0]);
    expect(span.querySelector("img")).toBeNull();
    expect(span.querySelectorAll("mark").length).toBe(1);
  });
});

describe("picker dialog", () => {
  beforeEach(() => {
    document.body.replaceChildren();
    mock.answers.clear();
    mock.calls.length = 0;
    mock.limits.length = 0;
  });

  it("queries on every keystroke, drops stale answers and picks with Enter", async () => {
    const picked: string[] = [];
    const picker = new Picker({ pickMode: false, onPick: (row) => picked.push(row.id) });
    mock.answers.set("", { hits: [hit(1, "recent one"), hit(2, "recent two")], delay: 0 });
    mock.answers.set("d", { hits: [hit(3, "dev")], delay: 30 });
    mock.answers.set("de", { hits: [hit(4, "design", [0, 1]), hit(5, "devops", [0, 1])], delay: 0 });
    picker.open();
    await settle();
    const dialog = document.getElementById("picker");
    expect(dialog?.getAttribute("role")).toBe("dialog");
    expect(dialog?.getAttribute("aria-modal")).toBe("true");
    expect(document.querySelectorAll(".picker-row").length).toBe(2);
    const input = document.getElementById("picker-input") as HTMLInputElement;
    expect(input.getAttribute("role")).toBe("combobox");
    input.value = "d";
    input.dispatchEvent(new Event("input"));
    input.value = "de";
    input.dispatchEvent(new Event("input"));
    expect(mock.calls).toEqual(["", "d", "de"]);
    await new Promise((r) => setTimeout(r, 60));
    // The slow answer for "d" arrived last but was dropped.
    const rows = Array.from(document.querySelectorAll<HTMLElement>(".picker-row"));
    expect(rows.map((r) => r.dataset.id)).toEqual(["acc:r4", "acc:r5"]);
    expect(rows[0]?.getAttribute("aria-selected")).toBe("true");
    expect(rows[0]?.querySelector("mark")?.textContent).toBe("de");
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(rows[1]?.getAttribute("aria-selected")).toBe("true");
    expect(input.getAttribute("aria-activedescendant")).toBe(rows[1]?.id);
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(picked).toEqual(["acc:r5"]);
    expect(document.getElementById("picker")).toBeNull();
  });

  it("keeps a row's name nodes when the same name and matches come back, and redraws them when they change", async () => {
    const picker = new Picker({ pickMode: false, onPick: () => undefined });
    mock.answers.set("", { hits: [hit(1, "design"), hit(2, "devops")], delay: 0 });
    mock.answers.set("d", { hits: [hit(1, "design", [0]), hit(2, "devops", [0])], delay: 0 });
    mock.answers.set("de", { hits: [hit(1, "design", [0, 1]), hit(2, "devops", [0])], delay: 0 });
    picker.open();
    await settle();
    const input = document.getElementById("picker-input") as HTMLInputElement;
    const type = async (q: string): Promise<void> => {
      input.value = q;
      input.dispatchEvent(new Event("input"));
      await new Promise((r) => setTimeout(r, 10));
    };
    await type("d");
    const names = () => Array.from(document.querySelectorAll<HTMLElement>(".picker-row .picker-name"));
    const marksBefore = names().map((n) => n.querySelector("mark"));
    await type("de");
    const marksAfter = names().map((n) => n.querySelector("mark"));
    expect(marksAfter[0]).not.toBe(marksBefore[0]);
    expect(marksAfter[0]?.textContent).toBe("de");
    // Same room, same name, same matched letters: the very same nodes.
    expect(marksAfter[1]).toBe(marksBefore[1]);
    expect(marksAfter[1]?.textContent).toBe("d");
    picker.close();
  });

  it("fills only the options in sight, and the others as they come into sight", async () => {
    const picker = new Picker({ pickMode: false, onPick: () => undefined });
    mock.answers.set("", { hits: many("first"), delay: 0 });
    mock.answers.set("s", { hits: many("second"), delay: 0 });
    const { list, input } = await openTenInSight(picker);
    input.value = "s";
    input.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 10));
    // The options in sight and two more came with the keystroke; the rest when the list is
    // scrolled (already within three rows of the end of those twelve).
    list.dispatchEvent(new Event("scroll"));
    await new Promise((r) => setTimeout(r, 10));
    const names = () => Array.from(document.querySelectorAll<HTMLElement>(".picker-row .picker-name")).map((n) => n.textContent);
    expect(names().length).toBe(50);
    expect(names().slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `second ${i}`));
    // The row just below the edge waits for the scroll that brings it in.
    expect(names()[10]).not.toBe("second 10");
    // Out of sight: still the last answer's (or nothing); never laid out with new content. But
    // every option says which room it is.
    expect(names()[30]).not.toBe("second 30");
    const option30 = document.querySelectorAll<HTMLElement>(".picker-row")[30];
    expect(option30?.dataset.id).toBe("acc:r31");
    expect(option30?.getAttribute("aria-label")).toMatch(/^second 30, /);
    list.scrollTop = 30 * 48;
    list.dispatchEvent(new Event("scroll"));
    expect(names()[30]).toBe("second 30");
    // The keyboard brings rows into sight and fills them in the same step.
    list.scrollTop = 0;
    for (let i = 0; i < 45; i++) input.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    const active = document.querySelector<HTMLElement>(".picker-row[aria-selected=true] .picker-name");
    expect(active?.textContent).toBe("second 45");
    picker.close();
  });

  it("asks for the options in sight with each keystroke, and for the rest only when scrolling needs them", async () => {
    const picker = new Picker({ pickMode: false, onPick: () => undefined });
    for (const q of ["", "s", "se"]) mock.answers.set(q, { hits: many(q || "recent"), delay: 0 });
    const { list, input } = await openTenInSight(picker);
    const rows = () => document.querySelectorAll(".picker-row").length;
    // Ten rows in sight: twelve asked for, twelve options.
    expect(mock.limits).toEqual([["", 12]]);
    expect(rows()).toBe(12);
    const type = (q: string): void => {
      input.value = q;
      input.dispatchEvent(new Event("input"));
    };
    type("s");
    await new Promise((r) => setTimeout(r, 10));
    type("se");
    await new Promise((r) => setTimeout(r, 100));
    // Typing, and pausing, never asks for more than the list shows.
    expect(mock.limits).toEqual([["", 12], ["s", 12], ["se", 12]]);
    expect(rows()).toBe(12);
    // Scrolling within sight of the end does: the rest of the answer shown, the options shown
    // kept as they were.
    const first = document.querySelector(".picker-row .picker-name");
    list.scrollTop = 48;
    list.dispatchEvent(new Event("scroll"));
    await new Promise((r) => setTimeout(r, 10));
    expect(mock.limits.slice(3)).toEqual([["se", 50]]);
    expect(rows()).toBe(50);
    expect(document.querySelector(".picker-row .picker-name")).toBe(first);
    expect(document.querySelectorAll<HTMLElement>(".picker-row")[49]?.dataset.id).toBe("acc:r50");
    picker.close();
  });

  it("asks for the rest when the keyboard nears the end, and never wraps short of it", async () => {
    const picker = new Picker({ pickMode: false, onPick: () => undefined });
    mock.answers.set("", { hits: many("recent"), delay: 0 });
    mock.answers.set("x", { hits: many("x"), delay: 20 });
    const { list, input } = await openTenInSight(picker);
    const key = (k: string): void => {
      input.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
    };
    const active = (): string | null | undefined =>
      document.querySelector<HTMLElement>(".picker-row[aria-selected=true] .picker-name")?.textContent;
    input.value = "x";
    input.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 30));
    expect(mock.limits.at(-1)).toEqual(["x", 12]);
    // Nine steps down: three from the end of the twelve, the rest is asked for now.
    for (let i = 0; i < 9; i++) key("ArrowDown");
    expect(mock.limits.at(-1)).toEqual(["x", 50]);
    // While it is on its way, Down stops at the last option loaded instead of wrapping to the top.
    for (let i = 0; i < 5; i++) key("ArrowDown");
    expect(active()).toBe("x 11");
    // When it comes, the move it held back is made.
    await new Promise((r) => setTimeout(r, 30));
    expect(active()).toBe("x 12");
    key("ArrowDown");
    expect(active()).toBe("x 13");
    // Up on the first option while the rest is missing goes to the real last one once it comes.
    input.value = "";
    input.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 5));
    expect(document.querySelectorAll(".picker-row")).toHaveLength(12);
    key("ArrowUp");
    await new Promise((r) => setTimeout(r, 5));
    expect(active()).toBe("recent 49");
    // Scrolling near the end of the options loaded asks for the rest at once, too.
    input.value = "x";
    input.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 30));
    const asked = mock.limits.length;
    list.scrollTop = 3 * 48;
    list.dispatchEvent(new Event("scroll"));
    expect(mock.limits.slice(asked)).toEqual([["x", 50]]);
    picker.close();
  });

  it("lets a moving pointer take the active option, not a list scrolled under a resting one", async () => {
    const picker = new Picker({ pickMode: false, onPick: () => undefined });
    mock.answers.set("", { hits: Array.from({ length: 5 }, (_, i) => hit(i + 1, `room ${i}`)), delay: 0 });
    picker.open();
    await settle();
    const input = document.getElementById("picker-input") as HTMLInputElement;
    const rows = Array.from(document.querySelectorAll<HTMLElement>(".picker-row"));
    const active = (): string | null | undefined =>
      document.querySelector<HTMLElement>(".picker-row[aria-selected=true] .picker-name")?.textContent;
    const move = (row: HTMLElement | undefined, x: number, y: number, movement = 1): void => {
      row?.dispatchEvent(new MouseEvent("mousemove", { bubbles: true, screenX: x, screenY: y, movementX: movement, movementY: 0 }));
    };
    move(rows[2], 100, 200);
    expect(active()).toBe("room 2");
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(active()).toBe("room 3");
    // The list moved under the pointer (another option now under it), the pointer did not.
    move(rows[1], 100, 200);
    move(rows[1], 100, 200, 0);
    expect(active()).toBe("room 3");
    // WebKit's event for a scroll under a pointer it has not seen yet: no movement.
    const fresh = new Picker({ pickMode: false, onPick: () => undefined });
    picker.close();
    fresh.open();
    await settle();
    const freshRows = Array.from(document.querySelectorAll<HTMLElement>(".picker-row"));
    move(freshRows[3], 300, 300, 0);
    expect(active()).toBe("room 0");
    // A real move does.
    move(freshRows[3], 302, 300, 2);
    expect(active()).toBe("room 3");
    fresh.close();
  });

  it("closes on Escape and records a timing per keystroke", async () => {
    const picker = new Picker({ pickMode: false, onPick: () => undefined });
    picker.open();
    await settle();
    const input = document.getElementById("picker-input") as HTMLInputElement;
    const before = window.__roomdeck?.pickerTimings.length ?? 0;
    input.value = "x";
    input.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 50));
    expect(window.__roomdeck?.pickerTimings.length).toBe(before + 1);
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(document.getElementById("picker")).toBeNull();
    expect(picker.isOpen).toBe(false);
  });

  it("the first time it opens, a hidden twin answers the warm-up queries; the picker itself is untouched", async () => {
    const pictured = (i: number, name: string): PickerHit => ({ row: makeRow(i, { name, has_avatar: true }), score: 1, positions: [0] });
    mock.answers.set("", { hits: [pictured(1, "recent one"), pictured(2, "recent two")], delay: 0 });
    for (const q of WARM_QUERIES) mock.answers.set(q, { hits: [pictured(20, `warm ${q}`), pictured(21, "other")], delay: 5 });
    const picker = new Picker({ pickMode: false, onPick: () => undefined, warmUp: true });
    const timings = window.__roomdeck?.pickerTimings.length ?? 0;
    picker.open();
    // Once the twin's first answer is in (it has asked its second query).
    for (let i = 0; i < 100 && !mock.calls.includes(WARM_QUERIES[1] ?? ""); i++) await new Promise((r) => setTimeout(r, 2));
    // The twin: hidden, inert, no ids of its own, its options filled without pictures.
    const host = document.querySelector<HTMLElement>(".picker-warm");
    expect(host?.getAttribute("aria-hidden")).toBe("true");
    expect(host?.hasAttribute("inert")).toBe(true);
    expect(host?.querySelector("[id]")).toBeNull();
    const names = Array.from(host?.querySelectorAll(".picker-name") ?? []).map((n) => n.textContent);
    expect(names).toContain("other");
    expect(host?.querySelector("img")).toBeNull();
    expect(document.querySelectorAll("#picker-input").length).toBe(1);
    await new Promise((r) => setTimeout(r, 150));
    expect(mock.calls).toEqual(["", ...WARM_QUERIES]);
    expect(document.querySelector(".picker-warm")).toBeNull();
    // The picker shows its own answer, with pictures; the twin's queries were not timed.
    const rows = Array.from(document.querySelectorAll<HTMLElement>("#picker .picker-row"));
    expect(rows.map((r) => r.dataset.id)).toEqual(["acc:r1", "acc:r2"]);
    expect(rows.every((r) => r.querySelector("img.avatar"))).toBe(true);
    expect(window.__roomdeck?.pickerTimings.length).toBe(timings);
    // Once per session.
    picker.close();
    picker.open();
    await new Promise((r) => setTimeout(r, 50));
    expect(mock.calls).toEqual(["", ...WARM_QUERIES, ""]);
    picker.close();
  });

  it("stops warming the twin as soon as something is typed, or the picker closes", async () => {
    for (const q of WARM_QUERIES) mock.answers.set(q, { hits: [hit(20, `warm ${q}`)], delay: 10 });
    const typed = new Picker({ pickMode: false, onPick: () => undefined, warmUp: true });
    typed.open();
    await new Promise((r) => setTimeout(r, 5));
    const input = document.getElementById("picker-input") as HTMLInputElement;
    input.value = "x";
    input.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 60));
    // The twin's first query was in flight; nothing after it was asked.
    expect(mock.calls).toEqual(["", WARM_QUERIES[0], "x"]);
    expect(document.querySelector(".picker-warm")).toBeNull();
    typed.close();
    mock.calls.length = 0;
    const closed = new Picker({ pickMode: false, onPick: () => undefined, warmUp: true });
    closed.open();
    await new Promise((r) => setTimeout(r, 5));
    closed.close();
    await new Promise((r) => setTimeout(r, 60));
    expect(mock.calls).toEqual(["", WARM_QUERIES[0]]);
    expect(document.querySelector(".picker-warm")).toBeNull();
  });

  it("in pick mode Escape cancels instead of closing", async () => {
    let cancelled = 0;
    const picker = new Picker({ pickMode: true, onPick: () => undefined, onCancel: () => cancelled++ });
    picker.open();
    await settle();
    document.getElementById("picker-input")?.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(cancelled).toBe(1);
  });
});
