import { readFileSync } from "node:fs";
import { z } from "zod";

/** Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH, an optional pre-release and build metadata. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

const Manifest = z.looseObject({
  name: z.string().min(1),
  version: z.string().regex(SEMVER, "not a semantic version"),
});

/**
 * The release this code is, from package.json (read at run time, beside adapters/ in the checkout and in the
 * container image), so that `--version`, `/healthz`, the changelog and the image tag all say the same.
 */
export const { name: NAME, version: VERSION } = Manifest.parse(
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")),
);
