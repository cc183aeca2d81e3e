/**
 * The one way this UI builds DOM. Server strings (room names, topics, messages, usernames…) are
 * hostile input, so every string child becomes a Text node and every attribute goes through
 * `setAttribute`: nothing is ever parsed as HTML. `style` attributes are refused because the
 * CSP (`style-src 'self'`) would block them anyway; dynamic geometry uses `el.style.x = …`
 * (CSSOM), which the CSP allows.
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Listener = (e: Event) => void;
export type AttrValue = string | number | boolean | null | undefined | Listener;
export type Attrs = Record<string, AttrValue>;

function appendChildren(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) appendChildren(parent, c as readonly Child[]);
    else if (typeof c === "string" || typeof c === "number") parent.appendChild(document.createTextNode(String(c)));
    else parent.appendChild(c as Node);
  }
}

function applyAttrs(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return;
  for (const key of Object.keys(attrs)) {
    const v = attrs[key];
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === "function") {
      if (!key.startsWith("on")) throw new Error(`h: function attribute ${key} must be an on* handler`);
      el.addEventListener(key.slice(2).toLowerCase(), v);
    } else if (key === "style") {
      throw new Error("h: inline style attributes are blocked by the CSP; use classes");
    } else if (key === "class") {
      el.setAttribute("class", String(v));
    } else {
      el.setAttribute(key, v === true ? "" : String(v));
    }
  }
}

/** `h("div", {class: "x", onclick: fn}, "text", child)`: an element with text-only strings. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  appendChildren(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element (icons). Same rules as `h`. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  appendChildren(el, children);
  return el;
}

/** Sets text only when it changed: cheap to call on every virtual-list rebind. */
export function setText(el: Node, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

const backgrounds = new WeakMap<HTMLElement, string>();

/**
 * Sets an inline background colour only when it differs from the one this function last set.
 * Reading `style.backgroundColor` back is no check: a hex colour reads back as `rgb(…)`, so
 * comparing with it rewrote the style (and invalidated the element's style) on every rebind.
 */
export function setBackground(el: HTMLElement, color: string): void {
  if (backgrounds.get(el) === color) return;
  backgrounds.set(el, color);
  el.style.backgroundColor = color;
}

/** Replaces all children (no HTML parsing). */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  appendChildren(el, children);
}

/** Sets or removes an attribute depending on `value`. */
export function setAttr(el: Element, name: string, value: string | null): void {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) {
    el.setAttribute(name, value);
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

let idCounter = 0;
/** A document-unique id for aria wiring. */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
