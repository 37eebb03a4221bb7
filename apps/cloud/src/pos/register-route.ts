import type { PaymentKind, RegisterIdentity, RegisterKind, TaxTableEntry } from '@kassa-relay/protocol';

/** Everything the cloud needs to reach one register: which agent, what it accepts, its tax table. */
export interface RegisterRoute {
  registerId: string;
  agentId: string;
  kind: RegisterKind;
  taxTable: readonly TaxTableEntry[];
  paymentKinds: readonly PaymentKind[];
  /** Serial and INN for the WS answers' `fn_number` / `inn` when a result does not carry them. */
  identity?: RegisterIdentity;
}
