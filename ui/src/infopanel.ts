/**
 * The room info panel: cached `roomInfo` first (instant), then `refreshRoom` for fresh members.
 * Responses for a room that is no longer shown are dropped (sequence numbers). At narrow widths
 * the same element is an overlay drawer (CSS only).
 */
import { api, roomAvatarUrl, type ApiError, type LivechatDetails, type RoomDetails, type RoomInfo } from "./api";
import { createAvatar, setAvatar } from "./avatar";
import { h, replaceChildren, type Child } from "./dom";
import { formatDateTime, formatDuration, formatNumber, hostOf } from "./format";
import { icon, KIND_LABEL, kindIcon } from "./icons";
import { MemberList } from "./memberlist";
import { accountLabel, FAMILY_LABEL, store } from "./state";
import { announce } from "./status";

function fact(label: string, value: Child, cls = ""): HTMLElement[] {
  return [h("dt", null, label), h("dd", { class: cls || undefined }, value)];
}

function facts(rows: (HTMLElement[] | null)[]): HTMLElement | null {
  const items = rows.filter((r): r is HTMLElement[] => r !== null).flat();
  return items.length ? h("dl", { class: "facts" }, ...items) : null;
}

function pill(text: string, ic: Parameters<typeof icon>[0] = "check"): HTMLElement {
  return h("span", { class: "pill" }, icon(ic), text);
}

function yesNo(v: boolean): string {
  return v ? "Yes" : "No";
}

function livechatSection(l: LivechatDetails): HTMLElement {
  let status: string;
  if (l.open) status = l.on_hold ? "Open · on hold" : l.waiting_response ? "Open · waiting for an agent" : "Open";
  else status = `Closed${l.closed_ms ? ` ${formatDateTime(l.closed_ms)}` : ""}${l.closer ? ` by ${l.closer}` : ""}`;
  const visitor = [l.visitor_name, l.visitor_username ? `@${l.visitor_username}` : null].filter(Boolean).join(" ");
  return h(
    "div",
    { class: "livechat" },
    h("h4", { class: "subsection-title" }, icon("headset"), "Livechat"),
    facts([
      fact("Status", h("span", { class: `status-tag ${l.open ? "is-open" : "is-closed"}` }, status), "livechat-status"),
      visitor ? fact("Visitor", visitor, "livechat-visitor") : null,
      l.visitor_status ? fact("Visitor status", l.visitor_status) : null,
      l.source ? fact("Source", l.source) : null,
      l.agent ? fact("Agent", l.agent) : null,
      l.department ? fact("Department", l.department) : null,
      fact("On hold", yesNo(l.on_hold)),
      fact("Waiting response", yesNo(l.waiting_response)),
      l.tags.length ? fact("Tags", h("span", { class: "tags" }, ...l.tags.map((t) => h("span", { class: "tag" }, t)))) : null,
      l.first_response_s !== null ? fact("First response", formatDuration(l.first_response_s)) : null,
      l.avg_response_s !== null ? fact("Average response", formatDuration(l.avg_response_s)) : null,
      l.responses !== null ? fact("Responses", formatNumber(l.responses)) : null,
      l.duration_s !== null ? fact("Chat duration", formatDuration(l.duration_s)) : null,
    ]),
  );
}

