import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
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

  it('keeps a command in doubt as its own state, with its evidence, until it is settled', () => {
    let now = 1_000;
    const dir = tempDir('journal-');
    dirs.push(dir);
    const journal = new Journal(dir.path, () => now);
    journal.receive(envelope('c-00000020'));
    journal.markExecuting('c-00000020');
    journal.markInDoubt('c-00000020', 'ответ кассы не получен', undefined, false);
    now += 1_000;
    journal.markInDoubt('c-00000020', 'касса занята (-2)', undefined, true);
    now += 1_000;
    // The same answer again only moves its time: an hour of -2 is one line.
    journal.markInDoubt('c-00000020', 'касса занята (-2)', undefined, true);
    journal.markInDoubt('c-00000020', 'ключ больше не принят', 'deviceKey', true);
    const entry = journal.get('c-00000020');
    expect(entry?.state).toBe('inDoubt');
    expect(entry?.doubt).toMatchObject({ sinceMs: 1_000, attempts: 3, needs: 'deviceKey' });
    expect(entry?.doubt?.evidence.map((line) => line.text)).toEqual([
      'ключ больше не принят',
      'касса занята (-2)',
      'ответ кассы не получен',
    ]);
    expect(journal.inDoubt().map((e) => e.id)).toEqual(['c-00000020']);
    expect(journal.unfinished().map((e) => e.id)).toEqual(['c-00000020']);
    expect(journal.depth()).toBe(1);
    // One logged transition into doubt, however often it is looked at.
    expect(journal.transitions('c-00000020').map((t) => t.state)).toEqual([
      'received',
      'executing',
      'inDoubt',
    ]);

    journal.markDone('c-00000020', result('c-00000020'));
    expect(journal.get('c-00000020')?.state).toBe('done');
    expect(journal.inDoubt()).toEqual([]);
    // A settled command cannot fall back into doubt.
    journal.markInDoubt('c-00000020', 'late', undefined, true);
    expect(journal.get('c-00000020')?.state).toBe('done');
    journal.close();
  });

  it('upgrades a journal written before the inDoubt state, keeping every command', () => {
    const dir = tempDir('journal-');
    dirs.push(dir);
    const old = new Database(join(dir.path, 'journal.sqlite'));
    old.exec(`
      CREATE TABLE commands (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, register_id TEXT NOT NULL,
        type TEXT NOT NULL, envelope TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('received', 'executing', 'done', 'reported')),
        checkpoint TEXT, result TEXT, result_bytes INTEGER NOT NULL DEFAULT 0, deadline_ms INTEGER NOT NULL,
        received_at_ms INTEGER NOT NULL, started_at_ms INTEGER, done_at_ms INTEGER, done_seq INTEGER,
        reported_at_ms INTEGER
      );`);
    old
      .prepare(
        `INSERT INTO commands (id, register_id, type, envelope, state, checkpoint, deadline_ms, received_at_ms)
         VALUES ('c-00000030', 'r1', 'report.x', ?, 'executing', '{"kind":"ikkm"}', 1, 1)`,
      )
      .run(JSON.stringify(envelope('c-00000030')));
    old.close();

    const journal = new Journal(dir.path);
    expect(journal.unfinished().map((e) => [e.id, e.state, e.checkpoint])).toEqual([
      ['c-00000030', 'executing', { kind: 'ikkm' }],
    ]);
    journal.markInDoubt('c-00000030', 'ответ кассы не получен', undefined, false);
    expect(journal.get('c-00000030')?.state).toBe('inDoubt');
    journal.close();
    // Opening it again changes nothing.
    const again = new Journal(dir.path);
    expect(again.get('c-00000030')?.state).toBe('inDoubt');
    again.close();
  });

  it('drops a receipt picture from the stored result once it is reported', () => {
    const { journal } = open();
    const id = 'c-00000040';
    journal.receive({ ...envelope(id), command: { type: 'receipt.image', document: { last: true } } });
    const picture: ResultEnvelope = {
      ...result(id),
      outcome: {
        ok: true,
        result: {
          type: 'receipt.image',
          fiscalId: 'F1',
          image: { contentType: 'image/png', base64: 'A'.repeat(50_000) },
        },
      },
    };
    journal.markDone(id, picture);
    expect(journal.get(id)?.result?.outcome).toEqual(picture.outcome);
    journal.markReported(id);
    const kept = journal.get(id)?.result?.outcome;
    expect(kept).toEqual({ ok: true, result: { type: 'receipt.image', fiscalId: 'F1' } });
    journal.close();
  });

  it('prunes reported commands past their retention or beyond the cap, never one near its deadline', () => {
    let now = Date.parse('2026-11-23T10:00:00.000Z');
    const dir = tempDir('journal-');
    dirs.push(dir);
    const journal = new Journal(dir.path, () => now);
    const day = 24 * 3600_000;
    for (let i = 0; i < 5; i++) {
      const id = `c-0000005${i}`;
      journal.receive({ ...envelope(id), deadline: new Date(now + 60_000).toISOString() });
      journal.markDone(id, result(id));
      journal.markReported(id);
      now += 1_000;
    }
    // A day and more later: all five are past their deadline by a day; the cap keeps the newest two.
    now += 2 * day;
    journal.receive({ ...envelope('c-00000059'), deadline: new Date(now + 60_000).toISOString() });
    journal.markDone('c-00000059', result('c-00000059'));
    journal.markReported('c-00000059');
    expect(journal.prune(30 * day, 3)).toBe(3);
    expect(['c-00000050', 'c-00000051', 'c-00000052'].map((id) => journal.get(id))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(journal.get('c-00000053')?.state).toBe('reported');
    // The newest is within a day of its deadline: its id may still come again, whatever the cap.
    expect(journal.prune(30 * day, 1)).toBe(2);
    expect(journal.get('c-00000059')?.state).toBe('reported');
    // Past the retention every old one goes.
    now += 31 * day;
    expect(journal.prune(30 * day)).toBe(1);
    expect(journal.get('c-00000059')).toBeUndefined();
    journal.close();
  });
});
