// How the emulator compares and stores the values GHL normalises.

/** Contact and location tags: GHL stores them trimmed and lower-cased. */
export function normalizeTag(name) {
  return String(name).trim().toLowerCase();
}

/**
 * Phones are kept in E.164-like form: `+` and digits. Ten bare digits are
 * taken as a North American number (+1). Returns '' when no digit is present.
 */
export function normalizePhone(phone) {
  const digits = String(phone).replace(/\D/g, "");
  if (!digits) return "";
  if (!String(phone).trim().startsWith("+") && digits.length === 10) return `+1${digits}`;
  return `+${digits}`;
}

/** Emails compare case-insensitively, ignoring surrounding blanks. */
export function normalizeEmail(email) {
  return String(email).trim().toLowerCase();
}
