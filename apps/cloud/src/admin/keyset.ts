import { BadRequestException } from '@nestjs/common';

/**
 * Keyset pagination on (time desc, id desc): the cursor names the last row of the page, so a page
 * costs one index range scan however deep it is, and rows inserted meanwhile never shift a page.
 * "After the cursor" is written `time <= at AND (time < at OR id < cursorId)`: the redundant first
 * bound lets PostgreSQL use it as an index range. The query (`limit`, `cursor`) and the page's
 * shape are the admin API contract's `pageQuery` / `pageOf`.
 */
export interface KeysetPosition {
  at: Date;
  id: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.at.toISOString(), position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): KeysetPosition {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(at));
    if (typeof id === 'string' && typeof at === 'string' && !Number.isNaN(date.getTime()))
      return { at: date, id };
  } catch {
    // falls through to the 400 below
  }
  throw new BadRequestException('cursor: not a nextCursor from this list; start again without a cursor');
}

/** Cuts the one extra row fetched to know whether another page exists. */
export function toPage<R extends { id: string }, T>(
  rows: R[],
  limit: number,
  at: (row: R) => Date,
  view: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(view),
    nextCursor: more && last ? encodeCursor({ at: at(last), id: last.id }) : null,
  };
}
