import { describe, expect, it } from "vitest";
import { plainText } from "../../../src/render/plain.ts";

describe("plainText", () => {
  it("drops WhatsApp emphasis around words and phrases", () => {
    expect(plainText("*Hauptstraße* gesperrt, _ab Montag_ ~heute~")).toBe("Hauptstraße gesperrt, ab Montag heute");
    expect(plainText("Code: ```A-12```.")).toBe("Code: A-12.");
    expect(plainText("*_beides_*")).toBe("beides");
  });

  it("keeps marks inside words, links and lone stars", () => {
    const text = "https://achim.de/a_b_c und snake_case, 3 * 4 = 12, *";
    expect(plainText(text)).toBe(text);
  });

  it("works line by line", () => {
    expect(plainText("*Eins*\n_Zwei_")).toBe("Eins\nZwei");
    expect(plainText("*nicht\nüber Zeilen*")).toBe("*nicht\nüber Zeilen*");
  });
});
