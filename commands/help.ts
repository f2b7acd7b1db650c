import type { OutletCapabilities } from "../src/ports/outlet.ts";
import { outletName } from "../src/announcement/outlets.ts";
import { COMMANDS, type CommandSpec } from "./registry.ts";
import { joinLocalized, L, type Localized } from "./messages.ts";

/** Help generated from the command table. */
/** What each outlet takes, so nobody drafts what cannot be published. */
function outletLine(id: string, can: OutletCapabilities): Localized {
  const name = outletName(id);
  const yes = (de: string, en: string, has: boolean) => (has ? [L(de, en)] : []);
  const kinds = [
    ...yes("Text", "text", can.text),
    ...yes("Bilder", "pictures", can.image),
    ...yes("Videos", "videos", can.video),
    ...yes("Umfragen", "polls", can.poll),
  ];
  const list = joinLocalized(kinds, ", ");
  const edit = can.edit
    ? L("korrigierbar", "can be edited")
    : L("Korrekturen als neuer Beitrag", "corrections as a new post");
  return L(
    `Kanal ${name} (\`--to ${name}\`, \`--not ${name}\`): ${list.de}; bis ${can.maxTextLength} Zeichen (mit Bild/Video ${can.maxCaptionLength}); ${edit.de}.`,
    `Outlet ${name} (\`--to ${name}\`, \`--not ${name}\`): ${list.en}; up to ${can.maxTextLength} characters (${can.maxCaptionLength} with a picture/video); ${edit.en}.`,
  );
}

export function helpText(
  prefix: string,
  categories: readonly string[],
  outlets: readonly { id: string; capabilities: OutletCapabilities }[] = [],
): Localized {
  const rows = (Object.values(COMMANDS) as CommandSpec[]).map((spec) =>
    L(`\`${prefix}${spec.usage}\`\n    ${spec.summary.de}`, `\`${prefix}${spec.usage}\`\n    ${spec.summary.en}`),
  );
  return joinLocalized([
    L("Befehle:", "Commands:"),
    ...rows,
    L(`Kategorien: ${categories.join(", ")}`, `Categories: ${categories.join(", ")}`),
    ...outlets.map((o) => outletLine(o.id, o.capabilities)),
    L(
      'Zeitpunkte: "2026-06-12 08:00", "12.06.2026 08:00", "morgen 07:30" (Ortszeit). Text, der mit einem Befehlswort beginnt: `announce -- <Text>`.',
      'Times: "2026-06-12 08:00", "12.06.2026 08:00", "tomorrow 07:30" (local time). Text starting with a command word: `announce -- <text>`.',
    ),
  ]);
}
