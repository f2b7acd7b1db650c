/** A bad configuration value; the message names the file, line and key. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
