import nock from "nock";

/** nock with the network closed; collects any request nobody scripted, so `verify` can fail on it. */
export function strictNock() {
  const unexpected: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string; href?: string; url?: string }) =>
    void unexpected.push(`${req.method ?? "?"} ${req.href ?? req.url ?? req.path ?? "(unknown url)"}`);
  nock.disableNetConnect();
  nock.emitter.on("no match", onNoMatch);
  return {
    verify(): void {
      const pending = nock.pendingMocks();
      nock.emitter.off("no match", onNoMatch);
      nock.abortPendingRequests();
      nock.cleanAll();
      nock.enableNetConnect();
      if (unexpected.length > 0) throw new Error(`unexpected requests: ${unexpected.join(", ")}`);
      if (pending.length > 0) throw new Error(`scripted requests not made: ${pending.join(", ")}`);
    },
  };
}

/**
 * A reply that never comes, for time-out tests. (A delayed reply that arrives after the client
 * aborted trips an assertion inside undici under nock's interceptor.)
 */
export const neverAnswers = (): Promise<never> => new Promise<never>(() => undefined);
