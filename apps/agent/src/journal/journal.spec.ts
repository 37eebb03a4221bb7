import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@kassa-relay/testing';
import type { CommandEnvelope, ResultEnvelope } from '@kassa-relay/protocol';
import { Journal } from './journal';

const envelope = (id: string): CommandEnvelope => ({
  v: 1,
  id,
  registerId: 'r1',
  issuedAt: '2026-11-23T10:00:00.000Z',
  deadline: '2026-11-23T10:05:00.000Z',
  command: { type: 'report.x' },
});

const result = (id: string): ResultEnvelope => ({
  v: 1,
  commandId: id,
  agentId: 'a',
  registerId: 'r1',
  status: 'done',
  outcome: { ok: true, result: { type: 'report.x' } },
  receivedAt: '2026-11-23T10:00:00.000Z',
  completedAt: '2026-11-23T10:00:01.000Z',
});

describe('journal', () => {
  const dirs: { remove(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));
  const open = () => {
    const dir = tempDir('journal-');
    dirs.push(dir);
    return { dir, journal: new Journal(dir.path) };
  };

  it('walks received → executing → done → reported and logs every transition', () => {
    const { journal } = open();
    expect(journal.receive(envelope('c-00000001'))).toBe(true);
    expect(journal.receive(envelope('c-00000001'))).toBe(false);
    journal.markExecuting('c-00000001');
    journal.saveCheckpoint('c-00000001', {
      kind: 'ikkm',
      keyUsed: '111',
      path: '/api',
      params: { key: '111', sale: '10' },
    });
    expect(journal.get('c-00000001')?.checkpoint).toMatchObject({ keyUsed: '111' });
    journal.markDone('c-00000001', result('c-00000001'));
    expect(journal.outbox(10).map((e) => e.id)).toEqual(['c-00000001']);
    expect(journal.depth()).toBe(1);
    journal.markReported('c-00000001');
    expect(journal.outbox(10)).toEqual([]);
    expect(journal.depth()).toBe(0);
    expect(journal.transitions('c-00000001').map((t) => t.state)).toEqual([
      'received',
      'executing',
      'executing',
      'done',
      'reported',
    ]);
  });

  it('survives reopening: unfinished work, the outbox in completion order, the iKKM key', () => {
    const { dir, journal } = open();
    for (const id of ['c-00000001', 'c-00000002', 'c-00000003']) journal.receive(envelope(id));
    journal.markExecuting('c-00000002');
    journal.markDone('c-00000003', result('c-00000003'));
    journal.markDone('c-00000001', result('c-00000001'));
    journal.saveKey('r1', '777');
    journal.close();

    const reopened = new Journal(dir.path);
    expect(reopened.unfinished().map((e) => [e.id, e.state])).toEqual([['c-00000002', 'executing']]);
    expect(reopened.outbox(10).map((e) => e.id)).toEqual(['c-00000003', 'c-00000001']);
    expect(reopened.outboxStats().count).toBe(2);
    expect(reopened.loadKey('r1')).toBe('777');
    // Completion order carries on after the reopen.
    reopened.markDone('c-00000002', result('c-00000002'));
    expect(reopened.outbox(10).map((e) => e.id)).toEqual(['c-00000003', 'c-00000001', 'c-00000002']);
    reopened.close();
  });

  it('durable(): callers that come while an fsync runs share the next one (group commit)', async () => {
    const { journal } = open();
    journal.receive(envelope('c-00000001'));
    const first = journal.durable();
    // Written after the first fsync started: it may not cover this, so these wait for the next.
    journal.receive(envelope('c-00000002'));
    const second = journal.durable();
    journal.receive(envelope('c-00000003'));
    const third = journal.durable();
    expect(second).not.toBe(first);
    expect(third).toBe(second);
    await Promise.all([first, second, third]);
    // Nothing running any more: the next caller starts a new fsync of its own.
    const fourth = journal.durable();
    expect(fourth).not.toBe(second);
    await fourth;
    journal.close();
  });

  it('a done entry is never overwritten by a late transition', () => {
    const { journal } = open();
    journal.receive(envelope('c-00000009'));
    journal.markDone('c-00000009', result('c-00000009'));
    journal.markExecuting('c-00000009');
    expect(journal.get('c-00000009')?.state).toBe('done');
  });

  it('keeps operator PINs only until the sync is done; nothing of them stays in the file', () => {
    const { dir, journal } = open();
    const sync: CommandEnvelope = {
      ...envelope('c-00000010'),
      command: {
        type: 'operators.sync',
        upsert: [{ name: 'Оператор Б', role: 'cashier', pin: '24681357' }],
        delete: [],
      },
    };
    journal.receive(sync);
    // Still to run (a crash now re-executes it): the PIN is needed.
    expect(journal.unfinished()[0]?.envelope).toEqual(sync);
    journal.markDone('c-00000010', result('c-00000010'));
    expect(journal.get('c-00000010')?.envelope.command).toEqual({
      type: 'operators.sync',
      upsert: [{ name: 'Оператор Б', role: 'cashier' }],
      delete: [],
    });
    journal.close();
    const bytes = Buffer.concat(
      ['journal.sqlite', 'journal.sqlite-wal']
        .filter((name) => existsSync(join(dir.path, name)))
        .map((name) => readFileSync(join(dir.path, name))),
    );
    expect(bytes.includes('24681357')).toBe(false);
  });
});
