import { afterEach, describe, expect, it } from 'vitest';
import {
  canonicalCommandSchema,
  type CanonicalCommandInput,
  type CommandResult,
} from '@kassa-relay/protocol';
import type { CashCoreDriver } from '../src/cash-core';
import type { ExecuteContext, ReconcileVerdict } from '../src/register-driver';
import {
  ADMIN_PIN,
  type CashCoreWorld,
  type CashCoreWorldOptions,
  type JournalEntry,
  type Settled,
  ok,
  sale,
  startCashCoreWorld,
} from './helpers/cash-core-world';
import { waitFor } from '@kassa-relay/testing';

/**
 * The driver-level fault matrix for the cash core (issue 10): each case drives a command the way
 * the agent does — execute; RESULT_UNKNOWN → reconcile, in doubt → ask again after a short pause,
 * notDone → execute again; REGISTER_BUSY → wait, execute again — to a final state, then counts the
 * documents in the simulator's journal. Never a receipt twice, never another document's fiscal id.
 * Small timeouts keep every case bounded: the driver gives up after 400 ms, a lost call's
 * processing window is 1.5 s.
 */

const TIMEOUT_MS = 400;
const WINDOW_MS = 1_500;

let w: CashCoreWorld;
afterEach(async () => {
  await w?.close();
});

async function world(options: CashCoreWorldOptions = {}): Promise<CashCoreDriver> {
  w = await startCashCoreWorld(options);
  return w.driverWith({ timeoutMs: TIMEOUT_MS, processingWindowMs: WINDOW_MS });
}

const RECEIPT_KINDS = new Set(['sale', 'saleReturn', 'purchase', 'purchaseReturn']);
const receiptsIn = (journal: JournalEntry[]) => journal.filter((e) => RECEIPT_KINDS.has(e.kind));

/** Another client of the same core: its own driver, its checkpoints not in the world's journal. */
const otherClient: ExecuteContext = { commandId: 'someone-else', checkpoint: () => undefined };

/**
 * The sound ends of one command: done with exactly one document of ours in the journal (and its
 * fiscal id), or in doubt with evidence and none of ours in the journal twice. `others` are the
 * journal entries other clients made.
 */
async function expectDoneOnce(
  settled: Settled,
  kinds: string[],
  others: JournalEntry[] = [],
): Promise<CommandResult> {
  expect(settled.final, JSON.stringify(settled.verdict ?? settled.outcome)).toBe('done');
  const ours = (await w.journal()).filter(
    (e) => kinds.includes(e.kind) && !others.some((o) => o.seq === e.seq),
  );
  expect(ours).toHaveLength(1);
  const result = ok(settled.outcome!);
  if (ours[0]?.fiscalNumber !== undefined) expect(result.fiscalId).toBe(ours[0].fiscalNumber);
  expect(result.documentNumber).toBe(ours[0]?.shiftDocumentNumber);
  expect(result.shiftNumber).toBe(ours[0]?.shiftNumber);
  return result;
}

const states = (verdicts: ReconcileVerdict[]) => verdicts.map((v) => v.state);
const evidenceOf = (verdict: ReconcileVerdict | undefined) =>
  verdict?.state === 'inDoubt' ? verdict.evidence : '';

/** A sale with an item discount and a receipt discount, paid cash (with change) and card. */
const discountedSale = (name = 'Кофе'): CanonicalCommandInput => ({
  type: 'receipt',
  operation: 'sale',
  items: [{ name, quantity: 2000, price: 100_000, sum: 200_000, discount: 5_000 }],
  discount: 20_000,
  payments: [
    { kind: 'cash', amount: 100_000 },
    { kind: 'card', amount: 100_000 },
  ],
  total: 175_000,
});

