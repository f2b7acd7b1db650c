// Loaded before the composition root (`node --import ./adapters/version-flag.ts adapters/main.ts`, see the start
// script in package.json): `npm start -- --version` prints the version and exits before anything starts.
import { VERSION } from "./version.ts";

if (process.argv.slice(2).includes("--version")) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
