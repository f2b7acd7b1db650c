import { afterAll, beforeAll } from "vitest";
import { MastodonOutlet, statusText } from "../../../adapters/mastodon/mastodon.ts";
import type { Poll } from "../../../src/announcement/announcement.ts";
import { plainText } from "../../../src/render/plain.ts";
import {
  outletContract,
  PICTURE,
  STORED_MEDIA,
  type OutletHarness,
  type PostedMessage,
} from "../../contracts/outlet.contract.ts";
import { FakeMastodon, TOWN_ACCOUNT } from "../../fakes/fake-mastodon.ts";
import { freePort } from "../../fakes/own-servers.ts";

const TOKEN = "town-token";
const fake = new FakeMastodon();
let closedPort = 0;

beforeAll(async () => {
  await fake.start();
  closedPort = await freePort();
});
afterAll(() => fake.stop());

const STATUSES = { method: "POST", path: "/api/v1/statuses" };

/** The contract's remote ids and messages, as statuses of the town's account on the fake instance. */
function mastodonHarness(): OutletHarness {
  fake.reset();
  // The contract compares exact outcomes; a status's url may be null (entities/Status), so here it is.
  fake.statusUrls = false;
  const now = Date.now();
  fake.now = () => now;
  const make = (baseUrl: string, token = TOKEN) =>
    new MastodonOutlet({
      baseUrl,
      token,
      timeoutMs: 300,
      readBackGraceMs: 0,
      now: () => now,
      media: async (sha256) => STORED_MEDIA.get(sha256),
    });
  let outlet = make(fake.url);
  const checks: (() => void)[] = [];
  const later = (what: string, ok: () => boolean) =>
    checks.push(() => {
      if (!ok()) throw new Error(`fake Mastodon: ${what}`);
    });
  const seed = (m: PostedMessage) => {
    const [text = "", alt] = (m.text ?? "").split("\n\n🖼️ ");
    fake.seed({
      id: m.remoteId,
      text: m.poll ?? plainText(text),
      createdAt: new Date(m.timestamp * 1000).toISOString(),
      mediaIds: m.media ? [fake.seedMedia(TOWN_ACCOUNT.id, alt ?? null).id] : [],
      poll: m.poll
        ? { options: ["Ja", "Nein"], multiple: false, expiresAt: new Date(now + 86_400_000).toISOString() }
        : null,
    });
  };
  return {
    get outlet() {
      return outlet;
    },
    gateway: true,
    acceptText(text, remoteId) {
      fake.nextStatusIds.push(remoteId);
      later("the status carries the plain text, public, in German", () => {
        const s = fake.statuses.get(remoteId);
        return s?.text === plainText(text) && s.visibility === "public" && s.language === "de";
      });
    },
    acceptPoll(poll: Poll, remoteId) {
      fake.nextStatusIds.push(remoteId);
      later("the status is the poll's question with its options", () => {
        const s = fake.statuses.get(remoteId);
        return s?.text === statusText({ text: "", poll }) && s.poll?.options.join("|") === poll.options.join("|");
      });
    },
    acceptPicture(caption, base64, remoteId) {
      fake.nextStatusIds.push(remoteId);
      later("the picture is attached with its description as alt text", () => {
        const s = fake.statuses.get(remoteId);
        const m = fake.media.get(s?.mediaIds[0] ?? "");
        return (
          s?.text === caption.split("\n\n🖼️ ")[0] &&
          m?.bytes.toString("base64") === base64 &&
          m.description === PICTURE.altText
        );
      });
    },
    emptyAnswer: () => fake.script({ respond: 200, body: "" }, STATUSES),
    serverError: () => fake.script({ respond: 503, body: { error: "Service Unavailable" } }, STATUSES),
    slowAnswer: () => fake.script({ hang: true }, STATUSES),
    refused: () => void (outlet = make(`http://127.0.0.1:${closedPort}`)),
    unauthorized: () => void (outlet = make(fake.url, "revoked-token")),
    sessionMissing: () => fake.script({ respond: 404, body: { error: "Record not found" } }, STATUSES),
    rateLimited: (seconds) => fake.rateLimit(seconds, STATUSES),
    readBackReturns: (messages) => messages.forEach(seed),
    readBackFails: () => fake.script({ respond: 503, body: "" }, { path: /\/statuses$/, method: "GET" }),
    acceptEdit(remoteId, text) {
      fake.seed({ id: remoteId, text: "Vorher" });
      later(
        "the status has the corrected text",
        () => (fake.statuses.get(remoteId) ?? fake.deleted.get(remoteId))?.text === text,
      );
    },
    acceptRemove(remoteId) {
      if (!fake.statuses.has(remoteId)) fake.seed({ id: remoteId, text: "Vorher" });
      later("the status is deleted", () => fake.deleted.has(remoteId) && !fake.statuses.has(remoteId));
    },
    healthNotWorking: (status) =>
      fake.script({ respond: 503, body: { error: status } }, { path: "/api/v1/accounts/verify_credentials" }),
    verify() {
      if (fake.pendingScript > 0) throw new Error("fake Mastodon: a scripted fault was not met");
      for (const check of checks) check();
    },
  };
}

outletContract("Mastodon", mastodonHarness);
