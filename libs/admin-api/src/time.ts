import { z } from 'zod';

/** Whether the runtime knows this IANA zone (PostgreSQL reads the same tz database). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, 'not an IANA time zone (e.g. Asia/Almaty, Europe/Moscow)');

/** An instant in a query: full ISO 8601 with an offset or Z, or a date (its UTC midnight). */
export const instantSchema = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((text) => new Date(text));
