import { describe, expect, it } from 'vitest';
import { audit, type Receipt } from '../src/audit';
import type { SaleRecord } from '../src/clients';
import { CRASH_POINTS, FAULT_KINDS, planFaults } from '../src/faults';
import { Prng } from '@kassa-relay/testing';
import { markdownReport } from '../src/report';
import { DEFAULT_TUNING, runSoak } from '../src/soak';

describe('fault plan', () => {
  it('is the same for the same seed, holds every kind and every crash step, and stays inside the run', () => {
    const options = { sales: 80, kinds: FAULT_KINDS, salesPerFault: 6, tuning: DEFAULT_TUNING };
    const plan = planFaults(new Prng('plan'), options);
    expect(planFaults(new Prng('plan'), options)).toEqual(plan);
    expect(new Set(plan.map((f) => f.params.kind))).toEqual(new Set(FAULT_KINDS));
    const points = plan.flatMap((f) => (f.params.kind === 'agent-crash-at' ? [f.params.point] : []));
    expect(new Set(points)).toEqual(new Set(CRASH_POINTS));
    for (const fault of plan) {
      expect(fault.atSale).toBeGreaterThan(0);
      expect(fault.atSale).toBeLessThan(80);
      if (fault.params.kind === 'device-slow')
        expect(fault.params.fault.delayMs).toBeGreaterThan(DEFAULT_TUNING.driverTimeoutMs);
    }
  });
});

describe('audit', () => {
  const record = (index: number, final: SaleRecord['final']): SaleRecord => ({
    sale: {
      index,
      register: 'ikkm',
      docTime: '2026-01-01 10:00:00',
      docNumber: `D-${index}`,
      amount: 1000 + index,
    },
    attempts: 1,
    transportErrors: 0,
    code5: 0,
    final,
    firstSentAt: 0,
    finalAt: final ? 1 : undefined,
    recent: [],
  });
  const receipt = (amount: number, fiscalId: string, seq: number): Receipt => ({
    register: 'ikkm',
    seq,
    amount,
    fiscalId,
    number: seq,
    at: 0,
  });

  it('counts duplicate, lost, misattributed and stuck sales from the journal', () => {
    const result = audit(
      [
        record(0, { code: 0, fiscalID: 'F0', documentID: 1 }), // fine
        record(1, { code: 0, fiscalID: 'F1', documentID: 2 }), // printed twice
        record(2, { code: 0, fiscalID: 'F9', documentID: 9 }), // told done, nothing printed
        record(3, { code: 0, fiscalID: 'F0', documentID: 1 }), // sale 0's receipt
        record(4, undefined), // never final, printed
        record(5, undefined), // never final, nothing printed
        record(6, { code: 6, message: 'смена не открыта' }), // refused, yet printed
        record(7, { code: 6, message: 'смена не открыта' }), // refused, nothing printed: fine
      ],
      [
        receipt(1000, 'F0', 1),
        receipt(1001, 'F1', 2),
        receipt(1001, 'F1b', 3),
        receipt(1003, 'F3', 4),
        receipt(1004, 'F4', 5),
        receipt(1006, 'F6', 6),
        receipt(5555, 'FX', 7),
      ],
    );
    expect(result.counts).toEqual({ duplicate: 1, lost: 3, misattributed: 1, stuck: 2 });
    expect(result.findings.map((f) => [f.index, f.kinds.sort()])).toEqual([
      [1, ['duplicate']],
      [2, ['lost']],
      [3, ['misattributed']],
      [4, ['lost', 'stuck']],
      [5, ['stuck']],
      [6, ['lost']],
    ]);
    expect(result.unexplainedReceipts.map((r) => r.amount)).toEqual([5555]);
    expect(result.refused).toBe(2);
  });
});

describe('fault soak (bounded)', () => {
  it(
    'prints every sale exactly once and answers every client through every kind of fault',
    { timeout: 600_000 },
    async () => {
      const lines: string[] = [];
      const report = await runSoak({
        sales: 80,
        seed: 'npm-test-1',
        clients: 6,
        kinds: FAULT_KINDS,
        salesPerFault: 6,
        settleMs: 90_000,
        stallMs: 90_000,
        tuning: DEFAULT_TUNING,
        keep: false,
        say: (line) => lines.push(line),
      });
      const summary = `${markdownReport(report)}\n\n${lines.slice(-30).join('\n')}`;
      for (const kind of FAULT_KINDS)
        expect(report.faults.byKind[kind]?.done ?? 0, summary).toBeGreaterThan(0);
      expect(report.audit.counts, summary).toEqual({ duplicate: 0, lost: 0, misattributed: 0, stuck: 0 });
      expect(report.audit.unexplainedReceipts, summary).toEqual([]);
      expect(report.unexpectedExits, summary).toEqual([]);
      expect(report.clientStats.done + report.clientStats.refused, summary).toBe(80);
      expect(report.verdict, summary).toBe('PASS');
    },
  );
});
