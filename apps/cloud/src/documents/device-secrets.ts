/**
 * What a register says never carries a device secret into the cloud's tables or answers: the
 * iKKM web-api key rotates with every registration and whoever holds the current one can register
 * documents on the device. The agent keeps it; the cloud keeps only the sealed initial key
 * (`Register.config.secret`). Drivers leave it out of their results (`raw`); these are the cloud's
 * own safety net for what older agents (or a driver's free text) still bring.
 */

/** Field names that hold a device credential anywhere in a device answer. */
const SECRET_FIELDS = new Set([
  'key',
  'keyUsed',
  'answeredKey',
  'newKey',
  'initialKey',
  'accessCode',
  'access_pin',
  'accessPin',
  'pin',
  'password',
  'secret',
]);

/** A copy of a device answer without any credential field, at any depth. */
export function scrubDeviceAnswer<T>(value: T): T {
  return scrub(value, 0) as T;
}

function scrub(value: unknown, depth: number): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    if (SECRET_FIELDS.has(name)) continue;
    out[name] = scrub(item, depth + 1);
  }
  return out;
}

/**
 * iKKM keys named in the driver's texts (evidence of a document in doubt, error messages):
 * "ключ 12345678", "ключом …", "Ключ синхронизирован (…)", "/dump/transaction/…". The number is
 * replaced; the sentence stays readable.
 */
const KEY_IN_TEXT = /((?:ключ[а-яё]*)(?:\s+синхронизирован)?\s*\(?|\/dump\/transaction\/)\d{3,}/giu;

export function redactDeviceKeys(text: string): string {
  return text.replace(KEY_IN_TEXT, '$1•••');
}

/** The same over every string of a JSON value (error objects, evidence lists). */
export function redactKeysDeep<T>(value: T): T {
  return redactDeep(value, 0) as T;
}

function redactDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactDeviceKeys(value);
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, redactDeep(item, depth + 1)]));
}
