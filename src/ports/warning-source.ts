import type { DashboardItem, WarningDetails } from "../warnings/warning.ts";

/** The federal warning service (NINA) for one district. Every method throws when the service fails. */
export interface WarningSource {
  /**
   * The district's current warnings. With `conditional`, the last answer's validators are sent and an
   * unchanged dashboard comes back as `{ changed: false }`.
   */
  dashboard(conditional: boolean): Promise<{ changed: false } | { changed: true; items: DashboardItem[] }>;
  details(id: string): Promise<WarningDetails>;
}
