import type { Policy } from "../policy/policy.ts";
import { officialLink, type DashboardItem, type WarningDetails } from "./warning.ts";

const PROVIDER_NAMES: Record<string, string> = {
  MOWAS: "BBK (MoWaS)",
  KATWARN: "KATWARN",
  BIWAPP: "BIWAPP",
  DWD: "DWD (Deutscher Wetterdienst)",
  LHP: "Länderübergreifendes Hochwasserportal",
  POLICE: "Polizei",
};

export const providerName = (provider: string): string => PROVIDER_NAMES[provider.toUpperCase()] ?? provider;

/**
 * The category a relayed warning is drafted in: the policy's mapping, else its first emergency category,
 * else its default category.
 */
export function categoryFor(policy: Policy, item: DashboardItem): string {
  const map = policy.warnings?.categories;
  const mapped =
    (item.eventCode ? map?.byEventCode.get(item.eventCode) : undefined) ??
    (item.severity ? map?.bySeverity.get(item.severity) : undefined) ??
    map?.default;
  if (mapped) return mapped;
  const emergency = [...policy.categories.values()].find((c) => c.emergency);
  return emergency?.id ?? policy.defaultCategory;
}

/** CAP text as plain text: `<br/>` as a line break, other tags and the common entities resolved. */
export function plainCapText(raw: string | undefined): string {
  if (!raw) return "";
  return raw
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>\s*<p[^>]*>/gi, "\n\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** `12.06.2026, 14:30 Uhr` in the policy's zone. */
export function localTime(iso: string | undefined, timeZone: string): string | undefined {
  if (!iso || Number.isNaN(Date.parse(iso))) return undefined;
  const f = new Intl.DateTimeFormat("de-DE", {
    timeZone,
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
  return `${f.format(new Date(iso))} Uhr`;
}

/** The attribution line: who issued it, through which system. */
export const attribution = (item: DashboardItem, details: WarningDetails | undefined): string =>
  `Quelle: NINA / ${providerName(item.provider)}${details?.senderName ? `, ${details.senderName}` : ""}`;

/** Room left for the description, so the whole post fits the outlet's limit. */
const DESCRIPTION_MAX = 1500;

/**
 * The post that relays an official warning: its headline, description, the official instructions unchanged,
 * validity and area, the attribution and the link to the official warning. German: it goes to citizens.
 */
export function relayText(item: DashboardItem, details: WarningDetails | undefined, timeZone: string): string {
  const headline = details?.headline || item.headline;
  const description = plainCapText(details?.description);
  const shortDescription =
    description.length > DESCRIPTION_MAX ? `${description.slice(0, DESCRIPTION_MAX).trimEnd()} …` : description;
  const instruction = plainCapText(details?.instruction);
  const from = localTime(details?.effective ?? item.sent, timeZone);
  const until = localTime(details?.expires, timeZone);
  const validity = from && until ? `Gültig von ${from} bis ${until}` : from ? `Gültig ab ${from}` : undefined;
  return [
    `⚠️ *Amtliche Warnung: ${headline}*`,
    shortDescription,
    instruction ? `*Handlungsempfehlungen:*\n${instruction}` : "",
    [validity, details?.area ? `Gebiet: ${details.area}` : undefined].filter(Boolean).join("\n"),
    `${attribution(item, details)}\n${officialLink(item.id)}`,
  ]
    .filter((part) => part.trim())
    .join("\n\n");
}

/** The all-clear of a relayed warning that ended. */
export function allClearText(item: DashboardItem, details: WarningDetails | undefined, cancelled: boolean): string {
  const headline = details?.headline || item.headline;
  return [
    cancelled
      ? `Die amtliche Warnung „${headline}“ ist aufgehoben.`
      : `Die amtliche Warnung „${headline}“ ist beendet.`,
    attribution(item, details),
  ].join("\n\n");
}
