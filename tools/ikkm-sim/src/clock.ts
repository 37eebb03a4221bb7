/**
 * The simulator's clock: the real clock plus an offset tests can move (24 h shift limit, 72 h
 * offline limit). The offset is part of the device state, so it survives a restart like the clock
 * of a real device would.
 */
export class SimClock {
  constructor(
    private readonly realNow: () => number,
    public offsetMs = 0,
  ) {}

  now(): number {
    return this.realNow() + this.offsetMs;
  }

  advance(ms: number): number {
    this.offsetMs += ms;
    return this.now();
  }

  set(epochMs: number): number {
    this.offsetMs = epochMs - this.realNow();
    return this.now();
  }
}

/**
 * Kazakhstan has used one zone, UTC+5, since 1 March 2024; the device writes its local time
 * without a zone, as the seed's examples do.
 */
export const KAZAKHSTAN_UTC_OFFSET_MINUTES = 300;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** "2016-01-18 20:41:06" (or "2016-07-18 20:03" without seconds, the shift report's form). */
export function formatDeviceDate(epochMs: number, utcOffsetMinutes: number, withSeconds = true): string {
  const local = new Date(epochMs + utcOffsetMinutes * 60_000);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
  return `${date} ${time}${withSeconds ? `:${pad(local.getUTCSeconds())}` : ''}`;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
