import type { DeliveryAttempt } from "../../src/announcement/announcement.ts";
import type { OutboundPost, Outlet, PublishOutcome, RemoteRef } from "../../src/ports/outlet.ts";

export interface PacingOptions {
  /** Least time between two posts to the channel. */
  gapMs: number;
  /** Up to this share of the gap is added at random, so posts do not look machine-timed. */
  jitter?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/**
 * One post at a time per channel, at least `gapMs` apart (whatsapp-channels.md §5.5).
 * Read-back and health are not paced.
 */
export function paced(outlet: Outlet, options: PacingOptions): Outlet {
  const {
    gapMs,
    jitter = 0.2,
    sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    now = Date.now,
    random = Math.random,
  } = options;
  let queue: Promise<unknown> = Promise.resolve();
  let last = Number.NEGATIVE_INFINITY;

  const inTurn = <T>(send: () => Promise<T>): Promise<T> => {
    const turn = queue.then(async () => {
      const wait = last + gapMs * (1 + jitter * random()) - now();
      if (wait > 0) await sleep(wait);
      try {
        return await send();
      } finally {
        last = now();
      }
    });
    queue = turn.catch(() => undefined);
    return turn;
  };

  return {
    id: outlet.id,
    handoff: outlet.handoff,
    get capabilities() {
      return outlet.capabilities;
    },
    ...(outlet.idempotent !== undefined ? { idempotent: outlet.idempotent } : {}),
    ...(outlet.measure ? { measure: (content) => outlet.measure?.(content) ?? 0 } : {}),
    readBackGraceMs: outlet.readBackGraceMs,
    publish: (post: OutboundPost, attempt: DeliveryAttempt): Promise<PublishOutcome> =>
      inTurn(() => outlet.publish(post, attempt)),
    edit: (ref: RemoteRef, post: OutboundPost) => inTurn(() => outlet.edit(ref, post)),
    remove: (ref: RemoteRef, post?: OutboundPost) => inTurn(() => outlet.remove(ref, post)),
    readBack: (post, attempt) => outlet.readBack(post, attempt),
    health: () => outlet.health(),
  };
}
