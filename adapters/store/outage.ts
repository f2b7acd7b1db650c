import pg from "pg";
import { StoreUnavailableError } from "../../src/ports/store-unavailable.ts";

export type Backend = "sqlite" | "redis" | "postgres";

/** Redis answers that mean "not now" (loading its data after a restart, out of memory, read-only replica …). */
const REDIS_NOT_NOW = /^(LOADING|BUSY|MISCONF|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|OOM)\b/;

/** PostgreSQL SQLSTATEs of an unusable server: connection (08), resources (53), shut down (57P), system (58), standby. */
const POSTGRES_NOT_NOW = /^(08|53|57P|58|25006)/;

/** SQLite result codes of a file that is locked, unreadable, full or gone; `MISUSE` is a closed connection. */
const SQLITE_NOT_NOW = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOMEM|CORRUPT|NOTADB|PERM|MISUSE)/;

/** A Redis server's own error answer (node-redis `ErrorReply`), as opposed to a failure of the connection. */
function isRedisReply(error: Error): boolean {
  for (let proto: unknown = Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === "ErrorReply") return true;
  }
  return false;
}

/**
 * Whether an error thrown by one call to the back-end means the back-end is not usable now, rather than a
 * fault in the call. Only back-end calls are classified, so for Redis and PostgreSQL whatever is not the
 * server's own answer comes from the connection (refused, reset, closed, offline, timed out).
 */
const OUTAGE: Record<Backend, (error: unknown) => boolean> = {
  redis: (error) => !(error instanceof Error) || !isRedisReply(error) || REDIS_NOT_NOW.test(error.message),
  postgres: (error) => !(error instanceof pg.DatabaseError) || POSTGRES_NOT_NOW.test(error.code ?? ""),
  sqlite: (error) => SQLITE_NOT_NOW.test(String((error as { code?: unknown } | undefined)?.code ?? "")),
};

/** Rejects when `work` has not settled within `ms`; `work` itself goes on, its late outcome is dropped. */
async function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one call to the back-end: an outage becomes `StoreUnavailableError`, any other error is passed on.
 * With `answerWithinMs`, a call that gets no answer in time (a hung server, a broken network) is an outage too.
 */
export async function guardedCall<T>(backend: Backend, call: () => Promise<T>, answerWithinMs?: number): Promise<T> {
  try {
    return await (answerWithinMs === undefined ? call() : within(call(), answerWithinMs));
  } catch (error) {
    if (error instanceof StoreUnavailableError || !OUTAGE[backend](error)) throw error;
    throw new StoreUnavailableError(error, backend);
  }
}

/** `call` with every outage thrown as `StoreUnavailableError` (see `guardedCall`). */
export function guarded<A extends unknown[], T>(
  backend: Backend,
  call: (...args: A) => Promise<T>,
  answerWithinMs?: number,
): (...args: A) => Promise<T> {
  return (...args) => guardedCall(backend, () => call(...args), answerWithinMs);
}
