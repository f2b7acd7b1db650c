import { describe, expect, it } from "vitest";
import { dispatch } from "../../commands/dispatch.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { aWorld, origin, type World } from "../fakes/world.ts";

const say = async (w: World, user: string, text: string) => {
  const o = await dispatch(
    { kind: "text", actor: { platform: "console", userId: user }, origin, text },
    { service: w.service, policy: w.policy, clock: w.clock, log: silentLogger },
  );
  return o.kind === "reply" ? o.message : { de: `(${o.kind})`, en: `(${o.kind})` };
};

describe("history speaks the reader's language, also for what the system wrote", () => {
  it("an escalation and an expiry read as reminders and a passed deadline, never 'pinged dieter'", async () => {
    const w = aWorld();
    await say(w, "anna", "Wochenmarkt fällt aus");
    w.clock.advance(31 * 60_000);
    await w.service.tick();
    w.clock.advance(3 * 24 * 3_600_000);
    await w.service.tick();
    const history = await say(w, "anna", "history A-0001");
    expect(history.de).toMatch(/erinnert: Dieter/);
    expect(history.de).toMatch(/Frist abgelaufen/);
    expect(history.de).not.toMatch(/pinged|deadline passed|Grund: /);
    expect(history.en).toMatch(/reminded: Dieter/);
  });
});
