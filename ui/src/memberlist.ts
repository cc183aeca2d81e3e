/**
 * The member list of the info panel: rooms can have thousands of members, so it is virtualized
 * against the panel's own scroll (one scrollbar for the whole panel, ≤ ~60 row elements).
 */
import { avatarUrl, type Member } from "./api";
import { createAvatar, setAvatar, type AvatarBox } from "./avatar";
import { h, setAttr, setText } from "./dom";
import { VirtualList } from "./virtual";

export const MEMBER_ROW_HEIGHT = 44;

const PRESENCE: Record<string, string> = {
  online: "Online",
  away: "Away",
  busy: "Busy",
  offline: "Offline",
};

interface MemberParts {
  avatar: AvatarBox;
  name: HTMLElement;
  username: HTMLElement;
  presence: HTMLElement;
  role: HTMLElement;
}

export class MemberList {
  readonly el: HTMLElement;
  private members: readonly Member[] = [];
  private account = "";
  private readonly list: VirtualList;
  private readonly parts = new WeakMap<HTMLElement, MemberParts>();

  constructor(scroller: HTMLElement) {
    this.el = h("div", { class: "info-members", role: "list", "aria-label": "Members" });
    this.list = new VirtualList({
      scroller,
      content: this.el,
      nested: true,
      rowHeight: MEMBER_ROW_HEIGHT,
      overscan: 6,
      maxRows: 80,
      createRow: () => this.createRow(),
      renderRow: (el, i) => this.renderRow(el, i),
    });
  }

  set(account: string, members: readonly Member[]): void {
    this.account = account;
    this.members = members;
    this.list.setTotal(members.length);
    this.list.invalidateAll();
  }

  refresh(): void {
    this.list.schedule();
  }

  private createRow(): HTMLElement {
    const avatar = createAvatar("avatar-28");
    const presence = h("span", { class: "presence", role: "img" });
    const name = h("span", { class: "member-name", dir: "auto" });
    const username = h("span", { class: "member-username", dir: "auto" });
    const role = h("span", { class: "member-role", hidden: true });
    const el = h(
      "div",
      { class: "member-row", role: "listitem" },
      h("span", { class: "member-avatar" }, avatar.el, presence),
      h("span", { class: "member-text" }, name, username),
      role,
    );
    this.parts.set(el, { avatar, name, username, presence, role });
    return el;
  }

  private renderRow(el: HTMLElement, i: number): void {
    const p = this.parts.get(el);
    const m = this.members[i];
    if (!p || !m) return;
    el.dataset.id = m.id;
    setAttr(el, "aria-posinset", String(i + 1));
    setAttr(el, "aria-setsize", String(this.members.length));
    const url = m.has_avatar ? avatarUrl("user", this.account, m.id, "small", m.avatar_version) : null;
    setAvatar(p.avatar, url, m.display_name || m.username || "?", m.id);
    setText(p.name, m.display_name || m.username || m.id);
    setText(p.username, m.username ? `@${m.username}` : "");
    const status = (m.status ?? "").toLowerCase();
    const known = status in PRESENCE ? status : status ? "other" : "unknown";
    p.presence.dataset.status = known;
    const label = PRESENCE[status] ?? (m.status || "Status unknown");
    setAttr(p.presence, "aria-label", label);
    p.presence.title = label;
    p.role.hidden = !m.role;
    setText(p.role, m.role ?? "");
  }
}