describe('cash core fault matrix', () => {
  it('answer lost after commit (commit-then-drop) → reconciled done at once, exactly one receipt', async () => {
    const driver = await world();
    await w.fault({ kind: 'commit-then-drop', match: 'TradeOperation' });
    const settled = await w.settle(discountedSale(), { driver });
    const result = await expectDoneOnce(settled, ['sale']);
    expect(result).toMatchObject({ total: 175_000, change: 25_000, replayed: true });
    expect(settled.executions).toBe(1);
    expect(states(settled.verdicts)).toEqual(['done']);
  });

  it('answer garbled after commit → RESULT_UNKNOWN, reconciled done, exactly one receipt', async () => {
    const driver = await world();
    await w.fault({ kind: 'garble', match: 'TradeOperation' });
    const settled = await w.settle(sale(12_300), { driver });
    await expectDoneOnce(settled, ['sale']);
    expect(settled.executions).toBe(1);
  });

  it('answer lost BEFORE commit, the call still running: in doubt (66, then the window) until it commits, one receipt', async () => {
    const driver = await world();
    // The call outlives the driver's timeout and the processing window; the core keeps answering 66.
    await w.fault({ kind: 'delay', delayMs: WINDOW_MS + 1_000, match: 'TradeOperation' });
    const settled = await w.settle(sale(42_000), { driver });
    await expectDoneOnce(settled, ['sale']);
    expect(settled.executions).toBe(1);
    const first = settled.verdicts[0];
    expect(first?.state).toBe('inDoubt');
    expect(evidenceOf(first)).toContain('66');
    expect(states(settled.verdicts)).not.toContain('notDone');
    expect(states(settled.verdicts).at(-1)).toBe('done');
  });

  it('answer lost BEFORE commit, the call still in transit (the core not busy yet): in doubt for the window, not notDone; one receipt', async () => {
    const driver = await world();
    // Counters unmoved, no 66: only the processing window tells that the call may still land.
    await w.fault({ kind: 'delay', delayMs: WINDOW_MS - 500, match: 'TradeOperation', holdsCore: false });
    const settled = await w.settle(sale(27_000), { driver });
    // Count once nothing is left in transit.
    await waitFor(
      async () => (await w.state()).busy.pending === 0,
      5_000,
      'no call pending on the simulator',
    );
    await expectDoneOnce(settled, ['sale']);
    expect(settled.executions).toBe(1);
    expect(states(settled.verdicts)).not.toContain('notDone');
    expect(evidenceOf(settled.verdicts[0])).toContain('processing window');
  });

  it('late commit after the timeout, reconciled after it: done, one receipt', async () => {
    const driver = await world();
    await w.fault({ kind: 'delay', delayMs: TIMEOUT_MS + 600, match: 'TradeOperation' });
    const command = sale(31_000);
    const first = await driver.execute(parse(command), w.context);
    expect(first.ok || first.error.code).toBe('RESULT_UNKNOWN');
    await waitFor(async () => (await w.journal()).length === 1, 5_000, 'one receipt in the journal');
    const verdict = await driver.reconcile(w.reconcileEntry(command));
    expect(verdict.state).toBe('done');
    const journal = await w.journal();
    expect(receiptsIn(journal)).toHaveLength(1);
    if (verdict.state === 'done') expect(ok(verdict.outcome).fiscalId).toBe(journal[0]?.fiscalNumber);
  });

  it('device restarted mid-call: the call never commits → in doubt through the window → notDone → executed once more, one receipt', async () => {
    const driver = await world();
    await w.fault({ kind: 'delay', delayMs: 10_000, match: 'TradeOperation' });
    let restarted = false;
    const settled = await w.settle(sale(5_500), {
      driver,
      onVerdict: async () => {
        if (restarted) return;
        restarted = true;
        expect((await w.restart()).abandoned).toBe(1);
      },
    });
    await expectDoneOnce(settled, ['sale']);
    expect(settled.executions).toBe(2);
    const verdicts = states(settled.verdicts);
    expect(verdicts.at(-1)).toBe('notDone');
    expect(verdicts.slice(0, -1).every((s) => s === 'inDoubt')).toBe(true);
    // notDone only once the window was over: the first verdicts are the window's.
    expect(evidenceOf(settled.verdicts[1])).toContain('processing window');
  });

  it("device busy on the repeat (another client's call running): REGISTER_BUSY before anything is sent, then one receipt", async () => {
    const driver = await world();
    await w.fault({ kind: 'drop', match: 'TradeOperation' });
    let busyStarted = false;
    const settled = await w.settle(sale(8_800), {
      driver,
      onVerdict: async (verdict) => {
        if (verdict.state !== 'notDone' || busyStarted) return;
        busyStarted = true;
        // Another client's deposit holds the core for a while just as the command is run again.
        await w.fault({ kind: 'delay', delayMs: 700, match: 'MoneyPlacement' });
        void fetch(`${w.url}/MoneyPlacement`, {
          method: 'POST',
          headers: { authorization: ADMIN_PIN, 'content-type': 'application/json' },
          body: JSON.stringify({ kkm_ofd_id: 6923, operation: 0, sum: 100 }),
        }).catch(() => undefined);
        await waitFor(async () => (await w.state()).busy.running !== null, 5_000, 'the simulator to be busy');
      },
    });
    await expectDoneOnce(settled, ['sale']);
    expect(settled.busyRetries).toBeGreaterThan(0);
    expect(settled.executions).toBe(2 + settled.busyRetries);
    await waitFor(async () => (await w.journal()).length === 2, 5_000, 'two receipts in the journal');
    expect((await w.journal()).map((e) => e.kind).sort()).toEqual(['deposit', 'sale']);
  });

  it("device answers the repeat's TradeOperation 66: outcome unknown, reconciled, never a second receipt", async () => {
    const driver = await world();
    await w.fault({ kind: 'drop', match: 'TradeOperation' });
    let injected = false;
    const settled = await w.settle(sale(6_600), {
      driver,
      onVerdict: async (verdict) => {
        if (verdict.state !== 'notDone' || injected) return;
        injected = true;
        await w.fault({ kind: 'error', code: 66, match: 'TradeOperation' });
      },
    });
    await expectDoneOnce(settled, ['sale']);
    expect(settled.executions).toBe(3);
    expect(states(settled.verdicts).filter((s) => s === 'notDone')).toHaveLength(2);
  });

  it('counters moved by another client (same total, other goods): in doubt with the candidate named, never notDone, never its fiscal id', async () => {
    const driver = await world();
    await w.fault({ kind: 'drop', match: 'TradeOperation' });
    const other = w.driverWith({});
    let theirs: JournalEntry | undefined;
    const settled = await w.settle(sale(7_000), {
      driver,
      onVerdict: async () => {
        if (theirs) return;
        // Same total, same cash payment, another item: only the full body tells them apart.
        ok(
          await other.execute(
            parse({ ...sale(7_000), items: [{ name: 'Чай', quantity: 1000, price: 7_000, sum: 7_000 }] }),
            otherClient,
          ),
        );
        theirs = (await w.journal())[0];
      },
    });
    expect(settled.final).toBe('inDoubt');
    expect(states(settled.verdicts)).not.toContain('notDone');
    expect(states(settled.verdicts)).not.toContain('done');
    expect(settled.verdict).toMatchObject({ state: 'inDoubt', needs: 'operator' });
    const evidence = evidenceOf(settled.verdict);
    expect(evidence).toContain(`fiscal id ${theirs?.fiscalNumber}`);
    expect(evidence).toContain('name «Чай» ≠ «Кофе»');
    expect(settled.executions).toBe(1);
    expect(receiptsIn(await w.journal())).toHaveLength(1);
  });

  it('counters moved by another client while the lost call still runs: in doubt, then done with our own document', async () => {
    const driver = await world();
    await w.fault({ kind: 'delay', delayMs: 1_200, match: 'TradeOperation' });
    const other = w.driverWith({});
    let theirs: JournalEntry | undefined;
    const settled = await w.settle(sale(4_400), {
      driver,
      onVerdict: async () => {
        if (theirs) return;
        // Queued behind our call: the other client waits for the core, then sells the same amount by card.
        await waitFor(async () => (await w.state()).busy.running === null, 5_000, 'the simulator to be idle');
        ok(
          await other.execute(
            parse({ ...sale(4_400), payments: [{ kind: 'card', amount: 4_400 }] }),
            otherClient,
          ),
        );
        theirs = (await w.journal()).find((e) => e.payments.some((p) => p.type === 1));
      },
    });
    const result = await expectDoneOnce(settled, ['sale'], theirs ? [theirs] : []);
    expect(result.fiscalId).not.toBe(theirs?.fiscalNumber);
    expect(receiptsIn(await w.journal())).toHaveLength(2);
  });

  it('money placement dropped before anything happened: in doubt through the window, then notDone, run again, one deposit', async () => {
    const driver = await world();
    await w.fault({ kind: 'drop', match: 'MoneyPlacement' });
    const settled = await w.settle({ type: 'cash.in', amount: 50_000 }, { driver });
    await expectDoneOnce(settled, ['deposit']);
    expect(states(settled.verdicts).at(-1)).toBe('notDone');
    expect(states(settled.verdicts)[0]).toBe('inDoubt');
  });

  it('Z report lost while running: in doubt, then done once the shift is closed; one Z', async () => {
    const driver = await world();
    ok(await driver.execute(parse(sale(1_000)), w.context));
    await w.fault({ kind: 'delay', delayMs: WINDOW_MS + 500, match: 'ZXReport' });
    const settled = await w.settle({ type: 'shift.close' }, { driver });
    expect(settled.final).toBe('done');
    expect(states(settled.verdicts)).not.toContain('notDone');
    expect((await w.journal()).filter((e) => e.kind === 'zreport')).toHaveLength(1);
    expect(ok(settled.outcome!)).toMatchObject({
      type: 'shift.close',
      shiftNumber: 118,
      shift: { open: false },
    });
  });
});

