import { createHash } from 'node:crypto';
import type {
  HeartbeatEnvelope,
  PresenceEnvelope,
  RegisterHealth,
  RegisterIdentity,
} from '@kassa-relay/protocol';
import type { Prisma, PrismaClient, Register } from '../generated/prisma/client';
import { stateOf } from '../admin/registers/register-views';
import type { DocumentLedger } from '../documents/document-ledger';
import type { CloudEvents } from '../platform/cloud-events';
import type { DatabasePresence } from '../commands/agent-presence';
import type { CommandDispatcher } from '../commands/command-dispatcher';
import { type CommandRelay, isDataException } from '../relay/command-relay';
import { coalescingWriter, concurrencyLimit } from '../platform/work-queues';
import type { RegisterDirectory } from './register-directory';

/**
 * How old a register's stored state may grow while heartbeats report it unchanged: then it is
 * written again, so "updated" on the register page stays within this of the last heartbeat.
 */
const HEALTH_REFRESH_MS = 60_000;

/** Agents' heartbeats written in one statement at most. */
const HEARTBEAT_BATCH = 500;

/** Agents' presences written in one statement at most. */
const PRESENCE_BATCH = 500;

/** An agent's presences not yet written, as one (see `LiveState.onPresence`). */
interface QueuedPresence {
  presence: PresenceEnvelope;
  seenAt: string;
  version: string | undefined;
  /** The link the latest `offline` among them ended: a later `online` of that link is late news. */
  endedLink: string | undefined;
}

/** What a presence batch wrote for one agent. */
interface WrittenPresence {
  organisationId: string;
  online: boolean;
}

/** Agents that came online sent their pending commands and register.info at once. */
const COMING_ONLINE_CONCURRENCY = 32;

const json = (value: unknown): Prisma.InputJsonValue =>
  JSON.parse(JSON.stringify(value ?? null)) as Prisma.InputJsonValue;

/** A register's health as its row's columns, and their digest (`Register.healthDigest`). */
function healthFields(health: RegisterHealth) {
  const shiftOpen = health.shift?.open;
  const fields = {
    reachable: health.reachable,
    ...(shiftOpen !== undefined ? { shiftOpen } : {}),
    ...(health.shift?.number !== undefined ? { shiftNumber: health.shift.number } : {}),
    ...(shiftOpen !== undefined
      ? { shiftOpenedAt: shiftOpen && health.shift?.openedAt ? new Date(health.shift.openedAt) : null }
      : {}),
    ...(health.cashBalance !== undefined ? { cashBalance: health.cashBalance } : {}),
    offlineQueue: health.offlineQueue,
    warnings: json({
      list: health.warnings,
      offlineSince: health.offlineSince ?? null,
      shiftHoursLeft: health.shiftHoursLeft ?? null,
    }),
    lastError: health.lastError ? json(health.lastError) : json(null),
  };
  return { fields, digest: createHash('sha256').update(JSON.stringify(fields)).digest('base64url') };
}

/**
 * Agents' presence and heartbeats → the live state of agents and registers in the database, and
 * change events for the dashboard. When an agent comes online the cloud asks each of its registers
 * for its info (serial, INN, shift, counters) so the office sees fresh data.
 */
export class LiveState {
  constructor(
    private readonly prisma: PrismaClient,
    relay: CommandRelay,
    private readonly commands: CommandDispatcher,
    private readonly presence: DatabasePresence,
    private readonly events: CloudEvents,
    private readonly directory: RegisterDirectory,
    private readonly ledger: DocumentLedger,
    private readonly deadlineMs: number,
  ) {
    relay.on('presence', (presence) => this.onPresence(presence));
    relay.on('heartbeat', (heartbeat) => this.onHeartbeat(heartbeat));
  }

