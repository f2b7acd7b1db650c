import { describe, expect, it } from "vitest";
import type { ChatStateStore, Settings, StoreLifecycle } from "../../src/ports/store.ts";
import { storeHarness, type StoreContractOptions } from "./store-harness.ts";

/** Chat state is checked to stay apart from settings, hence `Settings`. */
export type ChatStateUnderTest = ChatStateStore & Settings & StoreLifecycle;

const HOUR = 3_600_000;
/** Short enough to wait for, long enough that a put and the get right after it fit in easily. */
const SHORT = 150;
/** How an expiry is waited for: asked every 20 ms, for at most 3 s. */
const UNTIL_GONE = { interval: 20, timeout: 3_000 };

const VALUES: Record<string, unknown> = {
  object: { announcement: "A-0042", version: 2, reactions: { U0ANNA0001: ["white_check_mark"] }, done: false },
  array: [1, "zwei", null, { drei: [3] }, [], {}],
  string: "Grüße aus Achim – „Ümläute“ & 🚧 ß 中文 👩🏽‍🚒",
  "string with escapes": 'tab\t newline\n quote" backslash\\ nul\u0000 lone surrogate \ud800 ',
  "empty string": "",
  zero: 0,
  negative: -17.25,
  large: 9_007_199_254_740_991,
  tiny: 5e-324,
  true: true,
  false: false,
  null: null,
  "empty object": {},
  "empty array": [],
  "long string": "ä".repeat(64 * 1024),
};

/** Keys as chats make them (colons), and keys that would break naive quoting or pattern matching. */
const ODD_KEYS = [
  "slack:msg:C0APPROVAL:1733300000.000100",
  "matrix:event:$abc:example.org",
  "a",
  "a:",
  "a:b",
  "A:B",
  "with space",
  " leading and trailing ",
  "ümlaut 🚧 中文",
  "100%",
  "%",
  "_",
  "a_c",
  "it's",
  "'",
  "''",
  '"quoted"',
  "`backtick`",
  "back\\slash",
  "$1",
  "?",
  "*",
  "[x]",
  "{x}",
  "new\nline",
  "'; DROP TABLE amtsbote_chat_state; --",
  '"; DROP TABLE amtsbote_chat_state; --',
  "' OR '1'='1",
  "k".repeat(1_000),
];

