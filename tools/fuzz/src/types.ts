import type { OpenApiOperation } from './openapi';
import type { Prng } from '@kassa-relay/testing';

export const FAMILIES = ['sale', 'ws', 'socketio', 'http', 'admin', 'mqtt'] as const;
export type FamilyName = (typeof FAMILIES)[number];

/** What the fuzzer knows about the running product when it makes and sends an input. */
export interface FuzzContext {
  cloudUrl: string;
  httpPort: number;
  mqttPort: number;
  adminToken: string;
  /** The two real registers (agent online, simulators behind them) and their POS keys. */
  registers: { kind: 'ikkm' | 'cash-core'; id: string; posKey: string }[];
  /** A key for a register whose agent never connects (its /sale documents stay pending). */
  ownerPosKey: string;
  ownerRegisterId: string;
  revokedPosKey: string;
  agentId: string;
  /** Enrolled agents the fuzzer holds the MQTT credentials of (it forges with them). */
  forgers: { agentId: string; username: string; password: string; registerId: string }[];
  owner: { agentId: string; registerId: string };
  storeId: string;
  decoyStoreId: string;
  organisationId: string;
  spareUserId: string;
  spareOperatorId: string;
  /** Documents the fuzzer may aim at: command ids and row ids, by whose they are. */
  documents: { id: string; commandId: string; registerId: string; status: string; agentId: string | null }[];
  operations: OpenApiOperation[];
  /** The longest a POS request may go unanswered before that is a finding (`posAnswerWithinMs`). */
  posAnswerWithinMs: number;
}

/** How one input went, as the oracles judged it. */
export interface Outcome {
  /** A 5xx answer: the route class it came from and the status. */
  fiveXX?: { route: string; status: number; body: string };
  /** An answer that is not the protocol's own (shape, code, or a refusal missing). */
  nonProtocol?: { kind: string; detail: string };
  /** The product acted on it (a sale fiscalized, a 2xx admin answer, a WS success). */
  accepted?: boolean;
  /** A broker that let an agent read or write what is not its own. */
  acl?: string;
  /** A short account of what came back (for the report). */
  answer?: string;
}

/** One hostile input: made from (seed, index) alone, so it can be made again and sent again. */
export interface FuzzInput {
  index: number;
  family: FamilyName;
  /** Sub-kind, for the per-kind counts (`sale.mutated`, `mqtt.forge-result`, …). */
  kind: string;
  /** What was done to it. */
  notes: string[];
  /**
   * Whether the fuzzer's oracle (the protocol library's own parsers, the OpenAPI schema, the
   * broker's ACL rules) judges it invalid: it must be refused and change nothing. A valid one is
   * a control: sent apart, outside the batches whose state is compared.
   */
  invalid: boolean;
  /** Made but not sent (a valid admin request would change state by design): counted, not run. */
  skipped?: boolean;
  /** The exact request, as a reproducer (keys and tokens shown as placeholders). */
  describe(): string;
  run(): Promise<Outcome>;
}

export interface Family {
  name: FamilyName;
  generate(prng: Prng, index: number): FuzzInput;
  /** Closes anything the family keeps open (connection pools). */
  close?(): Promise<void>;
}
