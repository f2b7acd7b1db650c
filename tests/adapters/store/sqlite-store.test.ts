import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../../adapters/store/open-store.ts";
import { storeContract } from "../../contracts/store.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "amtsbote-sqlite-"));

storeContract("sqlite", {
  open: (shared) => openStore(`sqlite://${join(dir, `${shared}.sqlite`)}`),
  crossInstance: true,
});
