/** The environment for a child process under test: the test runner's own variables left out. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("VITEST") && key !== "NODE_OPTIONS" && key !== "TINYPOOL_WORKER_ID") env[key] = value;
  }
  return { ...env, ...extra };
}