  /**
   * Heartbeats not yet written, the latest per agent. A fleet heartbeats faster than one write per
   * heartbeat can keep up with (10,000 agents every 15 s is 667/s): they are written in batches, one
   * statement per batch, by one writer at a time — so memory holds at most one per agent however
   * far behind the database is, and results and POS requests never queue behind thousands of them.
   * A batch that fails is dropped: the next heartbeat says it again.
   */
  private readonly queueHeartbeat = coalescingWriter<HeartbeatEnvelope>({
    key: (heartbeat) => heartbeat.agentId,
    merge: (queued, next) => (queued && queued.sentAt > next.sentAt ? queued : next),
    write: async (batch) => {
      await this.writeHeartbeatBatch(batch).catch(() => undefined);
      return [];
    },
    maxBatch: HEARTBEAT_BATCH,
  });
  /**
   * Presences not yet written, written like heartbeats, so a storm of thousands of agents
   * reconnecting after a broker restart costs a few statements, not one each. What one write per
   * presence would have left: the state of the last to arrive (the broker hands an agent's messages
   * in order), the latest time heard of, the last version told. A batch that could not be written
   * (PostgreSQL chose it as a deadlock's victim — another instance or the heartbeat writer updating
   * the same agents' rows in another order — or the database is away) is tried again: a lost
   * `online` would leave the agent without its pending commands and register.info.
   */
  private readonly queuePresence = coalescingWriter<QueuedPresence>({
    key: (queued) => queued.presence.agentId,
    merge: (queued, next) => ({
      presence: next.presence,
      seenAt: queued && Date.parse(queued.seenAt) > Date.parse(next.seenAt) ? queued.seenAt : next.seenAt,
      version: next.version ?? queued?.version,
      // A batch queued again after a failed write keeps what it knew (`next.endedLink`).
      endedLink: next.presence.state === 'offline' ? next.endedLink : (next.endedLink ?? queued?.endedLink),
    }),
    write: (batch) => this.writePresenceBatch(batch),
    maxBatch: PRESENCE_BATCH,
  });
  /**
   * Agents coming online being sent their pending commands and register.info at once: apart from
   * the writes, since register.info may wait on a slow device.
   */
  private readonly comingOnlineWork = concurrencyLimit(COMING_ONLINE_CONCURRENCY);
  /** Agents heard from while retained presences are checked (see `correctRetainedOffline`). */
  private heardDuringCheck: Set<string> | undefined;
  /** Agents whose coming-online work waits for a slot (see `cameOnline`). */
  private readonly comingOnlineQueued = new Set<string>();

  /** A presence: written with the others that arrive meanwhile (see `queuePresence`). */
  onPresence(presence: PresenceEnvelope): void {
    this.heardDuringCheck?.add(presence.agentId);
    // An empty version tells nothing (as no version).
    this.queuePresence({
      presence,
      seenAt: presence.at,
      version: presence.agentVersion || undefined,
      endedLink: presence.state === 'offline' ? presence.link : undefined,
    });
  }

  /**
   * Agents the database shows online whose retained presence on the broker
   * (`CommandRelay.readRetainedPresences`, read as an instance starts) is an `offline` never
   * written: a last will or a goodbye published while no cloud instance was subscribed. Written
   * offline, with the news an offline presence brings, in one statement per batch that re-checks
   * them (still online, not disabled, not a link the database already saw ended). Left out: an
   * agent this instance hears from meanwhile, until its batch is written (a presence — every
   * instance hears those during the read — or a heartbeat handed to it): its retained presence is
   * old news. Not through the presence queue: there it could replace a newer presence still
   * waiting. A retained `online` is left to the agent's heartbeats. Returns how many.
   */
  async correctRetainedOffline(relay: CommandRelay): Promise<number> {
    const heard = new Set<string>();
    this.heardDuringCheck = heard;
    try {
      const offline = (await relay.readRetainedPresences()).filter(
        (presence) => presence.state === 'offline',
      );
      let applied = 0;
      for (let start = 0; start < offline.length; start += PRESENCE_BATCH)
        applied += await this.writeRetainedOffline(offline.slice(start, start + PRESENCE_BATCH), heard);
      return applied;
    } finally {
      this.heardDuringCheck = undefined;
    }
  }

