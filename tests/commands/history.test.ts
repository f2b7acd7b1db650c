import { describe, expect, it } from "vitest";
import { aWorld, say, type World } from "../fakes/world.ts";

const answer = async (w: World, user: string, text: string) => {
  const o = await say(w, user, text);
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
    const history = await answer(w, "anna", "history A-0001");
    expect(history.de).toMatch(/erinnert: Dieter/);
    expect(history.de).toMatch(/Frist abgelaufen/);
    expect(history.de).not.toMatch(/pinged|deadline passed|Grund: /);
    expect(history.en).toMatch(/reminded: Dieter/);
  });
});
