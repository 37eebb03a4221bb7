/** A `YYYY-MM-DD` from a date input, read in the browser's time zone, as the ISO instant it starts. */
export function dayStart(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year!, month! - 1, date!).toISOString();
}

/** The last millisecond of that local day, so "to" includes the whole day. */
export function dayEnd(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(new Date(year!, month! - 1, date! + 1).getTime() - 1).toISOString();
}

/** Today as `YYYY-MM-DD` in the browser's time zone. */
export function localToday(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
