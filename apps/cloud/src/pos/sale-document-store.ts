import type { CommandEnvelope, SaleAnswer } from '@kassa-relay/protocol';

/** A `/sale` document as the idempotency rule needs it (seed 001: docTime + docNumber + amount). */
export interface SaleDocument {
  idempotencyKey: string;
  commandId: string;
  registerId: string;
  /** The store the document belongs to: seed 001's uniqueness holds across its registers. */
  storeId?: string;
  /** `inDoubt`: a fiscal call was sent and it is not proven whether it took effect — never re-sent. */
  status: 'pending' | 'done' | 'failed' | 'inDoubt';
  answer?: SaleAnswer;
  fiscalId?: string;
  /** The agent the document's command is published to (only its results settle it). */
  agentId?: string;
}

/**
 * Where fiscal documents live (PostgreSQL through Prisma in the cloud, where the document ledger
 * completes every document from its result — also one that arrives after the client gave up).
 */
export interface SaleDocumentStore {
  /**
   * Inserts a pending document with the command it publishes; returns the existing one when the
   * key is already taken (a repeat, or a race with one).
   */
  createPending(
    document: Omit<SaleDocument, 'status'>,
    envelope: CommandEnvelope,
  ): Promise<{ created: boolean; document: SaleDocument }>;
  /** The status of a command's document, when the store has one (e.g. `inDoubt` after a heartbeat). */
  statusOf?(commandId: string): Promise<SaleDocument['status'] | undefined>;
  /**
   * Re-arms a failed document with a new command (new id) for a new attempt; false when someone
   * else already did (or it is no longer failed).
   */
  restart?(previousCommandId: string, envelope: CommandEnvelope, agentId?: string): Promise<boolean>;
  /**
   * Where a fiscalized receipt of this register stands, for registers that can reprint only their
   * last receipt: `latest` when no receipt was made (or is being made) after it, `older` when one
   * was, `unknown` when the register made no such receipt through the cloud.
   */
  receiptPosition?(registerId: string, fiscalId: string): Promise<'latest' | 'older' | 'unknown'>;
  /** The answer a fiscalized receipt of this register was (or would have been) given, by its fiscal id. */
  receiptAnswer?(registerId: string, fiscalId: string): Promise<SaleAnswer | undefined>;
}