/** The family-specific block (`.family-section`), or null for rooms without details. */
export function familySection(info: RoomInfo): HTMLElement | null {
  const d: RoomDetails = info.details;
  if (d.family === "none") return null;
  const title = h("h3", { class: "section-title" }, `${FAMILY_LABEL[d.family]} details`);
  if (d.family === "rocketchat") {
    const flags = [
      d.read_only ? pill("Read-only", "lock") : null,
      d.encrypted ? pill("End-to-end encrypted", "shield") : null,
      d.broadcast ? pill("Broadcast", "bell") : null,
      d.team_main ? pill("Team main room", "team") : null,
    ].filter((x): x is HTMLElement => x !== null);
    return h(
      "section",
      { class: "family-section", "data-family": "rocketchat" },
      title,
      facts([
        d.handle ? fact("Handle", `#${d.handle}`, "mono") : null,
        d.team_id && !d.team_main ? fact("Team", d.team_id, "mono") : null,
        d.parent_id ? fact("Discussion of", d.parent_id, "mono") : null,
        fact("Read-only", yesNo(d.read_only)),
        fact("Encrypted", yesNo(d.encrypted)),
        fact("Broadcast", yesNo(d.broadcast)),
      ]),
      flags.length ? h("div", { class: "pills" }, ...flags) : null,
      d.announcement
        ? h("div", { class: "announcement", dir: "auto" }, h("strong", null, "Announcement"), h("p", null, d.announcement))
        : null,
      d.livechat ? livechatSection(d.livechat) : null,
    );
  }
  if (d.family === "swapchat") {
    return h(
      "section",
      { class: "family-section", "data-family": "swapchat" },
      title,
      facts([
        d.collection_name ? fact("NFT collection", d.collection_name, "collection-name") : null,
        d.collection_slug ? fact("Slug", d.collection_slug, "mono") : null,
        d.collection_cover ? fact("Cover", "Shown as the room picture") : null,
        d.space_title ? fact("Twitter Space", d.space_title, "space-title") : null,
        d.space_id ? fact("Space id", d.space_id, "mono") : null,
      ]) ?? h("p", { class: "muted" }, "No collection or Space linked."),
    );
  }
  return h(
    "section",
    { class: "family-section", "data-family": "virola" },
    title,
    facts([
      fact("Room type", d.room_type),
      fact("You moderate", yesNo(d.moderator)),
      fact("Pinned", yesNo(d.pinned)),
      fact("Archived", yesNo(info.archived)),
    ]),
  );
}

