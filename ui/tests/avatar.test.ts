import { beforeEach, describe, expect, it } from "vitest";
import { colorFor, createAvatar, initials, resetAvatarCache, setAvatar } from "../src/avatar";

describe("initials", () => {
  it("takes the first letter of up to two words, uppercased", () => {
    expect(initials("design team")).toBe("DT");
    expect(initials("ops")).toBe("O");
    expect(initials("dev-ops-guild")).toBe("DO");
    expect(initials("мария иванова")).toBe("МИ");
    expect(initials("山田 太郎")).toBe("山太");
    expect(initials("#general")).toBe("G");
  });
  it("prefers letters over emoji and never returns an empty tile", () => {
    expect(initials("☕ coffee-lounge")).toBe("CL");
    expect(initials("🚀")).toBe("🚀");
    expect(initials("   ")).toBe("?");
  });
});

describe("colorFor", () => {
  it("is stable for an id and spreads different ids", () => {
    expect(colorFor("acc:r1")).toBe(colorFor("acc:r1"));
    const colors = new Set(Array.from({ length: 50 }, (_, i) => colorFor(`acc:r${i}`)));
    expect(colors.size).toBeGreaterThan(5);
    expect(colorFor("x")).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe("avatar slot", () => {
  beforeEach(() => resetAvatarCache());
  it("shows initials and swaps a failed picture for them", () => {
    const box = createAvatar("avatar-36");
    setAvatar(box, "avatar://localhost/room/a/r1/small", "design team", "a:r1");
    expect(box.el.querySelector(".avatar-initials")?.textContent).toBe("DT");
    const img = box.el.querySelector("img.avatar");
    expect(img).not.toBeNull();
    img?.dispatchEvent(new Event("error"));
    expect(box.el.querySelector("img.avatar")).toBeNull();
    // A recycled row asking for the same broken picture does not retry it.
    const again = createAvatar("avatar-36");
    setAvatar(again, "avatar://localhost/room/a/r1/small", "design team", "a:r1");
    expect(again.el.querySelector("img")).toBeNull();
  });

  it("a recycled slot shows the new room's initials and colour, and keeps them when rebound to the same room", () => {
    const box = createAvatar("avatar-36");
    const tile = box.el.querySelector<HTMLElement>(".avatar-initials");
    setAvatar(box, null, "design team", "a:r1");
    expect(tile?.textContent).toBe("DT");
    const first = tile?.style.backgroundColor;
    // Another room in the same slot (a virtual-list row scrolled to a new index).
    const other = ["b:r1", "b:r2", "b:r3", "b:r4"].find((k) => colorFor(k) !== colorFor("a:r1")) ?? "b:r1";
    setAvatar(box, null, "ops", other);
    expect(tile?.textContent).toBe("O");
    expect(tile?.style.backgroundColor).not.toBe(first);
    // The same name under another room still takes that room's colour.
    setAvatar(box, null, "ops", "a:r1");
    expect(tile?.style.backgroundColor).toBe(first);
    // Rebound to the same room: nothing to redo, nothing changes.
    setAvatar(box, null, "ops", "a:r1");
    expect(tile?.textContent).toBe("O");
    expect(tile?.style.backgroundColor).toBe(first);
  });
});
