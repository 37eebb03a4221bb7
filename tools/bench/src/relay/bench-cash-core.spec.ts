import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CashCoreClient } from '@kassa-relay/drivers';
import { STATE_FILE_NAME } from '@kassa-relay/cash-core-sim';
import { tempDir } from '@kassa-relay/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startBenchCashCore } from './bench-cash-core';
import { ACCESS_CODE, tradeOperationRequest } from './sale';

describe('the benchmark cash core', () => {
  const dir = tempDir('bench-cc-');
  afterAll(() => dir.remove());

  it('fiscalizes the driver’s ticket, keeps its counters, remembers only the last 8 documents, writes nothing', async () => {
    const sim = await startBenchCashCore(dir.path);
    try {
      const client = new CashCoreClient({ baseUrl: sim.url, accessCode: ACCESS_CODE, timeoutMs: 10_000 });
      for (let i = 0; i < 12; i += 1) {
        const answer = await client.call('TradeOperation', tradeOperationRequest(), { fiscal: true });
        expect(answer.ok).toBe(true);
      }
      const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as {
        shiftOpen: boolean;
        shiftDocumentNumber: number;
        cashInDrawer: number;
      };
      expect(state.shiftOpen).toBe(true);
      expect(state.shiftDocumentNumber).toBe(12);
      expect(state.cashInDrawer).toBe(12 * 35_000);
      const journal = (await (await fetch(`${sim.url}/_sim/journal`)).json()) as {
        entries: { seq: number }[];
      };
      expect(journal.entries.map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
      expect(existsSync(join(dir.path, STATE_FILE_NAME))).toBe(false);
    } finally {
      await sim.close();
    }
  });
});
