import type { CommandEnvelope, ResultEnvelope } from '@kassa-relay/protocol';
import type { DocumentLedger } from '../documents/document-ledger';

/** Where commands and their results are kept: the document ledger (PostgreSQL) in the product. */
export interface CommandRecords {
  /** Records a command before it is published: its document, with the envelope as sent. */
  recordSent(envelope: CommandEnvelope, agentId: string): Promise<void>;
  /** Stores a result; true when it settled its document (false: ignored, nothing changed). */
  storeResult(result: ResultEnvelope): Promise<boolean>;
  /** The result that settled a command, when there is one. */
  storedResult(commandId: string): Promise<ResultEnvelope | undefined>;
}

/** The document ledger as the dispatcher's records. */
export class LedgerCommandRecords implements CommandRecords {
  constructor(private readonly ledger: DocumentLedger) {}

  recordSent(envelope: CommandEnvelope, agentId: string): Promise<void> {
    return this.ledger.recordSent(envelope, agentId);
  }

  async storeResult(result: ResultEnvelope): Promise<boolean> {
    return (await this.ledger.recordResult(result)).applied;
  }

  storedResult(commandId: string): Promise<ResultEnvelope | undefined> {
    return this.ledger.storedResult(commandId);
  }
}
