import { afterEach, describe, expect, it } from "vitest";
import { FakeHomeserver } from "../../fakes/fake-homeserver.ts";
import { APPROVAL_ROOM, M, OPS_ROOM, startMatrixBot, type MatrixBot } from "../../fakes/matrix-bot.ts";
import { OutageStore } from "../../fakes/outage-store.ts";

let hs: FakeHomeserver | undefined;
let bot: MatrixBot | undefined;
let store: OutageStore | undefined;

afterEach(async () => {
  if (store) store.down = false;
  await bot?.stop();
  await hs?.stop();
  hs = bot = store = undefined;
});

const CANNOT_CHECK = "⚠️ Ich kann gerade nichts prüfen oder ändern";

describe("Matrix while the store is unreachable", () => {
  it("a command in a sync batch is answered, and a ✅ after it in the same batch is counted once the store is back", async () => {
    hs = await FakeHomeserver.start();
    hs.createRoom(APPROVAL_ROOM, { members: Object.values(M) });
    hs.createRoom(OPS_ROOM, { members: Object.values(M) });
    store = new OutageStore();
    bot = await startMatrixBot(hs, { store });
    hs.push(OPS_ROOM, hs.message(M.anna, "!announce Zwei Freigaben nötig --category baustelle"));
    await expect.poll(() => bot?.desk.state.post("A-0001")).toBeDefined();
    await bot.settled();
    const preview = await bot.desk.state.post("A-0001");
    if (!preview) throw new Error("no preview");

    store.down = true;
    const [command] = hs.push(
      APPROVAL_ROOM,
      hs.message(M.carla, "!announce status A-0001"),
      hs.reaction(M.carla, preview.id, "✅"),
    );
    const replies = () =>
      (hs?.sent ?? [])
        .filter((s) => JSON.stringify(s.content["m.relates_to"] ?? {}).includes(command?.event_id ?? "?"))
        .map((s) => String(s.content.body));
    await expect.poll(replies).toEqual([expect.stringContaining(CANNOT_CHECK)]);

    store.down = false;
    await bot.desk.resume();
    await expect.poll(async () => (await bot?.service.get("A-0001"))?.approvals.map((a) => a.by)).toEqual(["carla"]);
    hs.push(APPROVAL_ROOM, hs.reaction(M.dieter, preview.id, "✅"));
    await expect.poll(() => bot?.outlet.published.length).toBe(1);
  });
});
