import { describe, expect, it, vi } from "vitest";
import type { Account } from "../src/api";

vi.mock("../src/api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/api")>();
  return { ...actual, api: { setSetting: vi.fn(async () => null) } };
});

const { createAccountsSection } = await import("../src/accounts");
const { createFilterChips } = await import("../src/filters");
const { store } = await import("../src/state");

const base: Account = {
  id: "a1",
  family: "rocketchat",
  server_url: "https://chat.example.com",
  user_id: "u1",
  username: "ada",
  display_name: "<img src=x onerror=alert(1)>",
  auth: "password",
  color: "#e8384f",
  cert_pin: null,
  state: "ok",
  last_error: null,
  last_sync_ms: Date.now() - 60_000,
  offline_since_ms: null,
  created_ms: 0,
  room_count: 0,
};

describe("sidebar", () => {
  it("lists accounts with their state, a sign-in button when needed, and updates from the store", () => {
    document.body.replaceChildren(createAccountsSection(), createFilterChips());
    store.update({
      accounts: [base, { ...base, id: "a2", family: "virola", state: "needs_sign_in", display_name: "Virola" }],
    });
    const items = document.querySelectorAll<HTMLElement>("#accounts .account-item");
    expect(items.length).toBe(2);
    const a1 = document.querySelector('.account-item[data-account="a1"]');
    expect(a1?.getAttribute("data-state")).toBe("ok");
    expect(a1?.querySelector(".account-name")?.textContent).toBe("<img src=x onerror=alert(1)>");
    expect(a1?.querySelector("img")).toBeNull();
    expect(a1?.querySelector(".account-status")?.textContent).toBe("Up to date · 1 min ago");
    const a2 = document.querySelector('.account-item[data-account="a2"][data-state="needs_sign_in"]');
    expect(a2?.querySelector(".account-status")?.textContent).toBe("Needs sign-in");
    expect(a2?.querySelector(".sign-in-again")).not.toBeNull();
    expect(a1?.querySelector(".sign-in-again")).toBeNull();
    expect(document.querySelectorAll(".sign-in-again").length).toBe(1);

    store.update({ progress: new Map([["a1", { account: "a1", phase: "rooms", done: 1200, total: 10000 }]]) });
    expect(a1?.querySelector(".account-status")?.textContent).toBe("Syncing… 1,200/10,000");

    store.update({ accounts: [base] });
    expect(document.querySelectorAll("#accounts .account-item").length).toBe(1);
  });

  it("toggles filter chips with aria-pressed and edits the query", () => {
    document.body.replaceChildren(createFilterChips());
    store.update({ accounts: [base, { ...base, id: "a2", family: "swapchat" }] });
    const unread = document.querySelector<HTMLButtonElement>('[data-filter="unread"]');
    unread?.click();
    expect(store.get().query.unread_only).toBe(true);
    expect(unread?.getAttribute("aria-pressed")).toBe("true");
    document.querySelector<HTMLButtonElement>('[data-filter="archived"]')?.click();
    expect(store.get().query.archived).toBe("only");
    document.querySelector<HTMLButtonElement>('[data-filter="kind:collection"]')?.click();
    expect(store.get().query.kinds).toEqual(["collection"]);
    document.querySelector<HTMLButtonElement>('[data-filter="account:a2"]')?.click();
    expect(store.get().query.accounts).toEqual(["a2"]);
    expect(document.querySelector('[data-filter="kind:livechat"]')).not.toBeNull();
  });
});
