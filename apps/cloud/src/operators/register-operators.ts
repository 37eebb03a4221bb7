import { Inject, Injectable } from '@nestjs/common';
import type { CanonicalCommandInput, Operator, OperatorRole } from '@kassa-relay/protocol';
import type { CloudConfig } from '../config/cloud-config';
import { CLOUD_CONFIG } from '../core/tokens';
import { CommandDispatcher } from '../commands/command-dispatcher';

/** A register as operator sync needs it. */
export interface SyncTarget {
  registerId: string;
  kind: 'ikkm' | 'cash_core';
  agentId: string | null;
}

export type SyncOutcome = { ok: true; operators: Operator[] | undefined } | { ok: false; message: string };

/** How long an `operators.sync` may wait in the agent's queue before it is no longer started. */
const SYNC_DEADLINE_MS = 5 * 60_000;

/**
 * Talks `operators.sync` to one cash-core register through its store agent. The agent's cash-core
 * driver matches an upsert by `code` (or, without one, by name), binds the operator to this
 * register, and answers the register's operators with their codes.
 */
@Injectable()
export class RegisterOperators {
  constructor(
    private readonly commands: CommandDispatcher,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
  ) {}

  upsert(
    target: SyncTarget,
    operator: { code?: number; name: string; role: OperatorRole; pin?: string },
    actor: string,
  ): Promise<SyncOutcome & { notFound?: boolean }> {
    return this.send(target, { type: 'operators.sync', upsert: [operator], delete: [] }, actor);
  }

  remove(target: SyncTarget, code: number, actor: string): Promise<SyncOutcome> {
    return this.send(target, { type: 'operators.sync', upsert: [], delete: [code] }, actor);
  }

  private async send(
    target: SyncTarget,
    command: CanonicalCommandInput,
    actor: string,
  ): Promise<SyncOutcome & { notFound?: boolean }> {
    if (!target.agentId) return { ok: false, message: 'the register has no store agent yet' };
    if (!(await this.commands.isOnline(target.agentId)))
      return { ok: false, message: 'the store agent is offline: save the operator again when it is back' };
    const outcome = await this.commands.issue(
      target.agentId,
      target.registerId,
      command,
      { deadlineMs: SYNC_DEADLINE_MS, origin: { channel: 'admin', actor } },
      this.config.posWaitMs,
    );
    if (outcome.state === 'pending')
      return {
        ok: false,
        message: `the register did not answer within ${Math.round(this.config.posWaitMs / 1000)} s`,
      };
    const answer = outcome.result.outcome;
    if (!answer.ok)
      return {
        ok: false,
        message: answer.error.message,
        ...(answer.error.code === 'NOT_FOUND' ? { notFound: true } : {}),
      };
    return { ok: true, operators: answer.result.operators };
  }
}