/**
 * The shapes seed 003 leaves open, one reading at a time: a driver that relied on one of them
 * (the list's ticket `sum` as the total after discounts, its `payments` net of change, a money
 * placement's list `sum`) would take "not in the list" for "not done" and print again.
 */
describe.each([
  ['strict (default)', 'strict'],
  ['convenient', 'convenient'],
  ['ticketSum total', { ticketSum: 'total' }],
  ['ticketSum beforeModifiers', { ticketSum: 'beforeModifiers' }],
  ['ticketPayments typesGross', { ticketPayments: 'typesGross' }],
  ['ticketPayments typesNet', { ticketPayments: 'typesNet' }],
  ['ticketPayments amountsGross', { ticketPayments: 'amountsGross' }],
  ['ticketPayments amountsNet', { ticketPayments: 'amountsNet' }],
  ['ticketPayments none', { ticketPayments: 'none' }],
  ['placementSum amount', { placementSum: 'amount' }],
  ['placementSum zero', { placementSum: 'zero' }],
] as const)('list shapes: %s', (_name, readings) => {
  it('a discounted sale with change, answer lost after commit: done, one receipt', async () => {
    const driver = await world({ readings });
    ok(await driver.execute(parse({ type: 'cash.in', amount: 10_000 }), w.context));
    await w.fault({ kind: 'commit-then-drop', match: 'TradeOperation' });
    const settled = await w.settle(discountedSale(), { driver });
    await expectDoneOnce(settled, ['sale']);
    expect(settled.executions).toBe(1);
  });

  it('a card payment with cash wholly given back as change, answer lost: done, one receipt', async () => {
    const driver = await world({ readings });
    await w.fault({ kind: 'commit-then-drop', match: 'TradeOperation' });
    const settled = await w.settle(
      {
        ...sale(10_000),
        payments: [
          { kind: 'card', amount: 10_000 },
          { kind: 'cash', amount: 500 },
        ],
      },
      { driver },
    );
    await expectDoneOnce(settled, ['sale']);
  });

  it('a withdrawal, answer lost after commit, after another withdrawal of another amount: done, one', async () => {
    const driver = await world({ readings });
    ok(await driver.execute(parse({ type: 'cash.in', amount: 90_000 }), w.context));
    const before = (await w.journal()).length;
    ok(await driver.execute(parse({ type: 'cash.out', amount: 1_000 }), w.context));
    await w.fault({ kind: 'commit-then-drop', match: 'MoneyPlacement' });
    const settled = await w.settle({ type: 'cash.out', amount: 2_000 }, { driver });
    const others = (await w.journal()).slice(0, before + 1);
    await expectDoneOnce(settled, ['withdrawal'], others);
    expect(ok(settled.outcome!).total).toBe(2_000);
  });
});

