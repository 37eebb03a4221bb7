import type { PaymentKind, RegisterIdentity, RegisterKind, TaxTableEntry } from '@kassa-relay/protocol';

/** Everything the cloud needs to reach one register: which agent, what it accepts, its tax table. */
export interface RegisterRoute {
  registerId: string;
  /** The register's store: seed 001's /sale uniqueness holds across the store's registers. */
  storeId?: string;
  agentId: string;
  kind: RegisterKind;
  taxTable: readonly TaxTableEntry[];
  /** The register's currency: a `/sale` in another one is refused (seed 001 `currency`). */
  currency?: 'KZT' | 'RUB';
  paymentKinds: readonly PaymentKind[];
  /** Serial and INN for the WS answers' `fn_number` / `inn` when a result does not carry them. */
  identity?: RegisterIdentity;
}
