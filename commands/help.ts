import { COMMANDS, type CommandSpec } from "./registry.ts";
import { joinLocalized, L, type Localized } from "./messages.ts";

/** Help generated from the command table. */
export function helpText(prefix: string, categories: readonly string[]): Localized {
  const rows = (Object.values(COMMANDS) as CommandSpec[]).map((spec) =>
    L(`\`${prefix}${spec.usage}\`\n    ${spec.summary.de}`, `\`${prefix}${spec.usage}\`\n    ${spec.summary.en}`),
  );
  return joinLocalized([
    L("Befehle:", "Commands:"),
    ...rows,
    L(`Kategorien: ${categories.join(", ")}`, `Categories: ${categories.join(", ")}`),
    L(
      'Zeitpunkte: "2026-06-12 08:00", "12.06.2026 08:00", "morgen 07:30" (Ortszeit). Text, der mit einem Befehlswort beginnt: `announce -- <Text>`.',
      'Times: "2026-06-12 08:00", "12.06.2026 08:00", "tomorrow 07:30" (local time). Text starting with a command word: `announce -- <text>`.',
    ),
  ]);
}
