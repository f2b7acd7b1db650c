/** Stable codes for everything a person can get wrong; commands/ turns them into words. */
export const ERROR_CODES = [
  "EMPTY_TEXT",
  "TEXT_TOO_LONG",
  "CAPTION_TOO_LONG",
  "INSECURE_LINK",
  "POLL_QUESTION_MISSING",
  "POLL_QUESTION_TOO_LONG",
  "POLL_TOO_FEW_OPTIONS",
  "POLL_TOO_MANY_OPTIONS",
  "POLL_OPTION_TOO_LONG",
  "POLL_DUPLICATE_OPTION",
  "POLL_EMPTY_OPTION",
  "MEDIA_TYPE_NOT_ALLOWED",
  "MEDIA_TOO_LARGE",
  "TOO_MANY_MEDIA",
  "FILE_NOT_READABLE",
  "MEDIA_DOWNLOAD_FAILED",
  "MEDIA_DESCRIPTION_MISSING",
  "MEDIA_DESCRIPTION_REQUIRED",
  "POLL_WITH_MEDIA",
  "UNKNOWN_CATEGORY",
  "UNKNOWN_TEMPLATE",
  "UNKNOWN_FLAG",
  "FLAG_NEEDS_VALUE",
  "FLAG_REPEATED",
  "UNPARSABLE_DATE",
  "DATE_IN_PAST",
  "DATE_DOES_NOT_EXIST",
  "DATE_TOO_FAR",
  "MISSING_ID",
  "INVALID_ID",
  "UNEXPECTED_ARGUMENTS",
  "UNKNOWN_COMMAND",
  "MISSING_REASON",
  "NOT_FOUND",
  "UNKNOWN_PERSON",
  "NOT_ALLOWED_TO_DRAFT",
  "NOT_AN_APPROVER",
  "NOT_ALLOWED_TO_CHANGE",
  "NOT_ALLOWED_TO_CONFIRM",
  "SELF_APPROVAL",
  "SELF_REJECTION",
  "ALREADY_APPROVED_BY_YOU",
  "NO_APPROVAL_TO_REVOKE",
  "STALE_VERSION",
  "INVALID_STATE",
  "UNCHANGED_CONTENT",
  "NOTHING_TO_CONFIRM",
  "TEMPORARILY_UNAVAILABLE",
  "STORE_UNAVAILABLE",
  "OUTLET_CANNOT",
  "CHANGE_PENDING",
  "EDIT_WINDOW_CLOSED",
  "NOT_ADMIN",
  "BREAK_GLASS_NOT_EMERGENCY",
  "BREAK_GLASS_OFFICE_HOURS",
  "BREAK_GLASS_NOT_ON_DUTY",
  "BREAK_GLASS_NEEDS_TEMPLATE",
  "NO_OPEN_REVIEW",
  "INCIDENT_CLOSED",
  "EXERCISE_NEEDS_TEST_CHANNEL",
  "NOT_LIVE",
  "UNKNOWN_VARIABLE",
  "MISSING_VARIABLE",
  "BAD_VARIABLE",
  "TEMPLATE_NOT_APPROVED",
  "INVALID_PHONE",
  "NO_GATEWAY",
  "GATEWAY_REFUSED",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorParams = Record<string, string | number>;

export interface DomainError {
  code: ErrorCode;
  params?: ErrorParams;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: DomainError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: ErrorCode, params?: ErrorParams): Result<T> =>
  params ? { ok: false, error: { code, params } } : { ok: false, error: { code } };