/**
 * What GetKKMList shows for a closed shift (the seed is silent): the first receipt after a Z,
 * answer lost, with an identical receipt earlier in the shift the Z closed.
 */
describe.each(['last', 'lastZero', 'next'] as const)('closed shift shown as "%s"', (closedShift) => {
  it('the first receipt of the next shift, answer lost: done with its own document (or in doubt), never the older twin', async () => {
    const driver = await world({ readings: { closedShift } });
    const twin = sale(2_500);
    ok(await driver.execute(parse(twin), w.context));
    ok(await driver.execute(parse({ type: 'shift.close' }), w.context));
    const older = (await w.journal())[0]!;
    await w.fault({ kind: 'commit-then-drop', match: 'TradeOperation' });
    const settled = await w.settle(twin, { driver, maxMs: 6_000 });
    expect(states(settled.verdicts)).not.toContain('notDone');
    const receipts = receiptsIn(await w.journal());
    expect(receipts).toHaveLength(2);
    if (settled.final === 'done') {
      const result = await expectDoneOnce(settled, ['sale'], [older]);
      expect(result).toMatchObject({ shiftNumber: 119, documentNumber: 1 });
      expect(result.fiscalId).not.toBe(older.fiscalNumber);
    } else {
      // "lastZero": the closed shift shows document 0, so its older twin cannot be ruled out.
      expect(closedShift).toBe('lastZero');
      expect(settled.final).toBe('inDoubt');
      expect(evidenceOf(settled.verdict)).toContain('2 documents match exactly');
    }
  });

  it('a different first receipt of the next shift, answer lost: done', async () => {
    const driver = await world({ readings: { closedShift } });
    ok(await driver.execute(parse(sale(2_500)), w.context));
    ok(await driver.execute(parse({ type: 'shift.close' }), w.context));
    const older = (await w.journal())[0]!;
    await w.fault({ kind: 'commit-then-drop', match: 'TradeOperation' });
    const settled = await w.settle(sale(2_600), { driver });
    const result = await expectDoneOnce(settled, ['sale'], [older]);
    expect(result).toMatchObject({ shiftNumber: 119, documentNumber: 1, total: 2_600 });
  });

  it('shift.open, register.info and report.z after a Z tell the right shifts', async () => {
    const driver = await world({ readings: { closedShift } });
    ok(await driver.execute(parse(sale(1_000)), w.context));
    ok(await driver.execute(parse({ type: 'shift.close' }), w.context));
    expect(ok(await driver.execute(parse({ type: 'shift.open' }), w.context)).shift).toMatchObject({
      number: 119,
      open: false,
    });
    expect(ok(await driver.execute(parse({ type: 'register.info' }), w.context)).shift).toMatchObject({
      number: 118,
      open: false,
    });
    expect(ok(await driver.execute(parse({ type: 'report.z' }), w.context))).toMatchObject({
      shiftNumber: 118,
      documentNumber: 2,
    });
    expect((await driver.status()).shift).toMatchObject({ number: 118, open: false });
  });
});

function parse(command: CanonicalCommandInput) {
  return canonicalCommandSchema.parse(command);
}
