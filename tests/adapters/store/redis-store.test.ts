import { describe, it } from "vitest";
import { openStore } from "../../../adapters/store/open-store.ts";
import { storeContract } from "../../contracts/store.contract.ts";
import { serviceUrl } from "../../fakes/services.ts";

const url = serviceUrl("TEST_REDIS_URL");

if (url) {
  storeContract("redis", { open: (shared) => openStore(url, { namespace: shared }), crossInstance: true });
} else {
  describe("store contract: redis", () => it.skip("needs TEST_REDIS_URL (scripts/test-services.sh)", () => {}));
}
