import { describe, expect, it } from "vitest";
import { h, s } from "../src/dom";
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