/** Chat state: JSON values with an expiry, shared between instances. */
export function chatStateContract(name: string, options: StoreContractOptions<ChatStateUnderTest>): void {
  describe(`chat state contract: ${name}`, () => {
    const { open, fresh, instances, another } = storeHarness(options);

    it("round-trips JSON values of every kind; null reads back as null, an absent key as undefined", async () => {
      const store = await open(fresh());
      expect(await store.getChatState("never written")).toBeUndefined();
      await Promise.all(Object.entries(VALUES).map(([key, value]) => store.putChatState(key, value, HOUR)));
      for (const [key, value] of Object.entries(VALUES)) expect(await store.getChatState(key), key).toEqual(value);
      expect(await store.getChatState("null")).toBeNull();
      expect(await store.getChatState("never written")).toBeUndefined();
    });

    it("hands out copies: changing a value read or written does not change what is stored", async () => {
      const store = await open(fresh());
      const value = { list: [1, 2] };
      await store.putChatState("k", value, HOUR);
      value.list.push(3);
      const read = (await store.getChatState("k")) as { list: number[] };
      read.list.push(4);
      expect(await store.getChatState("k")).toEqual({ list: [1, 2] });
    });

    it("is shared between instances: what one writes or deletes, the other sees", async () => {
      const shared = fresh();
      const store = await open(shared);
      const other = await another(shared, store);
      await store.putChatState("slack:card:A-0001", { ts: "1733300000.000100" }, HOUR);
      expect(await other.getChatState("slack:card:A-0001")).toEqual({ ts: "1733300000.000100" });
      await other.putChatState("slack:card:A-0001", { ts: "1733300000.000200" }, HOUR);
      expect(await store.getChatState("slack:card:A-0001")).toEqual({ ts: "1733300000.000200" });
      await other.deleteChatState("slack:card:A-0001");
      expect(await store.getChatState("slack:card:A-0001")).toBeUndefined();
    });

    it("an entry reads as absent once its time is up, not before, and can then be written again", async () => {
      const store = await open(fresh());
      const since = Date.now();
      await store.putChatState("k", "short-lived", SHORT);
      const read = await store.getChatState("k");
      // Only a machine stalled for the whole TTL could see it gone already; that is no failure of the store.
      if (Date.now() - since < SHORT) expect(read).toBe("short-lived");
      await expect.poll(() => store.getChatState("k"), UNTIL_GONE).toBeUndefined();
      // Generous margin: the SQL back-ends count from when the server ran the statement.
      expect(Date.now() - since).toBeGreaterThanOrEqual(SHORT - 50);
      expect(await store.getChatState("k")).toBeUndefined();
      await store.putChatState("k", "again", HOUR);
      expect(await store.getChatState("k")).toBe("again");
    });

    it("put replaces the value and the expiry: a longer one keeps the entry, a shorter one ends it", async () => {
      const store = await open(fresh());
      await store.putChatState("lengthened", "first", SHORT);
      await store.putChatState("lengthened", "second", HOUR);
      // Written after the first expiry was set, so it expires after it would have.
      await store.putChatState("probe", "probe", SHORT);
      await expect.poll(() => store.getChatState("probe"), UNTIL_GONE).toBeUndefined();
      expect(await store.getChatState("lengthened")).toBe("second");

      await store.putChatState("shortened", "first", HOUR);
      await store.putChatState("shortened", "second", SHORT);
      expect(["second", undefined]).toContain(await store.getChatState("shortened"));
      await expect.poll(() => store.getChatState("shortened"), UNTIL_GONE).toBeUndefined();
    });

    it("delete removes an entry, leaves the others, and is fine for a key that is not there", async () => {
      const store = await open(fresh());
      await store.putChatState("gone", 1, HOUR);
      await store.putChatState("kept", 2, HOUR);
      await store.deleteChatState("gone");
      expect(await store.getChatState("gone")).toBeUndefined();
      expect(await store.getChatState("kept")).toBe(2);
      await store.deleteChatState("gone");
      await store.deleteChatState("never written");
      await store.putChatState("gone", 3, HOUR);
      expect(await store.getChatState("gone")).toBe(3);
    });

    it("keeps many keys apart, written in parallel from every instance", async () => {
      const stores = await instances(fresh());
      const keys = Array.from({ length: 200 }, (_, i) => `room:!r${i % 7}:event:${i}`);
      await Promise.all(
        keys.map((key, i) => (stores[i % stores.length] as ChatStateUnderTest).putChatState(key, { i }, HOUR)),
      );
      const reader = stores[stores.length - 1] as ChatStateUnderTest;
      expect(await Promise.all(keys.map((key) => reader.getChatState(key)))).toEqual(keys.map((_, i) => ({ i })));
      await Promise.all(keys.filter((_, i) => i % 2 === 0).map((key) => reader.deleteChatState(key)));
      const left = await Promise.all(keys.map((key) => (stores[0] as ChatStateUnderTest).getChatState(key)));
      expect(left).toEqual(keys.map((_, i) => (i % 2 === 0 ? undefined : { i })));
    });

    it("keys with odd characters are keys like any other: no quoting, escaping or pattern matching", async () => {
      const store = await open(fresh());
      await Promise.all(ODD_KEYS.map((key, i) => store.putChatState(key, { key, i }, HOUR)));
      for (const [i, key] of ODD_KEYS.entries()) expect(await store.getChatState(key), key).toEqual({ key, i });
      // Near misses of the odd keys are other keys.
      for (const key of ["A", "a:b:", "a c", "100", "b", "it’s", "k".repeat(999)])
        expect(await store.getChatState(key), key).toBeUndefined();
      for (const key of ODD_KEYS.filter((_, i) => i % 2 === 1)) await store.deleteChatState(key);
      for (const [i, key] of ODD_KEYS.entries())
        expect(await store.getChatState(key), key).toEqual(i % 2 === 1 ? undefined : { key, i });
    });

    it("is apart from settings under the same key", async () => {
      const store = await open(fresh());
      await store.putSetting("mode", "setting");
      await store.putChatState("mode", "chat state", HOUR);
      expect(await store.getSetting("mode")).toBe("setting");
      expect(await store.getChatState("mode")).toBe("chat state");
      await store.deleteChatState("mode");
      expect(await store.getSetting("mode")).toBe("setting");
      expect(await store.getChatState("mode")).toBeUndefined();
    });

    it("refuses a value JSON cannot hold and an expiry that is not a positive number, writing nothing", async () => {
      const store = await open(fresh());
      await expect(store.putChatState("k", undefined, HOUR)).rejects.toThrow(TypeError);
      await expect(store.putChatState("k", () => 1, HOUR)).rejects.toThrow(TypeError);
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
        await expect(store.putChatState("k", "v", ttl), String(ttl)).rejects.toThrow(RangeError);
      expect(await store.getChatState("k")).toBeUndefined();
    });
  });
}
