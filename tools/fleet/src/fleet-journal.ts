import type { ResultEnvelope } from '@kassa-relay/protocol';
import type { PrintedDocument } from './fake-register';

/**
 * One fleet agent's memory of its commands, as the real agent's journal keeps them on disk: a
 * command id runs once, and every later delivery of the same id is answered with the stored result
 * (the cloud re-sends ids after its restart and after an agent comes back). `printed` is what the
 * registers put on paper, in order: a sale listed twice there was printed twice.
 */
export class FleetJournal {
  private readonly results = new Map<string, ResultEnvelope>();
  readonly printed: PrintedDocument[] = [];
  /** Deliveries of an id already answered (answered again from here, never run again). */
  replays = 0;

  get(commandId: string): ResultEnvelope | undefined {
    return this.results.get(commandId);
  }

  record(result: ResultEnvelope, printed: PrintedDocument | undefined): void {
    this.results.set(result.commandId, result);
    if (printed) this.printed.push(printed);
  }

  get size(): number {
    return this.results.size;
  }

  /** Receipts (not copies) carrying the POS's document reference. */
  receiptsFor(externalNumber: string): PrintedDocument[] {
    return this.printed.filter((doc) => doc.type === 'receipt' && doc.externalNumber === externalNumber);
  }
}
