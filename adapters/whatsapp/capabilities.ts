import { LIMITS } from "../../src/announcement/content.ts";
import type { OutletCapabilities } from "../../src/ports/outlet.ts";

/** What a WhatsApp channel post can carry, within the caps amtsbote adopts (whatsapp-channels.md §6). */
export const channelCapabilities = (canEdit: boolean): OutletCapabilities => ({
  text: true,
  image: true,
  video: true,
  poll: true,
  edit: canEdit,
  delete: true,
  maxTextLength: LIMITS.text,
  maxCaptionLength: LIMITS.caption,
});
