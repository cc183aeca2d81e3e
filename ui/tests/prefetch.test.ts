import { describe, expect, it, vi } from "vitest";
import type { RoomQuery, RoomRow } from "../src/api";
import { makeRow, settle } from "./helpers";

vi.mock("../src/api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/api")>();
  return {
    ...actual,
    api: {
      queryRooms: vi.fn(async (_q: RoomQuery, offset: number, limit: number) => {
        const rows: RoomRow[] = [];
        for (let i = offset; i < offset + limit; i++) rows.push(makeRow(i, { has_avatar: true, avatar_version: "v1" }));
        return { total: 1000, offset, rows };
      }),
    },
  };
});

/** Every picture the page starts loading (`new Image()` then `src`). */
const asked: string[] = [];
class FakeImage {
  decoding = "";
  set src(url: string) {
    asked.push(url);
  }
  addEventListener(): void {}
}
vi.stubGlobal("Image", FakeImage);

const roomlist = await import("../src/roomlist");
const { prefetchFirstPage, dropPrefetched, ROW_HEIGHT } = roomlist;
const { defaultQuery } = await import("../src/state");

describe("the first page asked for at start-up", () => {
  it("loads no pictures ahead when the saved settings show other rooms first", async () => {
    asked.length = 0;
    prefetchFirstPage(defaultQuery(), Promise.resolve(false));
    await settle();
    expect(asked).toEqual([]);
  });

  it("loads the pictures of the rows in sight ahead when the list shows that page first", async () => {
    asked.length = 0;
    prefetchFirstPage(defaultQuery(), Promise.resolve(true));
    await settle();
    expect(asked).toHaveLength(Math.ceil(window.innerHeight / ROW_HEIGHT));
    expect(asked[0]).toMatch(/\/room\/acc\/r0\/small\?v=v1$/);
  });

  it("loads none once start-up is over", async () => {
    asked.length = 0;
    dropPrefetched();
    prefetchFirstPage(defaultQuery(), Promise.resolve(true));
    await settle();
    expect(asked).toEqual([]);
  });
});

describe("sameQuery", () => {
  const { sameQuery } = roomlist;
  /** `q` with field `k` changed, whatever its type. */
  const changed = (q: RoomQuery, k: keyof RoomQuery): RoomQuery => {
    const v: unknown = q[k];
    const other = Array.isArray(v) ? [...(v as unknown[]), "x"] : typeof v === "boolean" ? !v : `${String(v)}-x`;
    return { ...q, [k]: other } as RoomQuery;
  };

  it("tells apart queries that differ in any one field", () => {
    const q = defaultQuery();
    expect(sameQuery(q, defaultQuery())).toBe(true);
    for (const k of Object.keys(q) as (keyof RoomQuery)[]) {
      expect(sameQuery(q, changed(q, k)), k).toBe(false);
      expect(sameQuery(changed(q, k), q), k).toBe(false);
    }
  });

  it("compares lists in order", () => {
    const q = { ...defaultQuery(), accounts: ["rc1", "sc1"] };
    expect(sameQuery(q, { ...q, accounts: ["rc1", "sc1"] })).toBe(true);
    expect(sameQuery(q, { ...q, accounts: ["sc1", "rc1"] })).toBe(false);
  });
});
