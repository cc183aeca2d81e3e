/**
 * Inline SVG icons built with DOM APIs (no HTML strings, no icon font, nothing the CSP would
 * block). 24×24 stroke icons drawn with `currentColor`, so they follow the theme.
 */
import { s } from "./dom";
import type { RoomKind } from "./api";

type Shape = readonly [tag: "path" | "circle" | "rect", attrs: Record<string, string | number>];

const P = (d: string): Shape => ["path", { d }];
const C = (cx: number, cy: number, r: number): Shape => ["circle", { cx, cy, r }];

const ICONS = {
  hash: [P("M5 9h14M5 15h14M10 4 8 20M16 4l-2 16")],
  lock: [["rect", { x: 5, y: 11, width: 14, height: 10, rx: 2 }], P("M8 11V7a4 4 0 0 1 8 0v4")],
  person: [C(12, 8, 4), P("M4 21a8 8 0 0 1 16 0")],
  people: [C(9, 8, 3.5), P("M2.5 20a6.5 6.5 0 0 1 13 0"), P("M16 4.5a3.5 3.5 0 0 1 0 7"), P("M18 14a6.5 6.5 0 0 1 3.5 6")],
  bubble: [P("M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.6A8 8 0 1 1 21 12Z")],
  team: [C(12, 7, 3), C(5, 10, 2.2), C(19, 10, 2.2), P("M7 20a5 5 0 0 1 10 0"), P("M2 19a3.5 3.5 0 0 1 4.5-3.3M22 19a3.5 3.5 0 0 0-4.5-3.3")],
  headset: [P("M4 15v-3a8 8 0 0 1 16 0v3"), ["rect", { x: 3, y: 14, width: 4, height: 6, rx: 1.5 }], ["rect", { x: 17, y: 14, width: 4, height: 6, rx: 1.5 }], P("M19 20a3 3 0 0 1-3 2h-3")],
  grid: [["rect", { x: 4, y: 4, width: 7, height: 7, rx: 1.5 }], ["rect", { x: 13, y: 4, width: 7, height: 7, rx: 1.5 }], ["rect", { x: 4, y: 13, width: 7, height: 7, rx: 1.5 }], ["rect", { x: 13, y: 13, width: 7, height: 7, rx: 1.5 }]],
  mic: [["rect", { x: 9, y: 3, width: 6, height: 11, rx: 3 }], P("M5 11a7 7 0 0 0 14 0M12 18v3")],
  phone: [P("M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2Z")],
  dot: [C(12, 12, 3)],
  search: [C(11, 11, 7), P("m20 20-4-4")],
  star: [P("m12 3 2.8 5.7 6.2.9-4.5 4.4 1 6.2L12 17.3 6.5 20.2l1-6.2L3 9.6l6.2-.9L12 3Z")],
  close: [P("M6 6l12 12M18 6 6 18")],
  more: [C(5, 12, 1.3), C(12, 12, 1.3), C(19, 12, 1.3)],
  sidebar: [["rect", { x: 3, y: 4, width: 18, height: 16, rx: 2 }], P("M9 4v16")],
  panel: [["rect", { x: 3, y: 4, width: 18, height: 16, rx: 2 }], P("M15 4v16")],
  copy: [["rect", { x: 8, y: 8, width: 12, height: 12, rx: 2 }], P("M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2")],
  external: [P("M14 4h6v6M20 4l-9 9M18 14v4a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h4")],
  sync: [P("M20 11a8 8 0 0 0-14.6-4.5L4 8M4 4v4h4M4 13a8 8 0 0 0 14.6 4.5L20 16M20 20v-4h-4")],
  plus: [P("M12 5v14M5 12h14")],
  warning: [P("M12 3 2 20h20L12 3Z"), P("M12 10v4M12 17v.01")],
  check: [P("m5 12 5 5 9-10")],
  shield: [P("M12 3 4 6v6c0 5 3.5 8 8 9 4.5-1 8-4 8-9V6l-8-3Z")],
  archive: [["rect", { x: 3, y: 4, width: 18, height: 5, rx: 1 }], P("M5 9v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V9M10 13h4")],
  bell: [P("M6 16V11a6 6 0 0 1 12 0v5l2 2H4l2-2ZM10 21h4")],
  offline: [P("M2 2l20 20M8.5 16.5a5 5 0 0 1 7 0M5 12.9a10 10 0 0 1 5.2-2.8M19 12.9a10 10 0 0 0-2.3-1.6M2 8.8a15 15 0 0 1 4.2-2.7M22 8.8a15 15 0 0 0-11-3.7M12 20h.01")],
  key: [C(8, 15, 4), P("m11 12 9-9M17 6l3 3M15 8l2 2")],
  chevron: [P("m6 9 6 6 6-6")],
} as const satisfies Record<string, readonly Shape[]>;

export type IconName = keyof typeof ICONS;

/** An `<svg class="icon">`, hidden from assistive tech (labels carry the meaning). */
export function icon(name: IconName, extraClass = ""): SVGSVGElement {
  const svg = s("svg", {
    class: extraClass ? `icon ${extraClass}` : "icon",
    viewBox: "0 0 24 24",
    fill: "none",
    stroke: "currentColor",
    "stroke-width": 1.8,
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
    "aria-hidden": "true",
    focusable: "false",
  });
  for (const [tag, attrs] of ICONS[name] as readonly Shape[]) svg.appendChild(s(tag, attrs));
  return svg;
}

export const KIND_ICON: Record<RoomKind, IconName> = {
  channel: "hash",
  private: "lock",
  direct: "person",
  group_direct: "people",
  discussion: "bubble",
  team: "team",
  livechat: "headset",
  voip: "phone",
  collection: "grid",
  space: "mic",
  other: "dot",
};

export const KIND_LABEL: Record<RoomKind, string> = {
  channel: "Channel",
  private: "Private room",
  direct: "Direct message",
  group_direct: "Group message",
  discussion: "Discussion",
  team: "Team",
  livechat: "Livechat",
  voip: "Call",
  collection: "NFT collection",
  space: "Space",
  other: "Room",
};

/** Short plural labels for the kind filter chips. */
export const KIND_CHIP: Record<RoomKind, string> = {
  channel: "Channels",
  private: "Private",
  direct: "Direct",
  group_direct: "Groups",
  discussion: "Discussions",
  team: "Teams",
  livechat: "Livechat",
  voip: "Calls",
  collection: "Collections",
  space: "Spaces",
  other: "Other",
};

/** One icon per kind, cached and cloned: cloning is much cheaper than rebuilding paths. */
const kindCache = new Map<RoomKind, SVGSVGElement>();
export function kindIcon(kind: RoomKind): SVGSVGElement {
  let proto = kindCache.get(kind);
  if (!proto) {
    proto = icon(KIND_ICON[kind] ?? "dot", "kind-icon");
    kindCache.set(kind, proto);
  }
  return proto.cloneNode(true) as SVGSVGElement;
}
