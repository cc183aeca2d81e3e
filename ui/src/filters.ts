/**
 * Filter chips, the sort select and the search box: everything that edits the RoomQuery in the
 * store. The list reacts to the store, so these controls never talk to the list directly.
 */
import type { Account, RoomKind, RoomQuery, Sort } from "./api";
import { h, setAttr } from "./dom";
import { icon, KIND_CHIP, KIND_ICON } from "./icons";
import { accountLabel, FAMILY_KINDS, KIND_ORDER, SETTING_SORT, store } from "./state";
import { api } from "./api";

function setQuery(patch: Partial<RoomQuery>): void {
  store.update((s) => ({ query: { ...s.query, ...patch } }));
}

function chip(filter: string, label: string, onToggle: () => void, lead?: Node): HTMLButtonElement {
  return h(
    "button",
    { type: "button", class: "chip", "data-filter": filter, "aria-pressed": "false", onclick: onToggle },
    lead ?? null,
    h("span", { class: "chip-label" }, label),
  );
}

function toggleIn<T>(list: readonly T[], v: T): T[] {
  return list.includes(v) ? list.filter((x) => x !== v) : [...list, v];
}

/** The sidebar's chip groups; re-rendered when accounts change, pressed state when the query does. */
export function createFilterChips(): HTMLElement {
  const show = h("div", { class: "chip-group", role: "group", "aria-label": "Show" });
  const kinds = h("div", { class: "chip-group", role: "group", "aria-label": "Kinds" });
  const accounts = h("div", { class: "chip-group", role: "group", "aria-label": "Accounts" });
  const accountsHeading = h("h3", { class: "section-title" }, "Accounts");
  const root = h(
    "section",
    { class: "filters", "aria-label": "Filters" },
    h("h3", { class: "section-title" }, "Show"),
    show,
    h("h3", { class: "section-title" }, "Kinds"),
    kinds,
    accountsHeading,
    accounts,
  );

  show.append(
    chip("unread", "Unread", () => setQuery({ unread_only: !store.get().query.unread_only }), icon("bell")),
    chip("favorites", "Favorites", () => setQuery({ favorites_only: !store.get().query.favorites_only }), icon("star")),
    chip(
      "archived",
      "Archived",
      () => setQuery({ archived: store.get().query.archived === "only" ? "exclude" : "only" }),
      icon("archive"),
    ),
  );

  let kindsKey = "";
  let accountsKey = "";
  const kindsHeading = root.querySelectorAll("h3")[1] as HTMLElement;
  const renderGroups = (list: readonly Account[]): void => {
    // Nothing to filter before the first account exists.
    root.hidden = list.length === 0;
    const families = new Set(list.map((a) => a.family));
    const useful: RoomKind[] = KIND_ORDER.filter((k) => [...families].some((f) => FAMILY_KINDS[f].includes(k)));
    const kKey = useful.join(",");
    if (kKey !== kindsKey) {
      kindsKey = kKey;
      kinds.replaceChildren(
        ...useful.map((k) =>
          chip(`kind:${k}`, KIND_CHIP[k], () => setQuery({ kinds: toggleIn(store.get().query.kinds, k) }), icon(KIND_ICON[k])),
        ),
      );
    }
    const aKey = list.map((a) => `${a.id}|${a.color}|${accountLabel(a)}`).join(",");
    if (aKey !== accountsKey) {
      accountsKey = aKey;
      accounts.replaceChildren(
        ...list.map((a) => {
          const dot = h("span", { class: "chip-dot", "aria-hidden": "true" });
          dot.style.backgroundColor = a.color;
          const c = chip(`account:${a.id}`, accountLabel(a), () => setQuery({ accounts: toggleIn(store.get().query.accounts, a.id) }), dot);
          c.title = `${accountLabel(a)} · ${a.server_url}`;
          return c;
        }),
      );
    }
    kindsHeading.hidden = useful.length === 0;
    accounts.hidden = list.length < 2;
    accountsHeading.hidden = list.length < 2;
  };

  const renderPressed = (q: RoomQuery): void => {
    for (const b of root.querySelectorAll<HTMLButtonElement>("button.chip")) {
      const f = b.dataset.filter ?? "";
      let on = false;
      if (f === "unread") on = q.unread_only;
      else if (f === "favorites") on = q.favorites_only;
      else if (f === "archived") on = q.archived === "only";
      else if (f.startsWith("kind:")) on = q.kinds.includes(f.slice(5) as RoomKind);
      else if (f.startsWith("account:")) on = q.accounts.includes(f.slice(8));
      setAttr(b, "aria-pressed", on ? "true" : "false");
    }
  };

  renderGroups(store.get().accounts);
  renderPressed(store.get().query);
  store.subscribe((s, prev) => {
    if (s.accounts !== prev.accounts) renderGroups(s.accounts);
    if (s.query !== prev.query || s.accounts !== prev.accounts) renderPressed(s.query);
  });
  return root;
}

/** `#sort`: activity | name, persisted through the core's settings table. */
export function createSortSelect(): HTMLSelectElement {
  const select = h(
    "select",
    { id: "sort", class: "select", "aria-label": "Sort rooms" },
    h("option", { value: "activity" }, "Recent activity"),
    h("option", { value: "name" }, "Name"),
  );
  select.value = store.get().query.sort;
  select.addEventListener("change", () => {
    const sort = (select.value === "name" ? "name" : "activity") as Sort;
    setQuery({ sort });
    api.setSetting(SETTING_SORT, sort).catch(() => undefined);
  });
  store.subscribe((s, prev) => {
    if (s.query.sort !== prev.query.sort && select.value !== s.query.sort) select.value = s.query.sort;
  });
  return select;
}

export const SEARCH_DEBOUNCE_MS = 80;

/** `#search`: debounced, Escape clears (a second Escape leaves the box). */
export function createSearchBox(onLeave: () => void): HTMLElement {
  const input = h("input", {
    id: "search",
    class: "search-input",
    type: "search",
    placeholder: "Search rooms",
    "aria-label": "Search rooms",
    autocomplete: "off",
    spellcheck: "false",
  });
  const clear = h("button", { type: "button", class: "search-clear icon-btn", "aria-label": "Clear search", hidden: true }, icon("close"));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const apply = (): void => {
    const v = input.value.trim();
    setQuery({ search: v ? v : null });
  };
  const onEdit = (): void => {
    clear.hidden = input.value === "";
    if (timer) clearTimeout(timer);
    timer = setTimeout(apply, SEARCH_DEBOUNCE_MS);
  };
  input.addEventListener("input", onEdit);
  // Edits that fire no `input` (a programmatic clear, some autofill) still reach the query.
  input.addEventListener("change", onEdit);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      if (input.value) {
        input.value = "";
        clear.hidden = true;
        if (timer) clearTimeout(timer);
        apply();
      } else onLeave();
      e.preventDefault();
      e.stopPropagation();
    } else if (e.key === "ArrowDown" || e.key === "Enter") {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
        apply();
      }
      if (e.key === "ArrowDown") {
        e.preventDefault();
        onLeave();
      }
    }
  });
  clear.addEventListener("click", () => {
    input.value = "";
    clear.hidden = true;
    apply();
    input.focus();
  });
  store.subscribe((s, prev) => {
    if (s.query.search !== prev.query.search && (s.query.search ?? "") !== input.value.trim()) {
      input.value = s.query.search ?? "";
      clear.hidden = input.value === "";
    }
  });
  return h("div", { class: "search", role: "search" }, icon("search", "search-icon"), input, clear);
}
