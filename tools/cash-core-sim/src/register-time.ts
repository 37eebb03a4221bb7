/**
 * Time as the register shows it. Seed 003 writes `dateTime` values as local wall-clock time without
 * a zone (`"2022-02-24T17:46:52.083"`) and "no date" as the Delphi zero date `1899-12-30T00:00:00.000`.
 * The simulator pins the register's zone to UTC+05:00 (Kazakhstan) so that answers do not depend
 * on the machine running the tests.
 */
export const KAZAKHSTAN_UTC_OFFSET_MINUTES = 300;
export const ZERO_DATE = '1899-12-30T00:00:00.000';

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function localParts(ms: number, offsetMinutes: number) {
  const d = new Date(ms + offsetMinutes * 60_000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

/** `2022-02-24T17:46:52.083`, or the zero date for `null`. */
export function formatRegisterDate(ms: number | null, offsetMinutes: number): string {
  if (ms === null) return ZERO_DATE;
  const p = localParts(ms, offsetMinutes);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}.${pad(p.millisecond, 3)}`;
}

/** Seed 003 `DateTime` object; all zeros for `null` (as `close_shift_time` of an X report). */
export interface DateTimeObject {
  date: { year: number; month: number; day: number };
  time: { hour: number; minute: number; second: number };
}

export function toDateTimeObject(ms: number | null, offsetMinutes: number): DateTimeObject {
  if (ms === null) return { date: { year: 0, month: 0, day: 0 }, time: { hour: 0, minute: 0, second: 0 } };
  const p = localParts(ms, offsetMinutes);
  return {
    date: { year: p.year, month: p.month, day: p.day },
    time: { hour: p.hour, minute: p.minute, second: p.second },
  };
}

/** `20250117T133437` — the `t=` parameter of the OFD check URL. */
export function formatQrTime(ms: number, offsetMinutes: number): string {
  const p = localParts(ms, offsetMinutes);
  return `${pad(p.year, 4)}${pad(p.month)}${pad(p.day)}T${pad(p.hour)}${pad(p.minute)}${pad(p.second)}`;
}

/** `17.01.2025 13:34:37` — the receipt print format. */
export function formatPrintTime(ms: number, offsetMinutes: number): string {
  const p = localParts(ms, offsetMinutes);
  return `${pad(p.day)}.${pad(p.month)}.${pad(p.year, 4)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/**
 * Parses a request `dateTime` (`YYYY-MM-DD`, `YYYY-MM-DDTHH:mm[:ss[.fff]]`) as register local time.
 * An explicit zone (`Z`, `+05:00`) is honoured. Returns epoch ms, or `null` when malformed.
 */
export function parseRegisterDate(text: string, offsetMinutes: number): number | null {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
      text,
    );
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millisecond = Number(frac.padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  let zoneMinutes = offsetMinutes;
  if (zone === 'Z') zoneMinutes = 0;
  else if (zone) {
    const digits = zone.replace(':', '');
    zoneMinutes =
      (digits.startsWith('-') ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  // Reject dates that overflowed (31 February).
  if (new Date(utc).getUTCDate() !== day) return null;
  return utc - zoneMinutes * 60_000;
}
