import type { CommandOutcome, SaleAnswer } from '@kassa-relay/protocol';

/** A `/sale` document as the idempotency rule needs it (seed 001: docTime + docNumber + amount). */
export interface SaleDocument {
  idempotencyKey: string;
  commandId: string;
  registerId: string;
  status: 'pending' | 'done' | 'failed';
  answer?: SaleAnswer;
  fiscalId?: string;
}

/** Where fiscal documents live (PostgreSQL through Prisma in the cloud). */
export interface SaleDocumentStore {
  find(registerId: string, idempotencyKey: string): Promise<SaleDocument | null>;
  /** Inserts a pending document; returns the existing one when the key is already taken (a race). */
  createPending(
    document: Omit<SaleDocument, 'status'>,
  ): Promise<{ created: boolean; document: SaleDocument }>;
  complete(commandId: string, outcome: CommandOutcome, answer: SaleAnswer): Promise<void>;
  /**
   * Re-arms a failed document under a new command id for a new attempt; false when someone else
   * already did (or it is no longer failed).
   */
  restart?(
    registerId: string,
    idempotencyKey: string,
    previousCommandId: string,
    commandId: string,
  ): Promise<boolean>;
  /**
   * Where a fiscalized receipt of this register stands, for registers that can reprint only their
   * last receipt: `latest` when no receipt was made (or is being made) after it, `older` when one
   * was, `unknown` when the register made no such receipt through the cloud.
   */
  receiptPosition?(registerId: string, fiscalId: string): Promise<'latest' | 'older' | 'unknown'>;
}
