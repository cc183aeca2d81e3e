// Shared fixtures: deterministic rooms and a way to let promise chains settle.
import type { RoomRow } from "../src/api";

export function makeRow(i: number, over: Partial<RoomRow> = {}): RoomRow {
  return {
    id: `acc:r${i}`,
    account: "acc",
    family: "rocketchat",
    remote_id: `r${i}`,
    kind: "channel",
    name: `room ${i}`,
    topic: null,
    unread: 0,
    mentions: 0,
    alert: false,
    favorite: false,
    archived: false,
    hidden: false,
    last_activity_ms: 1_700_000_000_000 - i * 1000,
    last_message: { text: `message ${i}`, author: "ada", at_ms: 1_700_000_000_000 - i * 1000 },
    member_count: 3,
    has_avatar: false,
    avatar_version: null,
    ...over,
  };
}

/** Lets pending promise callbacks (mocked IPC answers) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}

export const HOSTILE = [
  "<img src=x onerror=alert(1)>",
  "<script>alert('x')</script>",
  '"><svg onload=alert(1)>',
  "<b>bold</b> &amp; entity",
];
