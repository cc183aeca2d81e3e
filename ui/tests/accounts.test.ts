import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Account, SignInRequest } from "../src/api";
import { settle } from "./helpers";

const mock = vi.hoisted(() => ({
  requests: [] as SignInRequest[],
  answers: [] as (() => unknown)[],
}));

vi.mock("../src/api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/api")>();
  const answer = (req: SignInRequest): Promise<unknown> => {
    mock.requests.push(req);
    const next = mock.answers.shift();
    try {
      return Promise.resolve(next ? next() : null);
    } catch (e) {
      return Promise.reject(e);
    }
  };
  return {
    ...actual,
    api: {
      addAccount: vi.fn(answer),
      signInAgain: vi.fn((_id: string, req: SignInRequest) => answer(req)),
    },
  };
});

const { ApiError } = await import("../src/api");
const { accountStatusText, openAccountDialog } = await import("../src/accounts");

const fail = (code: string, message: string, field: string | null = null, fingerprint: string | null = null) => () => {
  throw new ApiError({ code, message, field, fingerprint });
};

const account: Account = {
  id: "a1",
  family: "rocketchat",
  server_url: "https://chat.example.com",
  user_id: "u1",
  username: "ada",
  display_name: "Ada",
  auth: "password",
  color: "#e8384f",
  cert_pin: null,
  state: "ok",
  last_error: null,
  last_sync_ms: null,
  offline_since_ms: null,
  created_ms: 0,
  room_count: 0,
};

function fill(name: string, value: string): void {
  const input = document.querySelector<HTMLInputElement>(`#account-dialog input[name="${name}"]`);
  if (!input) throw new Error(`no input ${name}`);
  input.value = value;
  input.dispatchEvent(new Event("input"));
}

function submit(): void {
  document.querySelector<HTMLFormElement>("#account-dialog form")?.dispatchEvent(new Event("submit", { cancelable: true }));
}

