import { describe, expect, it } from 'vitest';
import { UnknownFieldsLog } from './unknown-fields-log';

describe('UnknownFieldsLog', () => {
  it('logs a field set once per client and channel; a new set or another client logs again', () => {
    const lines: { context: Record<string, unknown>; message: string }[] = [];
    const log = new UnknownFieldsLog({
      warn: ((context: Record<string, unknown>, message: string) =>
        lines.push({ context, message })) as never,
    });
    expect(log.note('key-1', '/sale', ['extra'], { register: 'r1' })).toBe(true);
    expect(log.note('key-1', '/sale', ['extra'])).toBe(false);
    expect(log.note('key-1', '/sale', [])).toBe(false);
    expect(log.note('key-1', '/sale', ['extra', 'items[].colour'])).toBe(true);
    expect(log.note('key-2', '/sale', ['extra'])).toBe(true);
    expect(log.note('key-1', 'ws new_transaction', ['extra'])).toBe(true);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({
      context: { client: 'key-1', channel: '/sale', unknownFields: ['extra'], register: 'r1' },
      message: expect.stringContaining('ignored'),
    });
  });

  it('keeps its memory bounded, forgetting the least recently seen first', () => {
    let logged = 0;
    const log = new UnknownFieldsLog({ warn: (() => (logged += 1)) as never }, 3);
    for (const client of ['a', 'b', 'c']) log.note(client, '/sale', ['x']);
    log.note('a', '/sale', ['x']); // seen again: now the most recent
    log.note('d', '/sale', ['x']); // evicts b
    expect(log.size).toBe(3);
    expect(logged).toBe(4);
    expect(log.note('a', '/sale', ['x'])).toBe(false);
    expect(log.note('b', '/sale', ['x'])).toBe(true);
    for (let i = 0; i < 10_000; i += 1) log.note(`client-${i}`, '/sale', ['x']);
    expect(log.size).toBe(3);
  });
});
