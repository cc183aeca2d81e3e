/**
 * Accounts: the sidebar list (colour badge, family, live status line, actions menu) and the
 * sign-in dialog shared by "Add account" and "Sign in again" — family cards, method tabs,
 * field-level errors from the core (`ApiError.field`), the 2FA step and certificate pinning.
 */
import { api, ApiError, type Account, type Family, type LoginMethod, type SignInRequest, type SyncProgress } from "./api";
import { confirmDialog, openModal, type Modal } from "./dialog";
import { h, setAttr, setBackground, setText, uid } from "./dom";
import { agoText, formatClock, formatNumber, hostOf } from "./format";
import { icon, type IconName } from "./icons";
import { accountLabel, FAMILY_LABEL, store } from "./state";
import { announce } from "./status";

// ---------------------------------------------------------------------------------------------
// Status line

/** The human status line of an account: what it is doing or how fresh its rooms are. */
export function accountStatusText(a: Account, p: SyncProgress | undefined, now: number = Date.now()): string {
  if (p && p.phase !== "done") {
    if (p.phase === "signing_in") return "Signing in…";
    const label = p.phase === "avatars" ? "Fetching pictures…" : p.phase === "livechat" ? "Syncing livechat…" : "Syncing…";
    const n =
      p.total !== null && p.total > 0 ? `${formatNumber(p.done)}/${formatNumber(p.total)}` : p.done > 0 ? formatNumber(p.done) : "";
    return n ? `${label} ${n}` : label;
  }
  switch (a.state) {
    case "ok":
      return a.last_sync_ms ? `Up to date · ${agoText(a.last_sync_ms, now)}` : "Waiting for the first sync";
    case "offline":
      return a.offline_since_ms
        ? `Offline since ${formatClock(a.offline_since_ms, now)} — showing cached rooms`
        : "Offline — showing cached rooms";
    case "needs_sign_in":
      return "Needs sign-in";
    case "error":
      return a.last_error ? `Sync failed: ${a.last_error.message}` : "Sync failed";
  }
  return "";
}

const STATE_ICON: Record<Account["state"], IconName | null> = {
  ok: null,
  offline: "offline",
  error: "warning",
  needs_sign_in: "key",
};

export function upsertAccount(a: Account): void {
  store.update((s) => {
    const i = s.accounts.findIndex((x) => x.id === a.id);
    const accounts = i >= 0 ? s.accounts.map((x) => (x.id === a.id ? a : x)) : [...s.accounts, a];
    return { accounts };
  });
}

