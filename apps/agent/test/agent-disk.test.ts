import { writeFileSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CanonicalCommandInput } from '@kassa-relay/protocol';
import { type AgentWorld, createAgentWorld, journalEntries, waitFor } from './harness';

/** A receipt of many long lines: a large command, so a small journal fills up after a few. */
const bulkySale = (total: number): CanonicalCommandInput => {
  const items = Array.from({ length: 200 }, (_, i) => ({
    name: `Товар с длинным наименованием для проверки места на диске № ${i} `.repeat(3).slice(0, 190),
    quantity: 1000,
    price: i === 0 ? total - 199 * 100 : 100,
    sum: i === 0 ? total - 199 * 100 : 100,
    taxes: [{ rate: 12_000 }],
  }));
  return { type: 'receipt', operation: 'sale', items, payments: [{ kind: 'cash', amount: total }], total };
};

describe('the agent and its own disk', () => {
  let world: AgentWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it(
    'a command the journal cannot store is not acknowledged: the broker keeps it and it runs once there is room',
    { timeout: 120_000 },
    async () => {
      world = await createAgentWorld({ agentId: 'disk-full', journal: { maxSizeMb: 1 } });
      await world.startAgent();
      const ids: string[] = [];
      // Fill the journal until the agent stops taking commands and says why.
      for (let i = 0; i < 40; i++) {
        ids.push(await world.cloud.send('reg-cc', bulkySale(100_000 + i * 100)));
        const full = world.cloud.heartbeats.some((h) => h.alerts.some((a) => a.kind === 'journalWrite'));
        if (full) break;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      await waitFor(
        () => world!.cloud.heartbeats.some((h) => h.alerts.some((a) => a.kind === 'journalWrite')),
        20_000,
        'the journalWrite alert',
      );
      const answered = new Set(world.cloud.results.map((r) => r.commandId));
      const waiting = ids.filter((id) => !answered.has(id));
      expect(waiting.length).toBeGreaterThan(0);

      // More room (a bigger limit, as after cleaning the disk): the broker delivers what was not
      // acknowledged, and every command gets exactly one result and at most one receipt.
      await world.stopAgent();
      const config = JSON.parse(readFileSync(world.configPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(world.configPath, JSON.stringify({ ...config, journal: { maxSizeMb: 64 } }));
      await world.startAgent();
      for (const id of ids) {
        const result = await world.cloud.waitForResult(id, 30_000);
        expect(result.status, JSON.stringify(result.outcome)).toBe('done');
      }
      // A repeated delivery is answered with the same stored result, never a second execution.
      for (const id of ids)
        expect(new Set(world.cloud.resultsFor(id).map((r) => JSON.stringify(r))).size).toBe(1);
      const totals = (await journalEntries(world.cashCore)).map((entry) => entry.total);
      expect(totals.sort()).toEqual(ids.map((_, i) => 100_000 + i * 100).sort());
    },
  );
});
