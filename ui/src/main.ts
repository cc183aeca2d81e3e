/**
 * Bootstrap: asks the core which window this is, then builds either the stand-alone picker or
 * the full app shell (sidebar · list · info panel), loads settings and accounts, and routes core
 * events to the views. Views talk through the store, not to each other.
 */
import { type Account, api, type ApiError, type AppInfo, type Event as CoreEvent, type Sort, type SyncProgress } from "./api";
import { accountStatusText, createAccountsSection, dropAccount, openAccountDialog, upsertAccount } from "./accounts";
import { modalOpen } from "./dialog";
import { h, replaceChildren } from "./dom";
import { createFilterChips, createSearchBox, createSortSelect } from "./filters";
import { icon } from "./icons";
import { InfoPanel } from "./infopanel";
import { installShortcuts } from "./keyboard";
import { markOnce } from "./perf";
import { Picker } from "./picker";
import { dropPrefetched, prefetchFirstPage, RoomList } from "./roomlist";
import { accountLabel, defaultQuery, SETTING_SIDEBAR, SETTING_SORT, store } from "./state";
import { announce, statusRegion } from "./status";

const NARROW = "(max-width: 760px)";
const DRAWER_INFO = "(max-width: 1100px)";

function isNarrow(): boolean {
  return typeof matchMedia === "function" && matchMedia(NARROW).matches;
}

function afterPaint(fn: () => void): void {
  requestAnimationFrame(() => setTimeout(fn, 0));
}

function fatal(root: HTMLElement, message: string): void {
  root.dataset.ready = "error";
  replaceChildren(
    root,
    h("div", { class: "fatal", role: "alert" }, icon("warning"), h("h1", null, "Roomdeck could not start"), h("p", null, message)),
  );
}

function startPickMode(): void {
  document.documentElement.classList.add("pick-mode");
  const picker = new Picker({
    pickMode: true,
    onPick: (row) => {
      api.pickDone(row.id).catch((e: ApiError) => announce(e.message, "error"));
    },
    onCancel: () => {
      api.pickDone(null).catch(() => undefined);
    },
    warmUp: true,
  });
  picker.open();
  const root = document.getElementById("app");
  if (root) root.dataset.ready = "picker";
  afterPaint(() => markOnce("roomdeck:shell-painted"));
}

function emptyState(): HTMLElement {
  const note = h("p", { class: "empty-note", role: "status" });
  const demo = h(
    "button",
    { type: "button", id: "try-demo", class: "btn btn-primary btn-large" },
    icon("sync"),
    "Try the demo",
  );
  demo.addEventListener("click", () => {
    demo.disabled = true;
    demo.setAttribute("aria-busy", "true");
    replaceChildren(demo, h("span", { class: "spinner", "aria-hidden": "true" }), "Starting the demo…");
    note.textContent = "Starting three demo servers: Rocket.Chat, SwapChat and Virola.";
    api.startDemo().then(
      (accounts) => {
        store.update({ accounts });
        announce("Demo accounts added — syncing rooms");
      },
      (e: ApiError) => {
        demo.disabled = false;
        demo.removeAttribute("aria-busy");
        replaceChildren(demo, icon("sync"), "Try the demo");
        note.textContent = `The demo could not start: ${e.message}`;
      },
    );
  });
  const add = h(
    "button",
    { type: "button", class: "btn btn-large", onclick: () => openAccountDialog({}) },
    icon("plus"),
    "Add an account",
  );
  return h(
    "div",
    { id: "empty-state", class: "empty-state" },
    h("img", { class: "empty-logo", src: "/icon.svg", alt: "", width: "88", height: "88" }),
    h("h1", { class: "empty-title" }, "Welcome to Roomdeck"),
    h(
      "p",
      { class: "empty-text" },
      "One fast, searchable list of every room on all your chat servers — and it keeps working offline.",
    ),
    h("div", { class: "empty-actions" }, demo, add),
    note,
  );
}

