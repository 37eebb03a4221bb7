import { afterEach, describe, expect, it } from 'vitest';
import type { CommandOutcome } from '@kassa-relay/protocol';
import { type IkkmWorld, ikkmWorld, INITIAL_KEY, okResult, runLikeAgent, sale } from './helpers/ikkm-world';
import { waitFor } from '@kassa-relay/testing';

/**
 * Issue 10's fault matrix for the iKKM, against the real simulator over HTTP: each case drives a
 * command as the agent does (execute → in doubt → reconcile until proven → execute again when
 * proven not done) and then counts receipts in the device's own journal. Never a receipt twice,
 * never an answer that carries another document's number.
 */
let w: IkkmWorld;
afterEach(async () => {
  await w.close();
});

const receipts = async () => (await w.journal()).filter((entry) => entry.kind === 'sale');
const failedCode = (outcome: CommandOutcome | undefined) =>
  outcome && !outcome.ok ? outcome.error.code : 'ok';

describe('iKKM fault matrix (driver + simulator)', () => {
  it('answer lost after commit: the same-key repeat gets 203 → done with the device number, one receipt', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    await w.control('POST', '/faults', { kind: 'commit-then-drop', match: '/api', count: 1 });
    const run = await runLikeAgent(w, sale(5_000_00));
    expect(failedCode(run.executions[0])).toBe('RESULT_UNKNOWN');
    expect(run.final).toBe('done');
    const [receipt, ...more] = await receipts();
    expect(more).toHaveLength(0);
    const result = okResult(run.outcome);
    expect(result.checkNumber).toBe(receipt?.checkNumber);
    expect(result.replayed).toBe(true);
    expect(w.keys.at(-1)).toBe(await w.deviceKey());
  });

  it('answer lost before commit, the call still running: reconcile sees -2 (in doubt, never not-done), then one receipt', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 300 } });
    await w.control('POST', '/faults', { kind: 'delay', match: '/api', count: 1, delayMs: 1_500 });
    let journalAtDoubt = -1;
    const run = await runLikeAgent(w, sale(7_000_00), {
      afterExecute: async () => {
        journalAtDoubt = (await w.journal()).length;
      },
    });
    expect(failedCode(run.executions[0])).toBe('RESULT_UNKNOWN');
    // The first reconciliation ran while the device was still registering.
    expect(journalAtDoubt).toBe(0);
    expect(run.verdicts[0]).toMatchObject({ state: 'inDoubt' });
    expect(run.verdicts[0]?.state === 'inDoubt' && run.verdicts[0].evidence).toContain('-2');
    expect(run.verdicts.some((verdict) => verdict.state === 'notDone')).toBe(false);
    expect(run.executions).toHaveLength(1);
    expect(run.final).toBe('done');
    const all = await receipts();
    expect(all).toHaveLength(1);
    expect(okResult(run.outcome).checkNumber).toBe(all[0]?.checkNumber);
  });

  it('device busy on the repeat (-2 twice): in doubt, asked again, then done; one receipt', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    await w.control('POST', '/faults', { kind: 'commit-then-drop', match: '/api', count: 1 });
    await w.control('POST', '/faults', { kind: 'error', code: -2, match: '/api', count: 2 });
    const run = await runLikeAgent(w, sale(1_000_00));
    expect(run.verdicts.map((verdict) => verdict.state)).toEqual(['inDoubt', 'inDoubt', 'done']);
    expect(run.final).toBe('done');
    const all = await receipts();
    expect(all).toHaveLength(1);
    expect(okResult(run.outcome).checkNumber).toBe(all[0]?.checkNumber);
  });

  it('device rebooted (replay memory lost): -1 → needs the device key → operator enters it → lookup → done', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    await w.control('POST', '/faults', { kind: 'commit-then-drop', match: '/api', count: 1 });
    let operatorKey: string | undefined;
    const run = await runLikeAgent(w, sale(3_000_00), {
      afterExecute: () => w.control('POST', '/reboot'),
      onNeeds: async (verdict) => {
        if (verdict.needs !== 'deviceKey') return false;
        operatorKey = await w.deviceKey();
        w.keys.push(operatorKey);
        return true;
      },
    });
    const [first, second] = run.verdicts;
    expect(first).toMatchObject({ state: 'inDoubt', needs: 'deviceKey' });
    expect(first?.state === 'inDoubt' && first.evidence).toContain(INITIAL_KEY);
    expect(operatorKey).toBeDefined();
    expect(second?.state).toBe('done');
    expect(run.final).toBe('done');
    const all = await receipts();
    expect(all).toHaveLength(1);
    const result = okResult(run.outcome);
    expect(result.checkNumber).toBe(all[0]?.checkNumber);
    expect(result.fiscalId).toBe(all[0]?.ofd?.onlineCode);
  });

  it('device rebooted and nobody enters the key: stays in doubt, needs the device key, nothing re-sent', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    await w.control('POST', '/faults', { kind: 'commit-then-drop', match: '/api', count: 1 });
    const run = await runLikeAgent(w, sale(3_000_00), {
      afterExecute: () => w.control('POST', '/reboot'),
    });
    expect(run.final).toBe('inDoubt');
    expect(run.verdicts).toEqual([expect.objectContaining({ state: 'inDoubt', needs: 'deviceKey' })]);
    expect(run.executions).toHaveLength(1);
    expect(await receipts()).toHaveLength(1);
  });

  it('another client used the stored key: fresh 203 → resynchronised, in doubt → not done → executed once with the new key', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    const other = await w.otherClientSale(INITIAL_KEY, 777);
    expect(other.status).toBe(200);
    const run = await runLikeAgent(w, sale(5_000_00));
    const first = run.executions[0];
    expect(failedCode(first)).toBe('RESULT_UNKNOWN');
    expect(first && !first.ok && first.error.message).toContain('203');
    const stale = w.checkpoints.find((checkpoint) => checkpoint.kind === 'ikkm' && checkpoint.staleKey);
    expect(stale).toMatchObject({
      keyUsed: INITIAL_KEY,
      staleKey: { answeredKey: other.body, documentNumber: 1 },
    });
    expect(run.verdicts.map((verdict) => verdict.state)).toEqual(['notDone']);
    expect(run.final).toBe('done');
    const result = okResult(run.outcome);
    const journal = await w.journal();
    expect(journal.map((entry) => [entry.total, entry.key])).toEqual([
      [777_00, INITIAL_KEY],
      [5_000_00, other.body],
    ]);
    // Our answer carries our document, never the other client's number 1.
    expect(result.checkNumber).toBe(journal[1]?.checkNumber);
    expect(result.checkNumber).not.toBe(1);
    expect(result.replayed).toBe(false);
  });

  it('our request never arrived and another client then used that key: the 203 is not ours → in doubt, operator', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    await w.control('POST', '/faults', { kind: 'drop', match: '/api', count: 1 });
    const run = await runLikeAgent(w, sale(5_000_00), {
      afterExecute: async (outcome) => {
        if (!outcome.ok && outcome.error.code === 'RESULT_UNKNOWN') await w.otherClientSale(INITIAL_KEY, 777);
      },
    });
    expect(run.final).toBe('inDoubt');
    const last = run.verdicts.at(-1);
    expect(last).toMatchObject({ state: 'inDoubt', needs: 'operator' });
    expect(last?.state === 'inDoubt' && last.evidence).toContain('№1');
    expect(run.verdicts.some((verdict) => verdict.state === 'done')).toBe(false);
    expect((await w.journal()).map((entry) => entry.total)).toEqual([777_00]);
  });

  it('late commit after the timeout: reconciled after the device finished → 203 → done, one receipt', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 300 } });
    await w.control('POST', '/faults', { kind: 'delay', match: '/api', count: 1, delayMs: 700 });
    const run = await runLikeAgent(w, sale(2_500_00), {
      afterExecute: async (outcome) => {
        // Wait until the device has finished (committed and no longer busy).
        if (!outcome.ok && outcome.error.code === 'RESULT_UNKNOWN')
          await waitFor(
            async () =>
              (await w.journal()).length === 1 && !(await w.control<{ busy: boolean }>('GET', '/state')).busy,
            5_000,
            'the receipt committed and the simulator idle',
            25,
          );
      },
    });
    expect(run.verdicts.map((verdict) => verdict.state)).toEqual(['done']);
    const all = await receipts();
    expect(all).toHaveLength(1);
    const result = okResult(run.outcome);
    expect(result.checkNumber).toBe(all[0]?.checkNumber);
    expect(result.replayed).toBe(true);
  });

  it('request never arrived (dropped): the repeat registers it, exactly once', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    await w.control('POST', '/faults', { kind: 'drop', match: '/api', count: 1 });
    const run = await runLikeAgent(w, sale(4_000_00));
    expect(run.final).toBe('done');
    const all = await receipts();
    expect(all).toHaveLength(1);
    expect(okResult(run.outcome)).toMatchObject({ checkNumber: all[0]?.checkNumber, replayed: false });
  });

  it('a fresh -2 is REGISTER_BUSY (nothing registered): waited out and executed again, one receipt', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    await w.control('POST', '/faults', { kind: 'error', code: -2, match: '/api', count: 1 });
    const run = await runLikeAgent(w, sale(1_500_00));
    expect(failedCode(run.executions[0])).toBe('REGISTER_BUSY');
    expect(run.verdicts).toHaveLength(0);
    expect(run.final).toBe('done');
    expect(await receipts()).toHaveLength(1);
  });

  it('the repeat refused for its content (-13): proven refused → done, failed; nothing registered', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    await w.control('POST', '/faults', { kind: 'drop', match: '/api', count: 1 });
    const run = await runLikeAgent(w, sale(1_000_00, { payments: [{ kind: 'card', amount: 2_000_00 }] }));
    expect(run.final).toBe('failed');
    expect(failedCode(run.outcome)).toBe('PAYMENT_EXCEEDS_TOTAL');
    expect(await w.journal()).toHaveLength(0);
  });

  it('the repeat refused for a device condition (-6 printer): in doubt until it clears, then done once', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    await w.control('POST', '/faults', { kind: 'drop', match: '/api', count: 1 });
    const run = await runLikeAgent(w, sale(1_000_00), {
      afterExecute: () => w.control('POST', '/device', { printerReady: false }),
      onVerdict: async (_verdict, attempt) => {
        if (attempt === 1) await w.control('POST', '/device', { printerReady: true });
      },
    });
    expect(run.verdicts.map((verdict) => verdict.state)).toEqual(['inDoubt', 'inDoubt', 'done']);
    expect(run.final).toBe('done');
    expect(await receipts()).toHaveLength(1);
  });

  it('cash in, answer lost after commit: 203 → done, one deposit', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    await w.control('POST', '/faults', { kind: 'commit-then-drop', match: '/apideposit', count: 1 });
    const run = await runLikeAgent(w, { type: 'cash.in', amount: 10_000_00 });
    expect(run.final).toBe('done');
    const journal = await w.journal();
    expect(journal.map((entry) => entry.kind)).toEqual(['deposit']);
    expect(okResult(run.outcome).documentNumber).toBe(journal[0]?.checkNumber);
  });

  it('cash in after a reboot: found with the device key, but a cash document cannot be verified → operator', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    await w.control('POST', '/faults', { kind: 'commit-then-drop', match: '/apideposit', count: 1 });
    const run = await runLikeAgent(
      w,
      { type: 'cash.in', amount: 10_000_00 },
      {
        afterExecute: () => w.control('POST', '/reboot'),
        onNeeds: async (verdict) => {
          if (verdict.needs !== 'deviceKey') return false;
          w.keys.push(await w.deviceKey());
          return true;
        },
      },
    );
    expect(run.final).toBe('inDoubt');
    expect(run.verdicts.at(-1)).toMatchObject({ state: 'inDoubt', needs: 'operator' });
    expect((await w.journal()).map((entry) => entry.kind)).toEqual(['deposit']);
  });

  it('Z report answer lost: the shift state proves it → done, one Z', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 500 } });
    okResult(await w.driver.execute(sale(1_000_00), w.context));
    await w.control('POST', '/faults', { kind: 'commit-then-drop', match: '/apizreport', count: 1 });
    const run = await runLikeAgent(w, { type: 'shift.close' });
    expect(failedCode(run.executions[0])).toBe('RESULT_UNKNOWN');
    expect(run.final).toBe('done');
    expect(okResult(run.outcome)).toMatchObject({ shiftNumber: 1, shift: { open: false } });
    expect((await w.journal()).filter((entry) => entry.kind === 'zreport')).toHaveLength(1);
  });

  it('Z report slower than the timeout: getInfo answers -2 meanwhile (in doubt), then done; one Z', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 300 } });
    okResult(await w.driver.execute(sale(1_000_00), w.context));
    await w.control('POST', '/faults', { kind: 'delay', match: '/apizreport', count: 1, delayMs: 1_500 });
    const run = await runLikeAgent(w, { type: 'shift.close' });
    expect(run.verdicts[0]).toMatchObject({ state: 'inDoubt' });
    expect(run.verdicts.some((verdict) => verdict.state === 'notDone')).toBe(false);
    expect(run.final).toBe('done');
    expect((await w.journal()).filter((entry) => entry.kind === 'zreport')).toHaveLength(1);
  });

  it('Z report that never arrived: in doubt within the processing window, then not done → sent again; one Z', async () => {
    w = await ikkmWorld({ driver: { timeoutMs: 300, zReportWindowMs: 250 } });
    okResult(await w.driver.execute(sale(1_000_00), w.context));
    await w.control('POST', '/faults', { kind: 'drop', match: '/apizreport', count: 1 });
    const run = await runLikeAgent(w, { type: 'shift.close' });
    expect(run.verdicts.map((verdict) => verdict.state)).toContain('notDone');
    expect(run.final).toBe('done');
    expect((await w.journal()).filter((entry) => entry.kind === 'zreport')).toHaveLength(1);
  });
});