export class InfoPanel {
  readonly el: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly body: HTMLElement;
  private readonly members: MemberList;
  private readonly membersSection: HTMLElement;
  private readonly membersTitle: HTMLElement;
  private readonly membersNote: HTMLElement;
  private readonly avatar = createAvatar("avatar-72");
  private seq = 0;
  private shownId: string | null = null;
  private info: RoomInfo | null = null;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onClose: () => void) {
    const closeBtn = h(
      "button",
      { type: "button", class: "icon-btn info-close", "aria-label": "Close room details", onclick: () => this.onClose() },
      icon("close"),
    );
    this.body = h("div", { class: "info-body" });
    this.membersTitle = h("h3", { class: "section-title" }, "Members");
    this.membersNote = h("p", { class: "members-note" });
    this.scroller = h("div", { class: "info-scroll" });
    this.members = new MemberList(this.scroller);
    this.membersSection = h(
      "section",
      { class: "members-section", "aria-label": "Members" },
      this.membersTitle,
      this.members.el,
    );
    this.scroller.append(this.body, this.membersSection);
    this.el = h(
      "aside",
      { id: "info-panel", class: "info-panel", "aria-label": "Room details", hidden: true, tabindex: "-1" },
      h("div", { class: "info-topbar" }, h("span", { class: "info-topbar-title" }, "Details"), closeBtn),
      this.scroller,
    );
    this.el.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.onClose();
      }
    });
  }

  get roomId(): string | null {
    return this.shownId;
  }

  /** Shows room `id`: cached info now, fresh members when the server answers. */
  show(id: string): void {
    const seq = ++this.seq;
    const same = id === this.shownId;
    this.shownId = id;
    if (!same) {
      this.info = null;
      this.renderLoading();
      this.scroller.scrollTop = 0;
    }
    api.roomInfo(id).then(
      (info) => {
        if (seq !== this.seq) return;
        this.render(info, true);
        api.refreshRoom(id).then(
          (fresh) => {
            if (seq === this.seq) this.render(fresh, false);
          },
          (e: ApiError) => {
            if (seq === this.seq) {
              this.render(info, false);
              announce(`Could not refresh members: ${e.message}`, "error");
            }
          },
        );
      },
      (e: ApiError) => {
        if (seq !== this.seq) return;
        replaceChildren(this.body, h("div", { class: "info-error", role: "alert" }, icon("warning"), e.message));
        this.membersSection.hidden = true;
      },
    );
  }

  /** Cached data changed (sync, new avatars): re-read without contacting the server, at most once a second. */
  reload(): void {
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      this.reloadNow();
    }, 1000);
  }

  private reloadNow(): void {
    const id = this.shownId;
    if (!id || this.el.hidden) return;
    const seq = this.seq;
    api.roomInfo(id).then(
      (info) => {
        if (seq === this.seq && this.info) this.render(info, false);
      },
      () => undefined,
    );
  }

  private renderLoading(): void {
    replaceChildren(
      this.body,
      h("div", { class: "info-hero skeleton-hero" }, h("span", { class: "sk sk-avatar" }), h("span", { class: "sk sk-line" }), h("span", { class: "sk sk-line short" })),
    );
    this.membersSection.hidden = true;
  }

  private render(info: RoomInfo, refreshing: boolean): void {
    this.info = info;
    // Re-renders must not steal focus from a panel button (background syncs call reload()).
    const focusedId = this.body.contains(document.activeElement) ? (document.activeElement as HTMLElement).id : "";
    const scrollTop = this.scroller.scrollTop;
    const account = store.get().accounts.find((a) => a.id === info.account);
    setAvatar(this.avatar, roomAvatarUrl(info, "large"), info.name, info.id);
    const accountDot = h("span", { class: "account-dot" });
    if (account) accountDot.style.backgroundColor = account.color;
    const tags = [
      info.favorite ? pill("Favorite", "star") : null,
      info.archived ? pill("Archived", "archive") : null,
      info.hidden ? pill("Hidden", "close") : null,
      info.mentions > 0 ? pill(`${formatNumber(info.mentions)} mentions`, "bell") : null,
      info.unread > 0 ? pill(`${formatNumber(info.unread)} unread`, "bell") : null,
    ].filter((x): x is HTMLElement => x !== null);

    const copy = h(
      "button",
      { type: "button", id: "copy-id", class: "btn btn-small" },
      icon("copy"),
      "Copy id",
    );
    copy.addEventListener("click", () => {
      api.copyText(info.id).then(
        () => announce("Copied"),
        (e: ApiError) => announce(e.message, "error"),
      );
    });
    const openBrowser = info.web_url
      ? h("button", { type: "button", id: "open-browser", class: "btn btn-small" }, icon("external"), "Open in browser")
      : null;
    openBrowser?.addEventListener("click", () => {
      api.openInBrowser(info.id).catch((e: ApiError) => announce(e.message, "error"));
    });

    const memberCount = info.member_count ?? (info.members_complete ? info.members.length : null);
    replaceChildren(
      this.body,
      h(
        "div",
        { class: "info-hero" },
        this.avatar.el,
        h("h2", { class: "info-name", dir: "auto" }, info.name),
        info.topic ? h("p", { class: "info-topic", dir: "auto" }, info.topic) : null,
        h(
          "div",
          { class: "info-chips" },
          h("span", { class: "info-kind chip-static" }, kindIcon(info.kind), KIND_LABEL[info.kind]),
          h("span", { class: "info-account chip-static" }, accountDot, account ? accountLabel(account) : info.account, ` · ${FAMILY_LABEL[info.family]}`),
        ),
        tags.length ? h("div", { class: "pills" }, ...tags) : null,
        h("div", { class: "info-actions" }, copy, openBrowser),
      ),
      info.description && info.description !== info.topic
        ? h("section", { class: "info-about" }, h("h3", { class: "section-title" }, "About"), h("p", { class: "info-description", dir: "auto" }, info.description))
        : null,
      h(
        "section",
        { class: "info-facts" },
        facts([
          fact("Server", hostOf(info.server_url || account?.server_url || ""), "info-server"),
          info.created_ms ? fact("Created", formatDateTime(info.created_ms)) : null,
          info.creator ? fact("Created by", info.creator) : null,
          memberCount !== null ? fact("Members", formatNumber(memberCount)) : null,
          fact("Room id", h("span", { class: "mono info-id" }, info.id)),
        ]),
      ),
      familySection(info),
    );

    this.membersSection.hidden = false;
    const count = info.member_count ?? info.members.length;
    replaceChildren(
      this.membersTitle,
      "Members",
      h("span", { class: "count" }, count ? formatNumber(count) : ""),
      refreshing ? h("span", { class: "refreshing", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Updating…") : null,
    );
    let note = info.members_note;
    if (!note && !refreshing && info.members.length === 0) note = "No members to show.";
    else if (!note && !info.members_complete && info.members.length > 0 && !refreshing) {
      note = `Showing the first ${formatNumber(info.members.length)} members.`;
    }
    // Present only when there is something to say.
    this.membersNote.textContent = note ?? "";
    if (note && !this.membersNote.isConnected) this.membersTitle.after(this.membersNote);
    else if (!note && this.membersNote.isConnected) this.membersNote.remove();
    this.members.set(info.account, info.members);
    if (this.scroller.scrollTop !== scrollTop) this.scroller.scrollTop = scrollTop;
    if (focusedId) document.getElementById(focusedId)?.focus({ preventScroll: true });
  }
}
