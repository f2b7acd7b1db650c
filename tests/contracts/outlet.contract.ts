import { afterEach, describe, expect, it } from "vitest";
import type { DeliveryAttempt, MediaItem, Poll } from "../../src/announcement/announcement.ts";
import type { OutboundPost, Outlet } from "../../src/ports/outlet.ts";

export interface PostedMessage {
  remoteId: string;
  text?: string;
  poll?: string;
  /** A picture post; `text` is then its caption. */
  media?: boolean;
  /** Seconds since the epoch. */
  timestamp: number;
}

/** Scripts one back-end for the next call; gateway back-ends fail the test on any request not scripted. */
export interface OutletHarness {
  outlet: Outlet;
  gateway: boolean;
  acceptText?(text: string, remoteId: string): void;
  acceptPoll?(poll: Poll, remoteId: string): void;
  /** A picture post: caption and the file's base64 as the gateway must receive them. */
  acceptPicture?(caption: string, base64: string, remoteId: string): void;
  emptyAnswer?(): void;
  serverError?(): void;
  slowAnswer?(): void;
  refused?(): void;
  unauthorized?(): void;
  sessionMissing?(): void;
  sessionNotReady?(status: string): void;
  rateLimited?(retryAfterSeconds: number): void;
  readBackReturns?(messages: PostedMessage[]): void;
  readBackFails?(): void;
  acceptEdit?(remoteId: string, text: string): void;
  acceptRemove?(remoteId: string): void;
  healthWorking?(): void;
  healthNotWorking?(status: string): void;
  /** Throws when a scripted call did not happen or an unscripted one did. */
  verify(): void;
}

/** A small stored picture the gateways fetch from the media store by its hash. */
export const PICTURE_BYTES = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 0xff, 0xd9]);
export const PICTURE: MediaItem = {
  name: "umleitung.jpg",
  mimeType: "image/jpeg",
  bytes: PICTURE_BYTES.length,
  sha256: "5e1f",
  altText: "Karte der Umleitung über die Bergstraße",
};
export const STORED_MEDIA = new Map([[PICTURE.sha256, PICTURE_BYTES]]);
export const PICTURE_CAPTION = "Umleitung ab Montag.\n\n🖼️ Karte der Umleitung über die Bergstraße";

export const aPost = (overrides: Partial<OutboundPost> = {}): OutboundPost => ({
  announcementId: "A-0042",
  version: 1,
  category: "baustelle",
  text: "*Sperrung* Hauptstraße ab Montag.\n- Umleitung über die Bergstraße\nhttps://achim.example/baustellen",
  media: [],
  fingerprint: "f00d",
  ...overrides,
});

const POLL: Poll = { question: "Welcher Termin passt?", options: ["Dienstag", "Donnerstag"], multipleChoice: false };

const attempt = (startedAt = new Date()): DeliveryAttempt => ({
  id: "A-0042:out:1",
  startedAt: startedAt.toISOString(),
  fingerprint: "f00d",
});

const now = () => Math.floor(Date.now() / 1000);

