import { CashCoreSimulator, type RunningCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { ACCESS_CODE } from './sale';

/** Documents a benchmark register remembers (GetTransactionList, `/_sim/journal`). */
const KEEP_DOCUMENTS = 8;

/**
 * The cash-core simulator for load: identical answers, but its history is kept short and in memory.
 * The stock simulator rewrites and fsyncs its whole history as one JSON file (and deep-copies it for
 * rollback) on every document, so its own answer time grows with every sale — about 30 ms after
 * 500 sales, 200 ms after 3,000 — and would swamp the relay it is meant to stand behind. Counters,
 * shift and drawer state are untouched; only old journal and transaction entries are dropped.
 */
export class BenchCashCore extends CashCoreSimulator {
  override persist(): void {
    const { state } = this;
    if (state.journal.length > KEEP_DOCUMENTS) state.journal.splice(0, state.journal.length - KEEP_DOCUMENTS);
    if (state.transactions.length > KEEP_DOCUMENTS)
      state.transactions.splice(0, state.transactions.length - KEEP_DOCUMENTS);
  }
}

export function startBenchCashCore(stateDir: string): Promise<RunningCashCoreSimulator> {
  return new BenchCashCore({ port: 0, stateDir, adminPin: ACCESS_CODE }).listen();
}
