/**
 * The store could not be reached or could not do its work: server down, connection lost, no answer in time,
 * database file locked or its disk failing. Every store call throws this instead of answering in a way that
 * reads as "absent" or "done". Nothing was read; a write that timed out may still land.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  /** The back-end (`redis`, `postgres`, `sqlite`), where the one who noticed knows it. */
  readonly backend: string | undefined;

  constructor(cause: unknown, backend?: string) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(backend ? `${backend} store unreachable: ${why}` : `store unreachable: ${why}`, { cause });
    this.backend = backend;
  }
}

export const isStoreUnavailable = (error: unknown): error is StoreUnavailableError =>
  error instanceof StoreUnavailableError;