export function dropAccount(id: string): void {
  store.update((s) => {
    const progress = new Map(s.progress);
    progress.delete(id);
    return {
      accounts: s.accounts.filter((a) => a.id !== id),
      progress,
      query: s.query.accounts.includes(id) ? { ...s.query, accounts: s.query.accounts.filter((x) => x !== id) } : s.query,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Sidebar list

interface ItemParts {
  el: HTMLElement;
  name: HTMLElement;
  meta: HTMLElement;
  status: HTMLElement;
  statusIcon: HTMLElement;
  statusText: HTMLElement;
  progress: HTMLElement;
  fill: HTMLElement;
  signIn: HTMLButtonElement;
  badge: HTMLElement;
  menuBtn: HTMLButtonElement;
  stateIcon: string;
}

let openMenu: { el: HTMLElement; button: HTMLButtonElement } | null = null;

function closeMenu(focusButton = false): void {
  if (!openMenu) return;
  const { el, button } = openMenu;
  openMenu = null;
  el.remove();
  button.setAttribute("aria-expanded", "false");
  if (focusButton) button.focus();
}

function showMenu(account: Account, button: HTMLButtonElement): void {
  if (openMenu?.button === button) {
    closeMenu();
    return;
  }
  closeMenu();
  const item = (label: string, ic: IconName, action: () => void, cls = ""): HTMLButtonElement =>
    h(
      "button",
      {
        type: "button",
        role: "menuitem",
        class: `menu-item ${cls}`.trim(),
        tabindex: "-1",
        onclick: () => {
          closeMenu(true);
          action();
        },
      },
      icon(ic),
      label,
    );
  const items = [
    item("Sync now", "sync", () => void syncAccount(account.id), "menu-sync"),
    item("Sign in again…", "key", () => openAccountDialog({ reauth: account }), "menu-reauth"),
    item("Sign out", "close", () => void signOut(account), "menu-signout"),
    item("Remove…", "warning", () => void removeAccount(account), "menu-remove danger"),
  ];
  const menu = h("div", { class: "menu", role: "menu", "aria-label": `Actions for ${accountLabel(account)}` }, ...items);
  menu.addEventListener("keydown", (e) => {
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "ArrowDown") items[(i + 1) % items.length]?.focus();
    else if (e.key === "ArrowUp") items[(i - 1 + items.length) % items.length]?.focus();
    else if (e.key === "Home") items[0]?.focus();
    else if (e.key === "End") items[items.length - 1]?.focus();
    else if (e.key === "Escape") closeMenu(true);
    else if (e.key === "Tab") closeMenu();
    else return;
    e.preventDefault();
    e.stopPropagation();
  });
  button.after(menu);
  button.setAttribute("aria-expanded", "true");
  openMenu = { el: menu, button };
  items[0]?.focus();
}

document.addEventListener("mousedown", (e) => {
  if (openMenu && !openMenu.el.contains(e.target as Node) && e.target !== openMenu.button) closeMenu();
});

async function syncAccount(id: string): Promise<void> {
  const a = store.get().accounts.find((x) => x.id === id);
  announce(`Syncing ${a ? accountLabel(a) : "account"}…`);
  try {
    const reports = await api.syncNow(id);
    const err = reports.find((r) => r.error)?.error;
    if (err) announce(`Sync failed: ${err.message}`, "error");
    else announce(`${a ? accountLabel(a) : "Account"} is up to date`);
  } catch (e) {
    announce(`Sync failed: ${(e as ApiError).message}`, "error");
  }
}

async function signOut(a: Account): Promise<void> {
  try {
    upsertAccount(await api.signOut(a.id));
    announce(`Signed out of ${hostOf(a.server_url)}`);
  } catch (e) {
    announce((e as ApiError).message, "error");
  }
}

async function removeAccount(a: Account): Promise<void> {
  const ok = await confirmDialog({
    title: `Remove ${accountLabel(a)}?`,
    body: `Roomdeck forgets ${hostOf(a.server_url)}: its cached rooms, members and pictures and the saved sign-in in your system keyring. Nothing is deleted on the server.`,
    confirm: "Remove account",
    danger: true,
  });
  if (!ok) return;
  try {
    await api.removeAccount(a.id);
    dropAccount(a.id);
    if (store.get().selectedId?.startsWith(`${a.id}:`)) store.update({ selectedId: null, infoOpen: false });
    announce(`Removed ${accountLabel(a)}`);
  } catch (e) {
    announce((e as ApiError).message, "error");
  }
}

function createItem(): ItemParts {
  const badge = h("span", { class: "account-badge", "aria-hidden": "true" });
  const name = h("span", { class: "account-name" });
  const meta = h("span", { class: "account-meta" });
  const statusIcon = h("span", { class: "account-status-icon" });
  const statusText = h("span", { class: "account-status-text" });
  const status = h("span", { class: "account-status" }, statusIcon, statusText);
  const fill = h("span", { class: "progress-fill" });
  const progress = h("span", { class: "progress", role: "progressbar", "aria-label": "Sync progress", hidden: true }, fill);
  const signIn = h("button", { type: "button", class: "btn btn-small btn-primary sign-in-again" }, "Sign in");
  const menuBtn = h(
    "button",
    { type: "button", class: "icon-btn account-menu-btn", "aria-haspopup": "menu", "aria-expanded": "false" },
    icon("more"),
  );
  const el = h(
    "li",
    { class: "account-item" },
    badge,
    h("div", { class: "account-text" }, name, meta, status, progress),
    menuBtn,
  );
  const parts: ItemParts = { el, name, meta, status, statusIcon, statusText, progress, fill, signIn, badge, menuBtn, stateIcon: "" };
  signIn.addEventListener("click", () => {
    const cur = store.get().accounts.find((x) => x.id === el.dataset.account);
    if (cur) openAccountDialog({ reauth: cur });
  });
  menuBtn.addEventListener("click", () => {
    const cur = store.get().accounts.find((x) => x.id === el.dataset.account);
    if (cur) showMenu(cur, menuBtn);
  });
  return parts;
}

function renderItem(p: ItemParts, a: Account, prog: SyncProgress | undefined, now: number): void {
  p.el.dataset.account = a.id;
  p.el.dataset.state = a.state;
  p.el.dataset.syncing = prog && prog.phase !== "done" ? "true" : "false";
  setBackground(p.badge, a.color);
  setText(p.badge, FAMILY_LABEL[a.family].charAt(0));
  setText(p.name, accountLabel(a));
  p.name.title = a.server_url;
  setText(p.meta, `${FAMILY_LABEL[a.family]} · ${hostOf(a.server_url)}`);
  setText(p.statusText, accountStatusText(a, prog, now));
  const ic = prog && prog.phase !== "done" ? "sync" : (STATE_ICON[a.state] ?? "");
  if (ic !== p.stateIcon) {
    p.stateIcon = ic;
    p.statusIcon.replaceChildren(...(ic ? [icon(ic as IconName)] : []));
  }
  const syncing = !!prog && prog.phase !== "done";
  p.progress.hidden = !syncing;
  if (syncing) {
    const frac = prog.total ? Math.min(1, prog.done / prog.total) : 0;
    p.progress.classList.toggle("indeterminate", !prog.total);
    p.fill.style.transform = `scaleX(${prog.total ? frac : 0.3})`;
    setAttr(p.progress, "aria-valuenow", prog.total ? String(Math.round(frac * 100)) : null);
    setAttr(p.progress, "aria-valuemin", "0");
    setAttr(p.progress, "aria-valuemax", "100");
  }
  // Only accounts that need it have the button at all.
  const needs = a.state === "needs_sign_in";
  if (needs && !p.signIn.isConnected) p.progress.after(p.signIn);
  else if (!needs && p.signIn.isConnected) p.signIn.remove();
  p.signIn.setAttribute("aria-label", `Sign in to ${accountLabel(a)} again`);
  p.menuBtn.setAttribute("aria-label", `Actions for ${accountLabel(a)}`);
}

/** `#accounts` + "Add account": kept in sync with the store, re-rendered every 30 s for "2 min ago". */
export function createAccountsSection(): HTMLElement {
  const list = h("ul", { id: "accounts", class: "accounts", "aria-label": "Accounts" });
  const add = h(
    "button",
    { type: "button", id: "add-account", class: "btn btn-ghost add-account", onclick: () => openAccountDialog({}) },
    icon("plus"),
    "Add account",
  );
  const items = new Map<string, ItemParts>();
  const render = (): void => {
    const { accounts, progress } = store.get();
    const now = Date.now();
    const seen = new Set<string>();
    let prev: HTMLElement | null = null;
    for (const a of accounts) {
      seen.add(a.id);
      let p = items.get(a.id);
      if (!p) {
        p = createItem();
        items.set(a.id, p);
      }
      renderItem(p, a, progress.get(a.id), now);
      const want: ChildNode | null = prev ? prev.nextSibling : list.firstChild;
      if (want !== p.el) list.insertBefore(p.el, want);
      prev = p.el;
    }
    for (const [id, p] of items) {
      if (!seen.has(id)) {
        p.el.remove();
        items.delete(id);
      }
    }
  };
  render();
  store.subscribe((s, prev) => {
    if (s.accounts !== prev.accounts || s.progress !== prev.progress) render();
  });
  setInterval(render, 30_000);
  return h("section", { class: "accounts-section", "aria-label": "Accounts" }, list, add);
}

// ---------------------------------------------------------------------------------------------
// Sign-in dialog

interface FieldDef {
  name: keyof SignInRequest;
  label: string;
  type: "text" | "password" | "url";
  autocomplete: string;
  placeholder?: string;
  hint?: string;
}

const FAMILIES: readonly { family: Family; blurb: string }[] = [
  { family: "rocketchat", blurb: "Team chat & livechat" },
  { family: "swapchat", blurb: "Web3 messaging" },
  { family: "virola", blurb: "Virola Messenger" },
];

const METHODS: Record<Family, readonly { method: LoginMethod; label: string }[]> = {
  rocketchat: [
    { method: "password", label: "Password" },
    { method: "token", label: "Access token" },
  ],
  swapchat: [
    { method: "wallet", label: "Wallet key" },
    { method: "token", label: "Session token" },
  ],
  virola: [
    { method: "password", label: "Password" },
    { method: "token", label: "Access token" },
  ],
};

const USER: FieldDef = { name: "user", label: "Username or email", type: "text", autocomplete: "username" };
const PASSWORD: FieldDef = { name: "password", label: "Password", type: "password", autocomplete: "current-password" };

function fieldsFor(family: Family, method: LoginMethod): FieldDef[] {
  if (method === "password") return family === "virola" ? [{ ...USER, label: "Username" }, PASSWORD] : [USER, PASSWORD];
  if (method === "wallet") {
    return [
      {
        name: "wallet_key",
        label: "Wallet private key",
        type: "password",
        autocomplete: "off",
        placeholder: "64 hexadecimal characters",
        hint: "Stored only in your system keyring.",
      },
    ];
  }
  if (family === "rocketchat") {
    return [
      { name: "user_id", label: "User ID", type: "text", autocomplete: "off", hint: "Shown next to the token in My Account → Personal Access Tokens." },
      { name: "token", label: "Personal access token", type: "password", autocomplete: "off" },
    ];
  }
  if (family === "swapchat") {
    return [{ name: "token", label: "Session token (JWT)", type: "password", autocomplete: "off" }];
  }
  return [{ name: "token", label: "Access token", type: "password", autocomplete: "off" }];
}

const REQUIRED_MESSAGE: Partial<Record<keyof SignInRequest, string>> = {
  server_url: "Enter the server address.",
  user: "Enter your username.",
  password: "Enter your password.",
  code: "Enter the code.",
  user_id: "Enter your user ID.",
  token: "Paste your token.",
  wallet_key: "Paste your wallet key.",
};

export interface AccountDialogOptions {
  /** Sign in again to this account (family and server fixed). */
  reauth?: Account;
  onDone?: (a: Account) => void;
}

interface FormState {
  family: Family;
  method: LoginMethod;
  values: Partial<Record<keyof SignInRequest, string>>;
  needCode: boolean;
  codeMessage: string;
  fingerprint: string | null;
  errors: Partial<Record<string, string>>;
  formError: string | null;
  formErrorKind: "error" | "danger";
  busy: boolean;
}

let current: Modal | null = null;

/** Opens `#account-dialog`. */
export function openAccountDialog(opts: AccountDialogOptions): Modal {
  current?.close();
  const reauth = opts.reauth ?? null;
  const st: FormState = {
    family: reauth?.family ?? "rocketchat",
    method: "password",
    values: { server_url: reauth?.server_url ?? "", user: reauth?.username ?? "" },
    needCode: false,
    codeMessage: "",
    fingerprint: null,
    errors: {},
    formError: null,
    formErrorKind: "error",
    busy: false,
  };
  const methods = METHODS[st.family];
  st.method = methods.find((m) => m.method === reauth?.auth)?.method ?? methods[0]?.method ?? "password";

  const titleId = uid("acc-title");
  const title = h("h2", { class: "dialog-title", id: titleId }, reauth ? `Sign in to ${accountLabel(reauth)} again` : "Add account");
  const closeBtn = h("button", { type: "button", class: "icon-btn dialog-close", "aria-label": "Close" }, icon("close"));
  const body = h("div", { class: "account-form-body" });
  const form = h("form", { class: "account-form", novalidate: true }, body);
  const modal = openModal([h("header", { class: "dialog-header" }, title, closeBtn), form], {
    id: "account-dialog",
    labelledBy: titleId,
    className: "dialog-account",
    onEscape: () => (st.busy ? false : undefined),
    dismissable: false,
    onClose: () => {
      if (current === modal) current = null;
    },
  });
  current = modal;
  closeBtn.addEventListener("click", () => {
    if (!st.busy) modal.close();
  });

  const readValues = (): void => {
    for (const input of form.querySelectorAll<HTMLInputElement>("input[name]")) {
      st.values[input.name as keyof SignInRequest] = input.value;
    }
  };

  const fieldEl = (f: FieldDef, readonly = false): HTMLElement => {
    const id = `acc-${f.name}`;
    const err = st.errors[f.name];
    const errId = `acc-err-${f.name}`;
    const hintId = `acc-hint-${f.name}`;
    const describedBy = [err ? errId : "", f.hint ? hintId : ""].filter(Boolean).join(" ");
    const input = h("input", {
      id,
      name: f.name,
      type: f.type,
      class: "input",
      autocomplete: f.autocomplete,
      placeholder: f.placeholder,
      spellcheck: "false",
      autocapitalize: "off",
      readonly,
      "aria-invalid": err ? "true" : undefined,
      "aria-describedby": describedBy || undefined,
      dir: "ltr",
    });
    if (f.name === "code") {
      input.setAttribute("inputmode", "numeric");
      input.setAttribute("autocomplete", "one-time-code");
    }
    input.value = st.values[f.name] ?? "";
    input.addEventListener("input", () => {
      if (st.errors[f.name]) {
        delete st.errors[f.name];
        input.removeAttribute("aria-invalid");
        field.querySelector(".field-error")?.remove();
      }
    });
    const field = h(
      "div",
      { class: "field" },
      h("label", { class: "field-label", for: id }, f.label),
      input,
      f.hint ? h("p", { class: "field-hint", id: hintId }, f.hint) : null,
      err ? h("p", { class: "field-error", "data-field": f.name, id: errId }, icon("warning"), err) : null,
    );
    return field;
  };

  const render = (focusName?: string): void => {
    body.replaceChildren();
    // Family cards.
    if (!reauth) {
      body.append(
        h(
          "div",
          { class: "family-cards", role: "group", "aria-label": "Server type" },
          ...FAMILIES.map(({ family, blurb }) =>
            h(
              "button",
              {
                type: "button",
                class: "family-card",
                "data-family": family,
                "aria-pressed": family === st.family ? "true" : "false",
                disabled: st.busy,
                onclick: () => {
                  if (st.family === family) return;
                  readValues();
                  st.family = family;
                  st.method = METHODS[family][0]?.method ?? "password";
                  st.errors = {};
                  st.formError = null;
                  st.needCode = false;
                  st.fingerprint = null;
                  render();
                  body.querySelector<HTMLElement>(`[data-family="${family}"]`)?.focus();
                },
              },
              h("span", { class: `family-logo family-${family}`, "aria-hidden": "true" }, FAMILY_LABEL[family].charAt(0)),
              h("span", { class: "family-name" }, FAMILY_LABEL[family]),
              h("span", { class: "family-blurb" }, blurb),
            ),
          ),
        ),
      );
    }
    body.append(
      fieldEl(
        {
          name: "server_url",
          label: `${FAMILY_LABEL[st.family]} server address`,
          type: "url",
          autocomplete: "url",
          placeholder: "https://chat.example.com",
        },
        !!reauth,
      ),
    );
    // Method tabs.
    const panelId = "acc-method-panel";
    const tabs = METHODS[st.family].map(({ method, label }) =>
      h(
        "button",
        {
          type: "button",
          role: "tab",
          class: "method-tab",
          "data-method": method,
          id: `acc-tab-${method}`,
          "aria-selected": method === st.method ? "true" : "false",
          "aria-controls": panelId,
          tabindex: method === st.method ? "0" : "-1",
          disabled: st.busy,
          onclick: () => {
            if (st.method === method) return;
            readValues();
            st.method = method;
            st.errors = {};
            st.formError = null;
            st.needCode = false;
            render();
            body.querySelector<HTMLElement>(`[data-method="${method}"]`)?.focus();
          },
        },
        label,
      ),
    );
    const tablist = h("div", { class: "method-tabs", role: "tablist", "aria-label": "Sign-in method" }, ...tabs);
    tablist.addEventListener("keydown", (e) => {
      if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
      const i = tabs.findIndex((t) => t.dataset.method === st.method);
      const next = tabs[(i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      next?.click();
      e.preventDefault();
    });
    body.append(
      tablist,
      h(
        "div",
        { class: "method-panel", role: "tabpanel", id: panelId, "aria-labelledby": `acc-tab-${st.method}` },
        ...fieldsFor(st.family, st.method).map((f) => fieldEl(f)),
      ),
    );
    if (st.needCode) {
      body.append(
        h(
          "div",
          { class: "twofa" },
          h("p", { class: "twofa-text" }, icon("shield"), st.codeMessage || "Enter the code from your authenticator app."),
          fieldEl({ name: "code", label: "Verification code", type: "text", autocomplete: "one-time-code" }),
        ),
      );
    }
    if (st.formError) {
      body.append(
        h(
          "div",
          { class: `form-error ${st.formErrorKind === "danger" ? "form-error-danger" : ""}`.trim(), role: "alert" },
          icon("warning"),
          h(
            "span",
            null,
            st.formErrorKind === "danger" ? h("strong", { class: "form-error-title" }, "Certificate changed — not connecting") : null,
            st.formError,
          ),
        ),
      );
    }
    const submit = h(
      "button",
      { type: "submit", id: "account-submit", class: "btn btn-primary", disabled: st.busy, "aria-busy": st.busy ? "true" : undefined },
      st.busy ? h("span", { class: "spinner", "aria-hidden": "true" }) : null,
      st.busy ? "Signing in…" : st.needCode ? "Verify" : "Sign in",
    );
    if (st.fingerprint) {
      const cancel = h("button", { type: "button", class: "btn", onclick: () => {
        st.fingerprint = null;
        render();
      } }, "Cancel");
      const trust = h("button", { type: "button", id: "cert-trust", class: "btn btn-primary", disabled: st.busy }, "Trust and sign in");
      trust.addEventListener("click", () => {
        st.values.cert_pin = st.fingerprint ?? "";
        void submitForm();
      });
      body.append(
        h(
          "div",
          { id: "cert-prompt", class: "cert-prompt", role: "alertdialog", "aria-labelledby": "cert-title", "aria-describedby": "cert-text" },
          h("h3", { class: "cert-title", id: "cert-title" }, icon("shield"), "Trust this certificate?"),
          h(
            "p",
            { class: "cert-text", id: "cert-text" },
            `${hostOf(st.values.server_url ?? "")} uses a certificate that no trusted authority signed. Trust it only if this SHA-256 fingerprint matches the one your server administrator gave you.`,
          ),
          h("code", { id: "cert-fingerprint", class: "cert-fingerprint" }, st.fingerprint),
          h("div", { class: "dialog-actions" }, cancel, trust),
        ),
      );
    } else {
      const cancel = h("button", { type: "button", class: "btn", disabled: st.busy, onclick: () => modal.close() }, "Cancel");
      body.append(h("div", { class: "dialog-actions" }, cancel, submit));
    }
    if (focusName) {
      const target = focusName === "cert" ? body.querySelector<HTMLElement>("#cert-trust") : form.querySelector<HTMLElement>(`[name="${focusName}"]`);
      target?.focus();
    } else if (!modal.dialog.contains(document.activeElement)) {
      // The focused control was replaced: keep focus in the dialog (Escape, Tab keep working).
      const alert = body.querySelector<HTMLElement>(".form-error");
      const sub = body.querySelector<HTMLButtonElement>("#account-submit");
      if (sub && !sub.disabled && !alert) sub.focus();
      else modal.dialog.focus();
    }
  };

  const validate = (): boolean => {
    const errors: Partial<Record<string, string>> = {};
    const names: (keyof SignInRequest)[] = ["server_url", ...fieldsFor(st.family, st.method).map((f) => f.name)];
    if (st.needCode) names.push("code");
    for (const n of names) {
      if (!(st.values[n] ?? "").trim()) errors[n] = REQUIRED_MESSAGE[n] ?? "Required.";
    }
    const wk = (st.values.wallet_key ?? "").trim();
    if (st.method === "wallet" && wk && !/^(0x)?[0-9a-fA-F]{64}$/.test(wk)) {
      errors.wallet_key = "A wallet key is 64 hexadecimal characters.";
    }
    st.errors = errors;
    return Object.keys(errors).length === 0;
  };

  const request = (): SignInRequest => {
    const v = (k: keyof SignInRequest): string | null => {
      const x = (st.values[k] ?? "").trim();
      return x ? x : null;
    };
    const shown = new Set<string>(fieldsFor(st.family, st.method).map((f) => f.name));
    const pick = (k: keyof SignInRequest): string | null => (shown.has(k) ? v(k) : null);
    return {
      family: st.family,
      server_url: v("server_url") ?? "",
      method: st.method,
      user: pick("user"),
      // Passwords are not trimmed.
      password: shown.has("password") ? (st.values.password ?? null) || null : null,
      code: st.needCode ? v("code") : null,
      user_id: pick("user_id"),
      token: pick("token"),
      wallet_key: pick("wallet_key"),
      cert_pin: v("cert_pin"),
    };
  };

  const submitForm = async (): Promise<void> => {
    if (st.busy) return;
    readValues();
    st.formError = null;
    if (!validate()) {
      const first = Object.keys(st.errors)[0];
      render(first);
      return;
    }
    st.busy = true;
    render();
    try {
      const req = request();
      const account = reauth ? await api.signInAgain(reauth.id, req) : await api.addAccount(req);
      st.busy = false;
      upsertAccount(account);
      modal.close();
      announce(`Signed in to ${hostOf(account.server_url)}`);
      opts.onDone?.(account);
    } catch (e) {
      st.busy = false;
      const err = e instanceof ApiError ? e : new ApiError({ code: "internal", message: String(e), field: null, fingerprint: null });
      let focus: string | undefined;
      if (err.code === "needs_second_factor") {
        st.needCode = true;
        st.codeMessage = err.message;
        focus = "code";
      } else if (err.code === "untrusted_certificate" && err.fingerprint) {
        st.fingerprint = err.fingerprint;
        focus = "cert";
      } else if (err.code === "certificate_changed") {
        st.fingerprint = null;
        st.formErrorKind = "danger";
        st.formError = `The server's certificate has changed since you trusted it. Someone may be intercepting the connection, so Roomdeck will not connect. If your administrator replaced the certificate on purpose, remove this account and add it again. ${err.message}`;
      } else {
        const visible = new Set<string>(["server_url", ...fieldsFor(st.family, st.method).map((f) => f.name), ...(st.needCode ? ["code"] : [])]);
        if (err.field && visible.has(err.field)) {
          st.errors = { [err.field]: err.message };
          focus = err.field;
        } else {
          st.formErrorKind = "error";
          st.formError = err.message;
        }
      }
      render(focus);
    }
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void submitForm();
  });
  render();
  queueMicrotask(() => {
    const first = reauth
      ? form.querySelector<HTMLElement>(".method-panel input")
      : form.querySelector<HTMLElement>('[aria-pressed="true"]');
    first?.focus();
  });
  return modal;
}