/** What the main window needs before it can show anything but its frame. */
interface StartupData {
  accounts: Account[];
  sort: string | null;
  sidebarCollapsed: string | null;
}

/**
 * Asked for at the top of the page script, beside the app info and the list's first page: the
 * answers are in by the time the shell is built, so the shell, the accounts and the first rows
 * go out in one frame (make bench, P1) instead of an empty shell first and the rows two round
 * trips later. In the picker window they go unused (three small reads).
 */
function loadStartupData(): Promise<StartupData> {
  const data = Promise.all([
    api.listAccounts(),
    api.getSetting(SETTING_SORT).catch(() => null),
    api.getSetting(SETTING_SIDEBAR).catch(() => null),
  ]).then(([accounts, sort, sidebarCollapsed]) => ({ accounts, sort, sidebarCollapsed }));
  // Handled where it is awaited; never an unhandled rejection in the picker window.
  data.catch(() => undefined);
  return data;
}

/** The list order saved in the settings, if it is one this build knows. */
function savedSort(value: string | null): Sort | null {
  return value === "name" || value === "activity" ? value : null;
}

async function startApp(root: HTMLElement, info: AppInfo, startup: Promise<StartupData>): Promise<void> {
  const mac = info.platform === "macos";
  const count = h("span", { id: "room-count", class: "room-count", "aria-live": "off" });
  const roomList = new RoomList(count);
  const infoPanel = new InfoPanel(() => {
    store.update({ infoOpen: false });
    roomList.focus();
  });
  const picker = new Picker({
    pickMode: false,
    onPick: (row) => {
      roomList.reveal(row);
      roomList.focus();
    },
    warmUp: true,
  });

  const sidebarToggle = h(
    "button",
    { type: "button", id: "toggle-sidebar", class: "icon-btn", "aria-controls": "sidebar", "aria-label": "Show sidebar" },
    icon("sidebar"),
  );
  const infoToggle = h(
    "button",
    { type: "button", id: "toggle-info", class: "icon-btn", "aria-controls": "info-panel", "aria-label": "Room details" },
    icon("panel"),
  );
  const pickerBtn = h(
    "button",
    { type: "button", class: "btn btn-ghost picker-btn", "aria-label": "Go to room", "aria-keyshortcuts": mac ? "Meta+K" : "Control+K" },
    "Go to…",
    h("kbd", null, mac ? "⌘K" : "Ctrl K"),
  );
  pickerBtn.addEventListener("click", () => picker.open());

  const collapseBtn = h(
    "button",
    { type: "button", class: "icon-btn sidebar-collapse", "aria-label": "Hide sidebar", "aria-controls": "sidebar" },
    icon("sidebar"),
  );
  const sidebar = h(
    "aside",
    { id: "sidebar", class: "sidebar", "aria-label": "Accounts and filters" },
    h(
      "div",
      { class: "sidebar-header" },
      h("img", { class: "logo", src: "/icon.svg", alt: "", width: "22", height: "22" }),
      h("span", { class: "app-title" }, "Roomdeck"),
      collapseBtn,
    ),
    h("div", { class: "sidebar-scroll" }, h("h3", { class: "section-title" }, "Accounts"), createAccountsSection(), createFilterChips()),
  );

  const toolbar = h(
    "div",
    { class: "toolbar", role: "toolbar", "aria-label": "Room list tools" },
    sidebarToggle,
    createSearchBox(() => roomList.focus()),
    h("div", { class: "toolbar-meta" }, count, createSortSelect()),
    pickerBtn,
    infoToggle,
  );
  const listArea = h("div", { class: "list-area" }, toolbar, roomList.root);
  const empty = emptyState();
  const main = h("main", { class: "main", "aria-label": "Rooms" }, listArea);
  const scrim = h("div", { class: "scrim", "aria-hidden": "true" });
  scrim.addEventListener("click", () => store.update({ sidebarDrawerOpen: false, infoOpen: isDrawerInfo() ? false : store.get().infoOpen }));
  replaceChildren(root, sidebar, main, infoPanel.el, scrim);
  root.classList.add("app");
  listArea.hidden = true;
  afterPaint(() => markOnce("roomdeck:shell-painted"));

  function isDrawerInfo(): boolean {
    return typeof matchMedia === "function" && matchMedia(DRAWER_INFO).matches;
  }

  const toggleSidebar = (): void => {
    if (isNarrow()) {
      store.update({ sidebarDrawerOpen: !store.get().sidebarDrawerOpen });
    } else {
      const collapsed = !store.get().sidebarCollapsed;
      store.update({ sidebarCollapsed: collapsed });
      api.setSetting(SETTING_SIDEBAR, collapsed ? "1" : "0").catch(() => undefined);
    }
  };
  sidebarToggle.addEventListener("click", toggleSidebar);
  collapseBtn.addEventListener("click", toggleSidebar);
  infoToggle.addEventListener("click", () => {
    const s = store.get();
    if (s.infoOpen) store.update({ infoOpen: false });
    else if (s.selectedId) store.update({ infoOpen: true });
    else announce("Select a room to see its details");
  });

  const applyLayout = (): void => {
    const s = store.get();
    const narrow = isNarrow();
    root.classList.toggle("sidebar-collapsed", s.sidebarCollapsed && !narrow);
    root.classList.toggle("sidebar-drawer-open", s.sidebarDrawerOpen && narrow);
    root.classList.toggle("info-open", s.infoOpen && !!s.selectedId);
    const sidebarShown = narrow ? s.sidebarDrawerOpen : !s.sidebarCollapsed;
    sidebarToggle.setAttribute("aria-expanded", String(sidebarShown));
    sidebarToggle.setAttribute("aria-label", sidebarShown ? "Hide sidebar" : "Show sidebar");
    sidebar.toggleAttribute("inert", narrow && !s.sidebarDrawerOpen);
    infoToggle.setAttribute("aria-expanded", String(s.infoOpen && !!s.selectedId));
  };
  if (typeof matchMedia === "function") {
    matchMedia(NARROW).addEventListener("change", applyLayout);
  }

  const firstRun = (): void => {
    const s = store.get();
    const none = s.accountsLoaded && s.accounts.length === 0;
    // #empty-state exists only on first run (tests and screen readers see exactly one centre).
    if (none && !empty.isConnected) main.append(empty);
    else if (!none && empty.isConnected) empty.remove();
    listArea.hidden = !s.accountsLoaded || none;
    root.classList.toggle("first-run", none);
  };

  store.subscribe((s, prev) => {
    if (s.query !== prev.query) roomList.setQuery(s.query);
    if (s.accounts.length > 0 && prev.accounts.length === 0 && s.query === prev.query) roomList.setQuery(s.query);
    if (s.accounts !== prev.accounts || s.accountsLoaded !== prev.accountsLoaded) firstRun();
    if (s.progress !== prev.progress) roomList.updateEmpty();
    if (s.selectedId !== prev.selectedId) roomList.setSelectedId(s.selectedId);
    if (s.infoOpen !== prev.infoOpen || s.selectedId !== prev.selectedId) {
      const show = s.infoOpen && !!s.selectedId;
      infoPanel.el.hidden = !show;
      if (show && s.selectedId && (infoPanel.roomId !== s.selectedId || !prev.infoOpen)) infoPanel.show(s.selectedId);
      if (show && !prev.infoOpen && isDrawerInfo()) queueMicrotask(() => infoPanel.el.focus());
    }
    if (
      s.sidebarCollapsed !== prev.sidebarCollapsed ||
      s.sidebarDrawerOpen !== prev.sidebarDrawerOpen ||
      s.infoOpen !== prev.infoOpen ||
      s.selectedId !== prev.selectedId
    ) {
      applyLayout();
    }
  });
  applyLayout();

  installShortcuts({
    openPicker: () => {
      if (!modalOpen() || picker.isOpen) picker.open();
    },
    focusSearch: () => {
      if (isNarrow()) store.update({ sidebarDrawerOpen: false });
      document.getElementById("search")?.focus();
    },
    escape: () => {
      const s = store.get();
      if (s.sidebarDrawerOpen) {
        store.update({ sidebarDrawerOpen: false });
        return true;
      }
      if (modalOpen()) return false;
      if (s.infoOpen) {
        const inPanel = infoPanel.el.contains(document.activeElement);
        store.update({ infoOpen: false });
        if (inPanel || isDrawerInfo()) roomList.focus();
        return true;
      }
      return false;
    },
  });

  // Core events. Progress can arrive hundreds of times a second: coalesce per frame.
  let pendingProgress: Map<string, SyncProgress> | null = null;
  const flushProgress = (): void => {
    const pending = pendingProgress;
    pendingProgress = null;
    if (!pending) return;
    const next = new Map(store.get().progress);
    for (const [id, p] of pending) {
      if (p.phase === "done") next.delete(id);
      else next.set(id, p);
    }
    store.update({ progress: next });
  };
  const onEvent = (e: CoreEvent): void => {
    switch (e.type) {
      case "progress":
        if (!pendingProgress) {
          pendingProgress = new Map();
          requestAnimationFrame(flushProgress);
        }
        pendingProgress.set(e.progress.account, e.progress);
        break;
      case "account_updated": {
        const before = store.get().accounts.find((a) => a.id === e.account.id);
        upsertAccount(e.account);
        // Tell (and announce) state changes that need attention; routine syncs stay quiet.
        if (before && before.state !== e.account.state && e.account.state !== "ok") {
          announce(`${accountLabel(e.account)}: ${accountStatusText(e.account, undefined)}`, "error");
        }
        break;
      }
      case "account_removed":
        dropAccount(e.account);
        roomList.refresh();
        if (store.get().selectedId?.startsWith(`${e.account}:`)) store.update({ selectedId: null, infoOpen: false });
        break;
      case "rooms_changed":
        roomList.refresh();
        infoPanel.reload();
        break;
      case "avatars_changed":
        roomList.refresh();
        infoPanel.reload();
        break;
    }
  };

  // Not awaited: the accounts were read at start-up, and the core's background work, which
  // sends the events, starts seconds after the list's first query (src-tauri's `background`).
  api.subscribe(onEvent).catch((e: ApiError) => announce(`Live updates are off: ${e.message}`, "error"));
  const { accounts, sort, sidebarCollapsed } = await startup;
  markOnce("roomdeck:accounts-loaded");
  const q = store.get().query;
  const saved = savedSort(sort);
  store.update({
    accounts,
    accountsLoaded: true,
    sidebarCollapsed: sidebarCollapsed === "1",
    query: saved ? { ...q, sort: saved } : q,
  });
  // The list asked for its first page just now (if there are accounts): later ones are fresh.
  dropPrefetched();
  // The end-to-end harness waits for this.
  root.dataset.ready = "app";
}

async function main(): Promise<void> {
  const root = document.getElementById("app");
  if (!root) return;
  markOnce("roomdeck:script-started");
  document.body.append(statusRegion());
  const startup = loadStartupData();
  // The list's first page with the default order, asked for beside the first calls above; used
  // when the saved settings ask for the same rooms (see prefetchFirstPage).
  const first = defaultQuery();
  prefetchFirstPage(
    first,
    startup.then(
      (s) => (savedSort(s.sort) ?? first.sort) === first.sort,
      () => false,
    ),
  );
  let info: AppInfo;
  try {
    info = await api.appInfo();
  } catch (e) {
    fatal(root, (e as ApiError).message);
    return;
  }
  document.documentElement.dataset.platform = info.platform;
  if (info.pick_mode) {
    dropPrefetched();
    startPickMode();
    return;
  }
  try {
    await startApp(root, info, startup);
  } catch (e) {
    fatal(root, (e as ApiError).message ?? String(e));
  }
}

void main();