describe("add-account dialog", () => {
  beforeEach(() => {
    document.body.replaceChildren();
    mock.requests.length = 0;
    mock.answers.length = 0;
  });

  it("shows a field error next to the field the core named", async () => {
    openAccountDialog({});
    fill("server_url", "https://chat.example.com");
    fill("user", "ada");
    fill("password", "nope");
    mock.answers.push(fail("unauthorized", "Wrong username or password.", "password"));
    submit();
    await settle();
    expect(mock.requests[0]).toMatchObject({ family: "rocketchat", method: "password", user: "ada", password: "nope", code: null });
    const err = document.querySelector('.field-error[data-field="password"]');
    expect(err?.textContent).toContain("Wrong username or password.");
    const input = document.querySelector<HTMLInputElement>('input[name="password"]');
    expect(input?.getAttribute("aria-invalid")).toBe("true");
    expect(input?.getAttribute("aria-describedby")).toContain(err?.id ?? "none");
    // Next to its field: inside the same .field wrapper.
    expect(err?.closest(".field")?.contains(input ?? null)).toBe(true);
    expect(document.querySelector(".form-error")).toBeNull();
  });

  it("checks required fields before asking the server", async () => {
    openAccountDialog({});
    submit();
    await settle();
    expect(mock.requests.length).toBe(0);
    expect(document.querySelector('.field-error[data-field="server_url"]')).not.toBeNull();
    expect(document.querySelector('.field-error[data-field="user"]')).not.toBeNull();
  });

  it("shows a form-level alert for errors without a field", async () => {
    openAccountDialog({});
    fill("server_url", "https://chat.example.com");
    fill("user", "ada");
    fill("password", "pw");
    mock.answers.push(fail("server", "The server is having a bad day."));
    submit();
    await settle();
    const alert = document.querySelector(".form-error");
    expect(alert?.getAttribute("role")).toBe("alert");
    expect(alert?.textContent).toContain("bad day");
  });

  it("asks for the second factor, then resubmits with the code", async () => {
    openAccountDialog({});
    fill("server_url", "https://chat.example.com");
    fill("user", "ada");
    fill("password", "pw");
    mock.answers.push(fail("needs_second_factor", "Enter the code from your app."));
    submit();
    await settle();
    const code = document.querySelector<HTMLInputElement>('input[name="code"]');
    expect(code).not.toBeNull();
    expect(document.activeElement).toBe(code);
    expect(document.body.textContent).toContain("Enter the code from your app.");
    fill("code", "123456");
    mock.answers.push(() => account);
    submit();
    await settle();
    expect(mock.requests[1]).toMatchObject({ user: "ada", password: "pw", code: "123456" });
    expect(document.getElementById("account-dialog")).toBeNull();
  });

  it("shows the certificate fingerprint and pins it when trusted", async () => {
    const fp = "AB:CD:EF:01:23";
    openAccountDialog({});
    document.querySelector<HTMLButtonElement>('[data-family="swapchat"]')?.click();
    expect(document.querySelector('[data-method="wallet"]')?.getAttribute("aria-selected")).toBe("true");
    fill("server_url", "https://self-signed.example.com");
    fill("wallet_key", "ab".repeat(32));
    mock.answers.push(fail("untrusted_certificate", "Self-signed.", null, fp));
    submit();
    await settle();
    expect(document.getElementById("cert-prompt")?.textContent).toContain("Trust this certificate?");
    expect(document.getElementById("cert-fingerprint")?.textContent).toBe(fp);
    mock.answers.push(() => ({ ...account, family: "swapchat" }));
    document.getElementById("cert-trust")?.click();
    await settle();
    expect(mock.requests[1]).toMatchObject({ family: "swapchat", method: "wallet", cert_pin: fp, wallet_key: "ab".repeat(32) });
  });

  it("warns about a changed certificate without offering to trust it", async () => {
    openAccountDialog({});
    fill("server_url", "https://chat.example.com");
    fill("user", "ada");
    fill("password", "pw");
    mock.answers.push(fail("certificate_changed", "Fingerprint differs."));
    submit();
    await settle();
    expect(document.querySelector(".form-error")?.textContent).toContain("certificate has changed");
    expect(document.getElementById("cert-trust")).toBeNull();
  });

  it("renders hostile server strings in errors as text", async () => {
    openAccountDialog({});
    fill("server_url", "https://chat.example.com");
    fill("user", "ada");
    fill("password", "pw");
    mock.answers.push(fail("server", "<img src=x onerror=alert(1)>", "user"));
    submit();
    await settle();
    expect(document.querySelector('.field-error[data-field="user"]')?.textContent).toContain("<img src=x onerror=alert(1)>");
    expect(document.querySelector("#account-dialog img")).toBeNull();
  });

  it("signs in again with family and server fixed", async () => {
    openAccountDialog({ reauth: { ...account, state: "needs_sign_in" } });
    expect(document.querySelector("[data-family]")).toBeNull();
    const url = document.querySelector<HTMLInputElement>('input[name="server_url"]');
    expect(url?.value).toBe("https://chat.example.com");
    expect(url?.readOnly).toBe(true);
    fill("password", "pw");
    mock.answers.push(() => account);
    submit();
    await settle();
    expect(mock.requests[0]).toMatchObject({ family: "rocketchat", server_url: "https://chat.example.com", user: "ada" });
  });

  it("closes on Escape and traps Tab inside", async () => {
    openAccountDialog({});
    await settle();
    const dialog = document.getElementById("account-dialog");
    expect(dialog?.getAttribute("aria-modal")).toBe("true");
    expect(dialog?.contains(document.activeElement)).toBe(true);
    document.activeElement?.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(document.getElementById("account-dialog")).toBeNull();
  });
});

describe("account status line", () => {
  const now = new Date(2024, 2, 13, 15, 0).getTime();
  it("tells progress, freshness, offline and sign-in states in words", () => {
    expect(accountStatusText(account, { account: "a1", phase: "rooms", done: 1200, total: 10000 }, now)).toBe("Syncing… 1,200/10,000");
    expect(accountStatusText({ ...account, last_sync_ms: now - 120_000 }, undefined, now)).toBe("Up to date · 2 min ago");
    expect(accountStatusText({ ...account, state: "offline", offline_since_ms: new Date(2024, 2, 13, 10, 42).getTime() }, undefined, now)).toBe(
      "Offline since 10:42 — showing cached rooms",
    );
    expect(accountStatusText({ ...account, state: "needs_sign_in" }, undefined, now)).toBe("Needs sign-in");
    expect(accountStatusText({ ...account, state: "error", last_error: { code: "x", message: "503" } }, undefined, now)).toBe("Sync failed: 503");
  });
});
