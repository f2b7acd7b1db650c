import { describe, expect, it } from "vitest";
import {
  checkOutletsCarry,
  chooseOutlets,
  outletsOf,
  withoutUncarrying,
  type ConfiguredOutlet,
} from "../../../src/announcement/outlets.ts";
import type { OutletCapabilities } from "../../../src/ports/outlet.ts";

const can = (more: Partial<OutletCapabilities> = {}): OutletCapabilities => ({
  text: true,
  image: true,
  video: true,
  poll: true,
  edit: true,
  delete: true,
  maxTextLength: 4096,
  maxCaptionLength: 1024,
  ...more,
});

const configured: ConfiguredOutlet[] = [
  { id: "whatsapp-waha", handoff: false, capabilities: can() },
  { id: "mastodon", handoff: false, capabilities: can({ maxTextLength: 500, maxCaptionLength: 500 }) },
  { id: "telegram", handoff: false, capabilities: can({ video: false }) },
];

describe("choosing outlets", () => {
  it("takes the category's outlets that are set up, or all of them", () => {
    expect(chooseOutlets(configured, {}, {})).toEqual({ ok: true, value: ["whatsapp", "mastodon", "telegram"] });
    expect(chooseOutlets(configured, { outlets: ["mastodon", "press"] }, {})).toEqual({
      ok: true,
      value: ["mastodon"],
    });
  });

  it("--to replaces them, --not takes some away", () => {
    expect(chooseOutlets(configured, { outlets: ["mastodon"] }, { to: ["telegram", "whatsapp"] })).toEqual({
      ok: true,
      value: ["telegram", "whatsapp"],
    });
    expect(chooseOutlets(configured, {}, { not: ["whatsapp"] })).toEqual({ ok: true, value: ["mastodon", "telegram"] });
  });

  it("refuses an outlet that is not set up, naming those that are, and a choice that leaves none", () => {
    expect(chooseOutlets(configured, {}, { to: ["press"] })).toMatchObject({
      ok: false,
      error: { code: "UNKNOWN_OUTLET", params: { outlet: "press", known: "whatsapp, mastodon, telegram" } },
    });
    expect(chooseOutlets(configured, {}, { not: ["whatsap"] })).toMatchObject({
      ok: false,
      error: { code: "UNKNOWN_OUTLET" },
    });
    expect(chooseOutlets(configured, { outlets: ["mastodon"] }, { not: ["mastodon"] })).toMatchObject({
      ok: false,
      error: { code: "NO_OUTLET_LEFT" },
    });
  });

  it("leaves out default outlets that cannot carry the kind of content at all, unless none would remain", () => {
    const video = { text: "Film", media: [{ name: "v.mp4", mimeType: "video/mp4", bytes: 1, sha256: "x" }] };
    expect(withoutUncarrying(video, ["whatsapp", "mastodon", "telegram"], configured)).toEqual([
      "whatsapp",
      "mastodon",
    ]);
    expect(withoutUncarrying(video, ["telegram"], configured)).toEqual(["telegram"]);
    expect(withoutUncarrying({ text: "x", media: [] }, ["telegram"], configured)).toEqual(["telegram"]);
  });

  it("holds polls to an outlet's own limits: refused when named, left out when only a default", () => {
    const mastodon: ConfiguredOutlet = {
      id: "mastodon",
      handoff: false,
      capabilities: can({ maxPollOptions: 4, maxPollOptionLength: 50 }),
    };
    const poll = (options: string[]) => ({
      text: "",
      media: [],
      poll: { question: "Wann?", options, multipleChoice: false },
    });
    const six = poll(["Mo", "Di", "Mi", "Do", "Fr", "Sa"]);
    expect(checkOutletsCarry(six, [mastodon])).toMatchObject({
      ok: false,
      error: { code: "POLL_TOO_BIG_FOR", params: { outlet: "mastodon", options: 6, maxOptions: 4, maxLength: 50 } },
    });
    expect(checkOutletsCarry(poll(["Ja", "x".repeat(51)]), [mastodon])).toMatchObject({
      ok: false,
      error: { code: "POLL_TOO_BIG_FOR", params: { longest: 51 } },
    });
    expect(checkOutletsCarry(poll(["Ja", "x".repeat(50)]), [mastodon])).toEqual({ ok: true, value: undefined });
    expect(withoutUncarrying(six, ["whatsapp", "mastodon"], [configured[0]!, mastodon])).toEqual(["whatsapp"]);
  });

  it("an announcement from before outlets were chosen goes to all", () => {
    expect(outletsOf({}, configured)).toHaveLength(3);
    expect(outletsOf({ outlets: ["telegram"] }, configured).map((o) => o.id)).toEqual(["telegram"]);
  });

  it("checks each chosen outlet's kinds and its own length, naming the outlet", () => {
    const video = { name: "v.mp4", mimeType: "video/mp4", bytes: 1, sha256: "x" };
    expect(checkOutletsCarry({ text: "Film", media: [video] }, configured)).toMatchObject({
      ok: false,
      error: { code: "OUTLET_CANNOT", params: { outlet: "telegram", what: "video" } },
    });
    expect(checkOutletsCarry({ text: "x".repeat(600), media: [] }, configured)).toMatchObject({
      ok: false,
      error: { code: "TEXT_TOO_LONG_FOR", params: { outlet: "mastodon", length: 600, max: 500, over: 100 } },
    });
    const measured: ConfiguredOutlet = { ...configured[1]!, measure: () => 501 };
    expect(checkOutletsCarry({ text: "kurz", media: [] }, [measured])).toMatchObject({
      ok: false,
      error: { code: "TEXT_TOO_LONG", params: { length: 501 } },
    });
    expect(checkOutletsCarry({ text: "x".repeat(600), media: [] }, [configured[0]!])).toEqual({
      ok: true,
      value: undefined,
    });
  });
});
