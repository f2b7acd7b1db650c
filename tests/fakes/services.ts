/**
 * URLs of the Redis and PostgreSQL servers the store tests use (started by scripts/test-services.sh).
 * Outside CI a missing server skips those suites; in CI it fails them, so they cannot silently not run.
 */
export function serviceUrl(name: "TEST_REDIS_URL" | "TEST_POSTGRES_URL"): string | undefined {
  const url = process.env[name];
  if (!url && process.env.CI)
    throw new Error(`${name} is not set: run the tests through .ci/run or scripts/test-services.sh`);
  return url;
}
