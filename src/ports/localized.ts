/** Words in both languages the bot speaks; the chat picks the reader's. */
export interface Localized {
  de: string;
  en: string;
}
