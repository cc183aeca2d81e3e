import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Member, RoomInfo } from "../src/api";
import { HOSTILE, makeRow, settle } from "./helpers";

const mock = vi.hoisted(() => ({
  cached: null as RoomInfo | null,
  fresh: null as RoomInfo | null,
  copied: [] as string[],
}));

vi.mock("../src/api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/api")>();
  return {
    ...actual,
    api: {
      roomInfo: vi.fn(async () => mock.cached),
      refreshRoom: vi.fn(() => new Promise((r) => setTimeout(() => r(mock.fresh), 20))),
      copyText: vi.fn(async (t: string) => {
        mock.copied.push(t);
        return null;
      }),
      openInBrowser: vi.fn(async () => null),
    },
  };
});

const { InfoPanel } = await import("../src/infopanel");
const { statusRegion } = await import("../src/status");

function members(n: number): Member[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `u${i}`,
    username: i === 0 ? HOSTILE[1] ?? null : `user${i}`,
    display_name: i === 0 ? HOSTILE[0] ?? "" : `User ${i}`,
    status: ["online", "away", "busy", "offline"][i % 4] ?? null,
    role: i === 1 ? "owner" : null,
    has_avatar: false,
    avatar_version: null,
  }));
}

function info(over: Partial<RoomInfo> = {}): RoomInfo {
  return {
    ...makeRow(7, { name: HOSTILE[0] ?? "", topic: HOSTILE[1] ?? "", kind: "livechat" }),
    description: HOSTILE[2] ?? null,
    creator: "ada",
    created_ms: 1_600_000_000_000,
    server_url: "https://chat.example.com",
    web_url: "https://chat.example.com/live/r7",
    members: members(3),
    members_complete: true,
    members_synced_ms: null,
    members_note: null,
    details: {
      family: "rocketchat",
      handle: "r7",
      team_main: false,
      team_id: null,
      parent_id: null,
      read_only: true,
      encrypted: false,
      broadcast: false,
      announcement: HOSTILE[3] ?? null,
      livechat: {
        visitor_name: "Visitor <b>V</b>",
        visitor_username: "guest-1",
        visitor_status: "online",
        source: "widget",
        agent: "Agent A",
        department: "Sales",
        open: false,
        on_hold: false,
        waiting_response: false,
        tags: ["<i>vip</i>", "refund"],
        closed_ms: 1_700_000_000_000,
        closer: "agent",
        first_response_s: 65,
        avg_response_s: 125,
        responses: 4,
        duration_s: 3720,
      },
    },
    ...over,
  };
}

function mount(): InstanceType<typeof InfoPanel> {
  document.body.replaceChildren(statusRegion());
  const panel = new InfoPanel(() => undefined);
  panel.el.hidden = false;
  document.body.append(panel.el);
  return panel;
}

describe("info panel", () => {
  beforeEach(() => {
    mock.copied.length = 0;
  });

  it("shows cached info at once, then fresh members, all as text", async () => {
    mock.cached = info({ members: members(2), members_complete: false });
    mock.fresh = info({ members: members(3000) });
    const panel = mount();
    panel.show("acc:r7");
    await settle(2);
    const el = panel.el;
    expect(el.querySelector(".info-name")?.textContent).toBe(HOSTILE[0]);
    expect(el.querySelector(".info-topic")?.textContent).toBe(HOSTILE[1]);
    expect(el.querySelector(".info-kind")?.textContent).toContain("Livechat");
    expect(el.querySelector(".refreshing")).not.toBeNull();
    await new Promise((r) => setTimeout(r, 40));
    expect(el.querySelector(".refreshing")).toBeNull();
    // Thousands of members, a bounded number of elements.
    const rows = el.querySelectorAll(".info-members .member-row");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(80);
    const first = el.querySelector<HTMLElement>('.member-row[data-id="u0"]');
    expect(first?.querySelector(".member-name")?.textContent).toBe(HOSTILE[0]);
    expect(first?.querySelector(".member-username")?.textContent).toBe(`@${HOSTILE[1]}`);
    expect(el.querySelector('.member-row[data-id="u1"] .member-role')?.textContent).toBe("owner");
    expect(el.querySelector('.member-row[data-id="u1"] .presence')?.getAttribute("aria-label")).toBe("Away");
    // Livechat details, durations in words.
    const fam = el.querySelector(".family-section");
    expect(fam?.textContent).toContain("1 min 5 s");
    expect(fam?.textContent).toContain("2 min 5 s");
    expect(fam?.textContent).toContain("1 h 2 min");
    expect(fam?.textContent).toContain("Closed");
    expect(fam?.textContent).toContain("<i>vip</i>");
    // Nothing hostile became markup.
    expect(el.querySelector("script, b, i, svg[onload], img[onerror], img")).toBeNull();
  });

  it("copies the id, hides 'Open in browser' without a web address and shows the members note", async () => {
    mock.cached = info({ web_url: null, members: [], members_note: "Virola servers do not list room members." });
    mock.fresh = mock.cached;
    const panel = mount();
    panel.show("acc:r7");
    await new Promise((r) => setTimeout(r, 40));
    expect(panel.el.querySelector("#open-browser")).toBeNull();
    expect(panel.el.querySelector(".members-note")?.textContent).toBe("Virola servers do not list room members.");
    panel.el.querySelector<HTMLButtonElement>("#copy-id")?.click();
    await settle();
    expect(mock.copied).toEqual(["acc:r7"]);
    expect(document.getElementById("status")?.textContent).toBe("Copied");
  });

  it("shows SwapChat and Virola sections", async () => {
    mock.cached = info({
      family: "swapchat",
      kind: "collection",
      details: {
        family: "swapchat",
        collection_name: "Pudgy Penguins",
        collection_slug: "pudgy-penguins",
        collection_cover: "x",
        space_id: null,
        space_title: null,
      },
    });
    mock.fresh = mock.cached;
    const panel = mount();
    panel.show("acc:r7");
    await new Promise((r) => setTimeout(r, 40));
    expect(panel.el.querySelector(".family-section")?.textContent).toContain("pudgy-penguins");
    mock.cached = info({ family: "virola", details: { family: "virola", room_type: "public room", moderator: true, pinned: false, last_message_id: 1 } });
    mock.fresh = mock.cached;
    panel.show("acc:r8");
    await new Promise((r) => setTimeout(r, 40));
    expect(panel.el.querySelector(".family-section")?.textContent).toContain("public room");
  });
});