export function outletContract(name: string, make: () => OutletHarness): void {
  describe(`outlet contract: ${name}`, () => {
    let h: OutletHarness;
    const fresh = () => (h = make());

    afterEach(() => h.verify());

    it("declares what it can do within the adopted limits", () => {
      fresh();
      const c = h.outlet.capabilities;
      expect(c.text).toBe(true);
      expect(c.maxTextLength).toBeLessThanOrEqual(4096);
      expect(c.maxCaptionLength).toBeLessThanOrEqual(1024);
      expect(typeof h.outlet.id).toBe("string");
    });

    it("publishes a text post", async () => {
      fresh();
      h.acceptText?.(aPost().text, "true_120363@newsletter_3EB0AAA");
      const outcome = await h.outlet.publish(aPost(), attempt());
      expect(outcome).toEqual(
        h.gateway ? { state: "sent", remoteId: "true_120363@newsletter_3EB0AAA" } : { state: "awaiting_confirmation" },
      );
    });

    it("publishes a poll", async () => {
      fresh();
      h.acceptPoll?.(POLL, "true_120363@newsletter_3EB0POLL");
      const outcome = await h.outlet.publish(aPost({ text: "", poll: POLL }), attempt());
      expect(outcome.state).toBe(h.gateway ? "sent" : "awaiting_confirmation");
    });

    it("publishes a picture with its description in the caption", async () => {
      fresh();
      if (!h.outlet.capabilities.image) return;
      h.acceptPicture?.(
        PICTURE_CAPTION,
        Buffer.from(PICTURE_BYTES).toString("base64"),
        "true_120363@newsletter_3EB0IMG",
      );
      const outcome = await h.outlet.publish(aPost({ text: "Umleitung ab Montag.", media: [PICTURE] }), attempt());
      expect(outcome.state).toBe(h.gateway ? "sent" : "awaiting_confirmation");
    });

    it("edits and deletes a published post", async () => {
      fresh();
      const ref = { remoteId: "true_120363@newsletter_3EB0AAA" };
      if (h.outlet.capabilities.edit) {
        h.acceptEdit?.(ref.remoteId, "Korrigiert");
        const edited = await h.outlet.edit(ref, aPost({ text: "Korrigiert" }));
        expect(edited).toEqual(
          h.gateway ? { state: "sent", remoteId: ref.remoteId } : { state: "awaiting_confirmation" },
        );
      } else {
        expect((await h.outlet.edit(ref, aPost({ text: "Korrigiert" }))).state).toBe("failed");
      }
      h.acceptRemove?.(ref.remoteId);
      const removed = await h.outlet.remove(ref);
      expect(removed).toEqual(
        h.gateway ? { state: "sent", remoteId: ref.remoteId } : { state: "awaiting_confirmation" },
      );
    });

    it("reports health", async () => {
      fresh();
      h.healthWorking?.();
      expect(await h.outlet.health()).toEqual({ state: "ok" });
    });

    describe("gateway semantics", () => {
      const gatewayOnly = (title: string, fn: () => Promise<void>) =>
        it(title, async () => {
          fresh();
          if (!h.gateway) return;
          await fn();
        });

      gatewayOnly("an empty 2xx answer is an unknown outcome, never success", async () => {
        h.emptyAnswer?.();
        expect((await h.outlet.publish(aPost(), attempt())).state).toBe("unknown");
      });

      gatewayOnly("a 5xx answer is an unknown outcome", async () => {
        h.serverError?.();
        expect((await h.outlet.publish(aPost(), attempt())).state).toBe("unknown");
      });

      gatewayOnly("no answer in time is an unknown outcome", async () => {
        h.slowAnswer?.();
        expect((await h.outlet.publish(aPost(), attempt())).state).toBe("unknown");
      });

      gatewayOnly("a refused connection sent nothing and may be retried", async () => {
        h.refused?.();
        expect(await h.outlet.publish(aPost(), attempt())).toMatchObject({
          state: "failed",
          code: "unreachable",
          retryable: true,
        });
      });

      gatewayOnly("bad credentials are a distinct error that is not retried", async () => {
        h.unauthorized?.();
        expect(await h.outlet.publish(aPost(), attempt())).toMatchObject({
          state: "failed",
          code: "unauthorized",
          retryable: false,
        });
      });

      gatewayOnly("an unknown session or channel is a distinct error that is not retried", async () => {
        h.sessionMissing?.();
        expect(await h.outlet.publish(aPost(), attempt())).toMatchObject({
          state: "failed",
          code: "not_found",
          retryable: false,
        });
      });

      gatewayOnly("429 is retried no earlier than Retry-After", async () => {
        h.rateLimited?.(42);
        expect(await h.outlet.publish(aPost(), attempt())).toMatchObject({
          state: "failed",
          code: "rate_limited",
          retryable: true,
          retryAfterMs: 42_000,
        });
      });

      gatewayOnly("read-back finds our post by its text, and only a recent one", async () => {
        const started = new Date();
        h.readBackReturns?.([
          { remoteId: "old", text: aPost().text, timestamp: now() - 3600 },
          { remoteId: "other", text: "Etwas anderes", timestamp: now() },
          { remoteId: "ours", text: aPost().text.replace("\n", "\n "), timestamp: now() },
        ]);
        expect(await h.outlet.readBack(aPost(), attempt(started))).toEqual({ state: "found", remoteId: "ours" });
      });

      gatewayOnly("read-back of a picture post matches its caption", async () => {
        h.readBackReturns?.([{ remoteId: "img-1", text: PICTURE_CAPTION, timestamp: now(), media: true }]);
        expect(await h.outlet.readBack(aPost({ text: "Umleitung ab Montag.", media: [PICTURE] }), attempt())).toEqual({
          state: "found",
          remoteId: "img-1",
        });
      });

      gatewayOnly("read-back of a poll matches its question", async () => {
        h.readBackReturns?.([{ remoteId: "poll-1", poll: POLL.question, timestamp: now() }]);
        expect(await h.outlet.readBack(aPost({ text: "", poll: POLL }), attempt())).toEqual({
          state: "found",
          remoteId: "poll-1",
        });
      });

      gatewayOnly("read-back that finds nothing says so", async () => {
        h.readBackReturns?.([{ remoteId: "other", text: "Etwas anderes", timestamp: now() }]);
        expect(await h.outlet.readBack(aPost(), attempt())).toEqual({ state: "not_found" });
      });

      gatewayOnly("read-back that fails is 'unavailable', not 'not found'", async () => {
        h.readBackFails?.();
        expect((await h.outlet.readBack(aPost(), attempt())).state).toBe("unavailable");
      });

      gatewayOnly("health is down, with the reason, when the session is not working", async () => {
        h.healthNotWorking?.("SCAN_QR_CODE");
        const health = await h.outlet.health();
        expect(health.state).toBe("down");
        expect(health.state !== "ok" && health.reason).toMatch(/SCAN_QR_CODE|QR/);
      });
    });
  });
}
