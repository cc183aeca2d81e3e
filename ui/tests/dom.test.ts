import { describe, expect, it } from "vitest";
import { h, s, setBackground } from "../src/dom";
import { HOSTILE } from "./helpers";

describe("h()", () => {
  it("turns every string child into a text node", () => {
    for (const evil of HOSTILE) {
      const el = h("div", { title: evil }, evil, h("span", null, evil));
      expect(el.textContent).toBe(evil + evil);
      expect(el.getAttribute("title")).toBe(evil);
      expect(el.querySelector("img, script, svg, b")).toBeNull();
      expect(el.childNodes[0]?.nodeType).toBe(Node.TEXT_NODE);
    }
  });
  it("wires handlers, skips empty attributes and refuses inline styles (CSP)", () => {
    let clicks = 0;
    const b = h("button", { onclick: () => clicks++, disabled: false, hidden: true, "aria-label": null }, "x");
    b.click();
    expect(clicks).toBe(1);
    expect(b.hasAttribute("disabled")).toBe(false);
    expect(b.hidden).toBe(true);
    expect(b.hasAttribute("aria-label")).toBe(false);
    expect(() => h("div", { style: "color:red" })).toThrow();
    expect(s("svg", { viewBox: "0 0 24 24" }).namespaceURI).toBe("http://www.w3.org/2000/svg");
  });
});

describe("setBackground()", () => {
  it("sets a colour, and writes the style again only when the colour changes", () => {
    const el = document.createElement("span");
    // Every write of the inline style is a mutation of the style attribute.
    const observer = new MutationObserver(() => undefined);
    observer.observe(el, { attributes: true, attributeFilter: ["style"] });
    const writes = (): number => observer.takeRecords().length;
    // (WebKit reads a hex colour back as rgb(), so a read-back check always rewrote; jsdom
    // keeps the hex, so only the writes are counted here.)
    setBackground(el, "#4f6bed");
    expect(el.style.backgroundColor).not.toBe("");
    expect(writes()).toBe(1);
    setBackground(el, "#4f6bed");
    expect(writes()).toBe(0);
    const first = el.style.backgroundColor;
    setBackground(el, "#7a5af8");
    expect(el.style.backgroundColor).not.toBe(first);
    expect(writes()).toBe(1);
    observer.disconnect();
  });
});
