import { randomUUID } from 'node:crypto';
import {
  type CanonicalCommandInput,
  type CommandEnvelope,
  commandEnvelopeSchema,
  type ResultEnvelope,
} from '@kassa-relay/protocol';
import type { CommandRelay } from '../relay/command-relay';
import type { AgentPresence } from './agent-presence';
import type { CommandRecords } from './command-records';
import type { ClusterBus } from '../platform/cluster-bus';

export interface IssueOptions {
  /** Idempotency key; a new UUID when absent. */
  id?: string;
  /** How long the agent may still start it. */
  deadlineMs: number;
  origin?: CommandEnvelope['origin'];
}

/** The cluster bus topic saying a command's result is stored (payload: the command id). */
const RESULT_STORED = 'command.result';

export type CommandOutcome =
  { state: 'completed'; result: ResultEnvelope } | { state: 'pending'; commandId: string };

/**
 * The one owner of a command's life: builds the envelope, records its document, publishes it to
 * the agent, is the only consumer of the agents' results, stores each result once, and wakes
 * whoever waits for it only after it is stored — on this cloud instance directly, on any other
 * through the cluster bus (PostgreSQL LISTEN/NOTIFY). A waiter always reads the stored
 * result, so an answer never comes from a result the database does not have, and a caller on
 * instance A is answered from a result that instance B took from the broker.
 *
 * POS requests, office commands, operator sync and the cloud's own work (register info, pending
 * redelivery) are plain callers of `issue`, `publishRecorded`, `waitForResult` and `republish`.
 */
export class CommandDispatcher {
  /** Callers waiting on this instance, by command id. */
  private readonly waiters = new Map<string, Set<(result: ResultEnvelope | undefined) => void>>();

  constructor(
    private readonly relay: CommandRelay,
    private readonly records: CommandRecords,
    private readonly bus: ClusterBus,
    private readonly presence: AgentPresence,
  ) {
    relay.consumeResults((result) => this.consume(result));
    // Another instance stored a result: whoever waits for it here reads it.
    bus.on(RESULT_STORED, (commandId) => void this.wakeFromStore(commandId));
    // Wake-ups may have been missed (the listening connection dropped): everyone re-reads.
    bus.onResync(() => {
      for (const commandId of [...this.waiters.keys()]) void this.wakeFromStore(commandId);
    });
  }

  /** The envelope a command travels in: id, deadline and origin fixed now. */
  envelope(registerId: string, command: CanonicalCommandInput, options: IssueOptions): CommandEnvelope {
    const now = Date.now();
    return commandEnvelopeSchema.parse({
      v: 1,
      id: options.id ?? randomUUID(),
      registerId,
      issuedAt: new Date(now).toISOString(),
      deadline: new Date(now + options.deadlineMs).toISOString(),
      ...(options.origin ? { origin: options.origin } : {}),
      command,
    });
  }

  /** Records a new command, publishes it and waits up to `waitMs` for its stored result. */
  async issue(
    agentId: string,
    registerId: string,
    command: CanonicalCommandInput,
    options: IssueOptions,
    waitMs: number,
  ): Promise<CommandOutcome> {
    const envelope = this.envelope(registerId, command, options);
    await this.records.recordSent(envelope, agentId);
    return this.publishRecorded(agentId, envelope, waitMs);
  }

  /**
   * Publishes an envelope whose document the caller has just recorded (a `/sale` document is
   * written with its idempotency row in one insert) and waits up to `waitMs` for its result.
   */
  async publishRecorded(agentId: string, envelope: CommandEnvelope, waitMs: number): Promise<CommandOutcome> {
    // Waiting starts before publishing: the result may come back before `publish` returns. The
    // command is new, so nothing is stored for it yet.
    const result = this.waitForResult(agentId, envelope.id, waitMs, { fresh: true });
    await this.relay.publish(agentId, envelope);
    const settled = await result;
    return settled ? { state: 'completed', result: settled } : { state: 'pending', commandId: envelope.id };
  }

  /**
   * Publishes a recorded envelope again, unchanged: the agent executes an id once and answers a
   * repeat from its journal, so this is safe whatever happened to the first copy or its result.
   */
  republish(agentId: string, envelope: CommandEnvelope): Promise<void> {
    return this.relay.publish(agentId, envelope);
  }

  /**
   * The stored result of `commandId` (at once when it is stored already), or undefined after
   * `waitMs`. Only results from the agent the command was published to are ever stored for it.
   */
  waitForResult(
    agentId: string,
    commandId: string,
    waitMs: number,
    { fresh = false }: { fresh?: boolean } = {},
  ): Promise<ResultEnvelope | undefined> {
    return new Promise((resolve) => {
      const waiters = this.waiters.get(commandId) ?? new Set();
      this.waiters.set(commandId, waiters);
      let settled = false;
      const done = (result: ResultEnvelope | undefined) => {
        if (settled || (result && result.agentId !== agentId)) return;
        settled = true;
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.waiters.delete(commandId);
        resolve(result);
      };
      const timer = setTimeout(() => done(undefined), waitMs);
      waiters.add(done);
      // Registered first, read second: a result stored in between still wakes this waiter.
      if (!fresh)
        void this.records.storedResult(commandId).then(
          (stored) => stored && done(stored),
          () => undefined,
        );
    });
  }

  /** Whether the agent is online (the database's presence, written by whichever instance heard it). */
  isOnline(agentId: string): Promise<boolean> {
    return this.presence.isOnline(agentId);
  }

  /**
   * The relay's one result consumer: stores the result (the broker's PUBACK waits for this), then
   * wakes the waiters here and on every other instance. Throws while it cannot be stored (the relay
   * retries; the broker keeps the message).
   */
  private async consume(result: ResultEnvelope): Promise<void> {
    const applied = await this.records.storeResult(result);
    // Not applied (a late duplicate, a document an operator settled): waiters get what is stored.
    if (applied) this.wake(result.commandId, result);
    else void this.wakeFromStore(result.commandId);
    await this.bus.publish(RESULT_STORED, result.commandId).catch(() => undefined);
  }

  private wake(commandId: string, result: ResultEnvelope | undefined): void {
    for (const waiter of [...(this.waiters.get(commandId) ?? [])]) waiter(result);
  }

  private async wakeFromStore(commandId: string): Promise<void> {
    if (!this.waiters.has(commandId)) return;
    const stored = await this.records.storedResult(commandId).catch(() => undefined);
    if (stored) this.wake(commandId, stored);
  }
}