  /** One batch of `correctRetainedOffline`, tried again (a deadlock with the other writers) up to 3 times. */
  private async writeRetainedOffline(
    presences: PresenceEnvelope[],
    heard: ReadonlySet<string>,
  ): Promise<number> {
    for (let attempt = 1; ; attempt += 1) {
      const batch = presences.filter((presence) => !heard.has(presence.agentId));
      if (batch.length === 0) return 0;
      const ids = batch.map((presence) => presence.agentId);
      const rows = JSON.stringify(
        batch.map((presence) => ({ id: presence.agentId, link: presence.link ?? null })),
      );
      try {
        const written = await this.prisma.$queryRaw<{ id: string; organisationId: string }[]>`
          UPDATE "Agent" a SET "online" = false, "offlineLink" = x."link", "updatedAt" = ${new Date()}
          FROM jsonb_to_recordset(${rows}::jsonb) AS x("id" text, "link" text), "Store" s
          WHERE a."id" = x."id" AND a."id" = ANY(${ids}::text[]) AND s."id" = a."storeId"
            AND a."online" AND a."disabledAt" IS NULL
            AND (x."link" IS NULL OR a."offlineLink" IS DISTINCT FROM x."link")
          RETURNING a."id", s."organisationId"`;
        for (const { id, organisationId } of written)
          this.agentStateChanged(
            id,
            organisationId,
            false,
            batch.find((presence) => presence.agentId === id)!.at,
          );
        return written.length;
      } catch (error) {
        if (attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /**
   * Writes a batch and tells the news; returns what must be tried again. A presence PostgreSQL can
   * never store (a data exception: a time out of its range, a NUL in a version) must not hold the
   * others back: the batch is then written one by one, and that one is dropped.
   */
  private async writePresenceBatch(batch: QueuedPresence[]): Promise<QueuedPresence[]> {
    let written: Map<string, WrittenPresence>;
    try {
      written = await this.updatePresences(batch);
    } catch (error) {
      if (!isDataException(error)) return batch;
      if (batch.length === 1) return [];
      const failed: QueuedPresence[] = [];
      for (const queued of batch) failed.push(...(await this.writePresenceBatch([queued])));
      return failed;
    }
    this.presencesWritten(batch, written);
    return [];
  }

  /** The batch's agents that are enabled, with their organisation and the state written; the others wrote nothing. */
  private async updatePresences(batch: QueuedPresence[]): Promise<Map<string, WrittenPresence>> {
    const rows = JSON.stringify(
      batch.map(({ presence, seenAt, version, endedLink }) => ({
        id: presence.agentId,
        online: presence.state === 'online',
        version: version ?? null,
        at: seenAt,
        link: presence.link ?? null,
        endedLink: endedLink ?? null,
      })),
    );
    // - a disabled agent's presence is not news: the write re-checks `disabledAt`, and a disable
    //   that commits meanwhile wins;
    // - a retained presence is the agent's latest state but may be older than its last heartbeat
    //   (the broker hands it again to a cloud that subscribes again): "last seen" never goes back
    //   (GREATEST ignores a NULL);
    // - an offline presence remembers the link it ended; that link's online presence, handled after
    //   it (a retried batch, another instance), changes nothing — the agent stays offline, or stays
    //   online if a newer link said so meanwhile — and neither do its heartbeats
    //   (writeHeartbeatBatch). Presences without a link (older agents) are taken as they come;
    // - the id list repeats the recordset's ids so that the rows are found by primary key (see
    //   writeHeartbeatBatch).
    const written = await this.prisma.$queryRaw<{ id: string; organisationId: string; online: boolean }[]>`
      UPDATE "Agent" a SET
        "online" = CASE WHEN NOT x."online" THEN false
                        WHEN x."link" IS NULL THEN true
                        WHEN x."link" = x."endedLink" THEN false
                        WHEN x."link" = a."offlineLink" THEN a."online"
                        ELSE true END,
        "version" = COALESCE(x."version", a."version"),
        "lastSeenAt" = GREATEST(a."lastSeenAt", x."at" AT TIME ZONE 'UTC'),
        "offlineLink" = CASE WHEN x."online" THEN COALESCE(x."endedLink", a."offlineLink") ELSE x."link" END,
        "updatedAt" = ${new Date()}
      FROM jsonb_to_recordset(${rows}::jsonb)
             AS x("id" text, "online" boolean, "version" text, "at" timestamptz, "link" text, "endedLink" text),
           "Store" s
      WHERE a."id" = x."id" AND a."id" = ANY(${batch.map((queued) => queued.presence.agentId)}::text[])
        AND a."disabledAt" IS NULL AND s."id" = a."storeId"
      RETURNING a."id", s."organisationId", a."online"`;
    return new Map(
      written.map((row) => [row.id, { organisationId: row.organisationId, online: row.online }]),
    );
  }

  /** Written presences are news for this instance's presence cache, the dashboard and the agent. */
  private presencesWritten(batch: QueuedPresence[], writtenOf: Map<string, WrittenPresence>): void {
    for (const { presence } of batch) {
      const written = writtenOf.get(presence.agentId);
      if (!written) continue;
      // The state written: a late `online` of a link already dead stays offline.
      this.agentStateChanged(presence.agentId, written.organisationId, written.online, presence.at);
    }
  }

  /** An agent's state written: news for this instance's presence cache, the dashboard and, online, the agent. */
  private agentStateChanged(agentId: string, organisationId: string, online: boolean, at: string): void {
    this.presence.changed(agentId, online);
    this.events.emit('agent.state', { organisationId, agentId, online, at });
    if (online) this.cameOnline(agentId);
  }

  /**
   * An agent written online (by its presence, or by a heartbeat of a live link): its pending
   * commands go out again and its registers are asked for their info. Once per agent while the
   * work waits for a slot: in a reconnect storm an agent's heartbeat can bring it online just
   * before its presence is written, and the second would only ask its registers again.
   */
  private cameOnline(agentId: string): void {
    if (this.comingOnlineQueued.has(agentId)) return;
    this.comingOnlineQueued.add(agentId);
    void this.comingOnlineWork(() => this.redeliverPending(agentId));
    void this.comingOnlineWork(() => {
      this.comingOnlineQueued.delete(agentId);
      return this.refreshRegisterInfo(agentId);
    });
  }

  /** Pending commands of a returning agent go out again (same ids: never executed twice). */
  async redeliverPending(agentId: string): Promise<void> {
    for (const envelope of await this.ledger.pendingFor(agentId))
      await this.commands.republish(agentId, envelope);
  }

  /** Asks every register of the agent for its identity and state (register.info). */
  async refreshRegisterInfo(agentId: string): Promise<void> {
    const registers = await this.prisma.register.findMany({ where: { agentId }, select: { id: true } });
    for (const register of registers) {
      const outcome = await this.commands.issue(
        agentId,
        register.id,
        { type: 'register.info' },
        { deadlineMs: this.deadlineMs, origin: { channel: 'system', actor: 'cloud:register-info' } },
        30_000,
      );
      if (outcome.state !== 'completed' || !outcome.result.outcome.ok) continue;
      const result = outcome.result.outcome.result;
      await this.applyIdentity(register.id, result.identity, result.health);
    }
  }

  private async applyIdentity(
    registerId: string,
    identity: RegisterIdentity | undefined,
    health: RegisterHealth | undefined,
  ): Promise<void> {
    if (identity) {
      await this.prisma.register.update({
        where: { id: registerId },
        data: {
          serialNumber: identity.serialNumber,
          registrationNumber: identity.registrationNumber ?? null,
          inn: identity.inn ?? null,
          currency: identity.currency,
        },
      });
      this.directory.forget(registerId);
    }
    if (health) await this.applyHealth(registerId, health);
  }

  /** A heartbeat: written with the others that arrive meanwhile (see `queueHeartbeat`). */
  onHeartbeat(heartbeat: HeartbeatEnvelope): void {
    this.heardDuringCheck?.add(heartbeat.agentId);
    this.queueHeartbeat(heartbeat);
  }

  private async writeHeartbeatBatch(batch: HeartbeatEnvelope[]): Promise<void> {
    const rows = JSON.stringify(
      batch.map((heartbeat) => ({
        id: heartbeat.agentId,
        sentAt: heartbeat.sentAt,
        link: heartbeat.link ?? null,
        version: heartbeat.agentVersion,
        heartbeat: {
          sentAt: heartbeat.sentAt,
          uptimeSec: heartbeat.uptimeSec,
          journalDepth: heartbeat.journalDepth,
          alerts: heartbeat.alerts,
          inDoubt: heartbeat.inDoubt.length,
        },
      })),
    );
    // A disabled agent's heartbeat writes nothing: the write re-checks `disabledAt`, and a disable
    // that commits first wins (a heartbeat read just before it must not mark the agent online again).
    // The id list repeats the recordset's ids so that PostgreSQL finds the rows by primary key: it
    // guesses 100 rows for any jsonb_to_recordset and joins by scanning all of `Agent` — measured at
    // 3,000 agents, 55 full scans a second, none through the index.
    // A heartbeat says the agent is online, unless it is from the link the agent's last offline
    // presence ended: sent before it, written after it (the presence and heartbeat writers, or two
    // instances, race). An older agent's heartbeat, without a link, says online as it always did.
    // Only agents offline as the statement starts can come back, and those rows are locked first
    // (`offline`), so exactly the agents this write turned online are known — news
    // (`heartbeatsBroughtBack`). An agent online then is left as it is by then: one an offline
    // presence took down meanwhile comes back with its next heartbeat, as news. At rest every agent
    // is online: nothing is locked beyond what the update itself locks.
    const ids = batch.map((heartbeat) => heartbeat.agentId);
    const written = await this.prisma.$queryRaw<{ id: string; online: boolean; wasOffline: boolean }[]>`
      WITH offline AS (
        SELECT "id" FROM "Agent"
        WHERE "id" = ANY(${ids}::text[]) AND NOT "online" AND "disabledAt" IS NULL
        FOR UPDATE
      )
      UPDATE "Agent" a SET
        "online" = CASE WHEN o."id" IS NULL THEN a."online"
                        ELSE x."link" IS NULL OR x."link" IS DISTINCT FROM a."offlineLink" END,
        "lastSeenAt" = GREATEST(a."lastSeenAt", x."sentAt" AT TIME ZONE 'UTC'), "version" = x."version",
        "lastHeartbeat" = x."heartbeat", "updatedAt" = ${new Date()}
      FROM jsonb_to_recordset(${rows}::jsonb)
             AS x("id" text, "sentAt" timestamptz, "link" text, "version" text, "heartbeat" jsonb)
           LEFT JOIN offline o ON o."id" = x."id"
      WHERE a."id" = x."id" AND a."id" = ANY(${ids}::text[]) AND a."disabledAt" IS NULL
      RETURNING a."id", a."online", o."id" IS NOT NULL AS "wasOffline"`;
    const onlineOf = new Map(written.map((row) => [row.id, row.online]));
    const back = new Set(written.filter((row) => row.online && row.wasOffline).map((row) => row.id));
    if (back.size > 0)
      await this.heartbeatsBroughtBack(batch.filter((heartbeat) => back.has(heartbeat.agentId)));
    const live = batch.filter((heartbeat) => onlineOf.has(heartbeat.agentId));
    for (const heartbeat of live) {
      this.presence.changed(heartbeat.agentId, onlineOf.get(heartbeat.agentId) === true);
      // Commands the agent cannot prove either way: their documents show as in doubt, with evidence.
      await this.ledger.recordDoubts(heartbeat.agentId, heartbeat.inDoubt);
    }
    // One read says which registers' health changed, or is unchanged but due again: only those are written.
    const entries = live.flatMap((heartbeat) =>
      heartbeat.registers.map((entry) => ({ ...entry, agentId: heartbeat.agentId })),
    );
    if (entries.length === 0) return;
    const stored = new Map(
      (
        await this.prisma.register.findMany({
          where: { id: { in: entries.map((entry) => entry.registerId) } },
          select: { id: true, agentId: true, healthDigest: true, stateUpdatedAt: true },
        })
      ).map((row) => [row.id, row]),
    );
    const due = Date.now() - HEALTH_REFRESH_MS;
    const stale: { registerId: string; agentId: string }[] = [];
    for (const entry of entries) {
      const row = stored.get(entry.registerId);
      if (!row || row.agentId !== entry.agentId) continue;
      if (row.healthDigest !== healthFields(entry.health).digest || row.stateUpdatedAt === null)
        await this.applyHealth(entry.registerId, entry.health, { servedBy: entry.agentId });
      else if (row.stateUpdatedAt.getTime() < due) stale.push(entry);
    }
    if (stale.length > 0) await this.refreshStates(stale);
  }

  /**
   * Agents a heartbeat turned online (their link's online presence was lost, or a late will of an
   * older link was written after it): that is news, as an online presence is — the dashboard is
   * told, pending commands go out again, registers are asked for their info.
   */
  private async heartbeatsBroughtBack(heartbeats: HeartbeatEnvelope[]): Promise<void> {
    const agents = await this.prisma.agent.findMany({
      where: { id: { in: heartbeats.map((heartbeat) => heartbeat.agentId) } },
      select: { id: true, store: { select: { organisationId: true } } },
    });
    const organisationOf = new Map(agents.map((agent) => [agent.id, agent.store.organisationId]));
    for (const { agentId, sentAt } of heartbeats) {
      const organisationId = organisationOf.get(agentId);
      if (organisationId !== undefined) this.agentStateChanged(agentId, organisationId, true, sentAt);
    }
  }

  /**
   * Registers whose health is unchanged but whose stored state is older than HEALTH_REFRESH_MS:
   * "updated" moves on, in one statement for the whole batch (and one read for their events).
   * Why: every register comes due once a minute, so 10,000 of them are 167 a second — written one by
   * one (an update and a read each), they were most of the cloud's and PostgreSQL's work at rest.
   * Only registers still served by the agent that reported them (re-checked by the write).
   */
  private async refreshStates(stale: { registerId: string; agentId: string }[]): Promise<void> {
    const ids = stale.map((entry) => entry.registerId);
    const now = new Date();
    const written = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE "Register" r SET "stateUpdatedAt" = ${now}, "updatedAt" = ${now}
      FROM unnest(${ids}::text[], ${stale.map((entry) => entry.agentId)}::text[]) AS x("id", "agentId")
      WHERE r."id" = x."id" AND r."agentId" = x."agentId" AND r."id" = ANY(${ids}::text[])
      RETURNING r."id"`;
    if (written.length === 0) return;
    const registers = await this.prisma.register.findMany({
      where: { id: { in: written.map((row) => row.id) } },
      include: { store: { select: { organisationId: true } } },
    });
    for (const register of registers) this.emitState(register);
  }

  /**
   * A register's health → its row and a `register.state` event. From a heartbeat (`servedBy`): only
   * for a register that agent serves, and only once the batch found the health changed
   * (`writeHeartbeatBatch`; an unchanged one only comes due again, `refreshStates`): most heartbeats
   * say nothing new, and cost neither a write nor an event.
   */
  private async applyHealth(
    registerId: string,
    health: RegisterHealth,
    { servedBy }: { servedBy?: string } = {},
  ): Promise<void> {
    const { fields, digest: healthDigest } = healthFields(health);
    // Only registers this agent serves: a heartbeat cannot write another agent's register.
    const written = await this.prisma.register.updateMany({
      where: { id: registerId, ...(servedBy !== undefined ? { agentId: servedBy } : {}) },
      data: { ...fields, healthDigest, stateUpdatedAt: new Date() },
    });
    if (written.count === 0) return;
    const register = await this.prisma.register.findUnique({
      where: { id: registerId },
      include: { store: { select: { organisationId: true } } },
    });
    if (register) this.emitState(register);
  }

  private emitState(register: Register & { store: { organisationId: string } }): void {
    this.events.emit('register.state', {
      organisationId: register.store.organisationId,
      registerId: register.id,
      // The same shape as RegisterView.state in the admin API.
      state: { ...stateOf(register) },
    });
  }
}
