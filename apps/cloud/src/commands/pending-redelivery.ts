import type { CommandEnvelope } from '@kassa-relay/protocol';
import type { Logger } from 'pino';
import type { PrismaClient } from '../generated/prisma/client';
import type { CommandDispatcher } from './command-dispatcher';

/** A pending command older than this, for an online agent, is published again. */
const STALE_AFTER_MS = 10_000;
/**
 * Only commands whose deadline passed less than this long ago: the agent's journal keeps a finished
 * id for a day past its deadline (apps/agent journal `prune`), so a repeat is still recognised and
 * answered from the journal — never executed as new.
 */
const WITHIN_DEADLINE_MS = 12 * 3600_000;
const BATCH = 500;
/** Any number, the same on every instance: one of them sweeps at a time. */
const SWEEP_LOCK = 0x6b617373;

/**
 * The cloud's scheduled redelivery: a command still pending well after it was published, for an
 * agent that is online, goes out again under its own id. The agent executes an id once and answers
 * a repeat from its journal, so this recovers a result that was lost on its way — e.g. delivered
 * to a cloud instance's broker session just before that instance was killed — and never prints
 * twice. Commands in doubt are not pending: they are never re-sent.
 */
export class PendingRedelivery {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly dispatcher: CommandDispatcher,
    private readonly log: Logger,
    private readonly intervalMs = 5_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((error: unknown) => this.log.warn({ err: error }, 'pending redelivery sweep failed'))
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep; the number of commands published again. */
  async sweep(now = Date.now()): Promise<number> {
    const rows = await this.prisma.$transaction(async (tx) => {
      const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK}) AS locked`;
      if (!lock?.locked) return [];
      return tx.$queryRaw<{ agentId: string; command: CommandEnvelope }[]>`
        SELECT COALESCE(d."agentId", r."agentId") AS "agentId", d."command"
        FROM "FiscalDocument" d
        JOIN "Register" r ON r.id = d."registerId"
        JOIN "Agent" a ON a.id = COALESCE(d."agentId", r."agentId")
        WHERE d."status" = 'pending' AND d."command" IS NOT NULL
          AND d."requestedAt" < ${new Date(now - STALE_AFTER_MS)}
          AND d."deadline" > ${new Date(now - WITHIN_DEADLINE_MS)}
          AND a."online" AND a."disabledAt" IS NULL
        ORDER BY d."requestedAt"
        LIMIT ${BATCH}`;
    });
    for (const row of rows) await this.dispatcher.republish(row.agentId, row.command);
    if (rows.length) this.log.info({ commands: rows.length }, 'pending commands published again');
    return rows.length;
  }
}
