/**
 * Money columns are `bigint` in PostgreSQL (minor units: every amount the /sale, WS and admin
 * schemas accept — any safe integer — fits, where int4 stopped at 21,474,836.47) and Prisma reads
 * them as JS `bigint`, which JSON.stringify refuses. Rows become API views through these, in one
 * place per view: a JSON number, exact, because every stored amount (and any realistic sum of
 * them) is a safe integer. A value beyond 2^53 is refused rather than rounded.
 */
export function moneyOut(value: bigint | number): number;
export function moneyOut(value: bigint | number | null): number | null;
export function moneyOut(value: bigint | number | null): number | null {
  if (value === null) return null;
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new RangeError(`money value ${String(value)} is beyond 2^53`);
  return number;
}
