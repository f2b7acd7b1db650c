import { describe, it } from "vitest";
import { openStore } from "../../../adapters/store/open-store.ts";
import { storeContract } from "../../contracts/store.contract.ts";
import { serviceUrl } from "../../fakes/services.ts";

const url = serviceUrl("TEST_POSTGRES_URL");

if (url) {
  storeContract("postgres", { open: (shared) => openStore(url, { namespace: shared }), crossInstance: true });
} else {
  describe("store contract: postgres", () => it.skip("needs TEST_POSTGRES_URL (scripts/test-services.sh)", () => {}));
}
