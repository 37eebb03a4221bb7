import { closeSync, fsync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ReconcileCheckpoint } from '@kassa-relay/drivers';
import type { CommandEnvelope, DoubtEvidence, DoubtNeeds, ResultEnvelope } from '@kassa-relay/protocol';

/**
 * received  → the command is durable here (the broker gets its PUBACK only after this)
 * executing → a device call may be under way; `checkpoint` holds what reconciliation needs
 * inDoubt   → a fiscal call was sent and it is not proven whether it took effect: it is never sent
 *             again blindly and never reported failed; reconciliation asks the device until it
 *             proves it either way (or an operator decides), the register's queue waits meanwhile
 * done      → the result is stored; it waits in the outbox
 * reported  → the broker acknowledged the published result
 */
export type JournalState = 'received' | 'executing' | 'inDoubt' | 'done' | 'reported';

/** States a command can still leave: it is running, waiting to run, or in doubt. */
export const UNFINISHED_STATES: readonly JournalState[] = ['received', 'executing', 'inDoubt'];
export const isFinished = (state: JournalState): boolean => state === 'done' || state === 'reported';

/** Evidence lines kept per command in doubt (latest first). */
const EVIDENCE_KEPT = 20;

export interface JournalEntry {
  seq: number;
  id: string;
  registerId: string;
  type: string;
  envelope: CommandEnvelope;
  state: JournalState;
  checkpoint: ReconcileCheckpoint | undefined;
  result: ResultEnvelope | undefined;
  deadlineMs: number;
  receivedAtMs: number;
  doneAtMs: number | undefined;
  /** While (or after) the command was in doubt: since when, how often it was reconciled, what was learned. */
  doubt:
    | { sinceMs: number; attempts: number; evidence: DoubtEvidence[]; needs: DoubtNeeds | undefined }
    | undefined;
}

interface Row {
  seq: number;
  id: string;
  register_id: string;
  type: string;
  envelope: string;
  state: JournalState;
  checkpoint: string | null;
  result: string | null;
  deadline_ms: number;
  received_at_ms: number;
  done_at_ms: number | null;
  doubt_since_ms: number | null;
  doubt_attempts: number;
  evidence: string | null;
  doubt_needs: string | null;
}

const toEntry = (row: Row): JournalEntry => ({
  seq: row.seq,
  id: row.id,
  registerId: row.register_id,
  type: row.type,
  envelope: JSON.parse(row.envelope) as CommandEnvelope,
  state: row.state,
  checkpoint: row.checkpoint ? (JSON.parse(row.checkpoint) as ReconcileCheckpoint) : undefined,
  result: row.result ? (JSON.parse(row.result) as ResultEnvelope) : undefined,
  deadlineMs: row.deadline_ms,
  receivedAtMs: row.received_at_ms,
  doneAtMs: row.done_at_ms ?? undefined,
  doubt:
    row.doubt_since_ms === null
      ? undefined
      : {
          sinceMs: row.doubt_since_ms,
          attempts: row.doubt_attempts,
          evidence: row.evidence ? (JSON.parse(row.evidence) as DoubtEvidence[]) : [],
          needs: (row.doubt_needs as DoubtNeeds | null) ?? undefined,
        },
});

/**
 * The envelope kept once a command is done: nothing re-executes it any more, so secrets it carried
 * for the device go. Operator PINs (`operators.sync`) are needed in clear by the cash core only
 * while the sync may still run; afterwards the journal keeps the operators without them.
 */
function settledEnvelope(envelope: CommandEnvelope): CommandEnvelope | undefined {
  const command = envelope.command;
  if (command.type !== 'operators.sync' || !command.upsert.some((op) => op.pin !== undefined))
    return undefined;
  return {
    ...envelope,
    command: { ...command, upsert: command.upsert.map(({ pin: _pin, ...operator }) => operator) },
  };
}

const JOURNAL_VERSION = 2;

/** How long after its deadline a finished command's id is still kept for deduplication. */
const DEDUPE_AFTER_DEADLINE_MS = 24 * 3600_000;

/** Results that carry a picture of a receipt: once reported, the journal keeps them without it. */
const IMAGE_RESULT_TYPES = new Set(['receipt.image', 'receipt.reprint']);

const COMMANDS_COLUMNS = `
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  register_id TEXT NOT NULL,
  type TEXT NOT NULL,
  envelope TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('received', 'executing', 'inDoubt', 'done', 'reported')),
  checkpoint TEXT,
  result TEXT,
  result_bytes INTEGER NOT NULL DEFAULT 0,
  deadline_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  started_at_ms INTEGER,
  done_at_ms INTEGER,
  done_seq INTEGER,
  reported_at_ms INTEGER,
  doubt_since_ms INTEGER,
  doubt_attempts INTEGER NOT NULL DEFAULT 0,
  evidence TEXT,
  doubt_needs TEXT`;

/**
 * The newest line first. The same text again only moves its time (a device answering -2 for an
 * hour is one line, not a thousand); at most EVIDENCE_KEPT lines.
 */
function withEvidence(trail: DoubtEvidence[], text: string, atMs: number): DoubtEvidence[] {
  const line = { at: new Date(atMs).toISOString(), text: text.slice(0, 1000) };
  const rest = trail[0]?.text === line.text ? trail.slice(1) : trail;
  return [line, ...rest].slice(0, EVIDENCE_KEPT);
}

export interface OutboxStats {
  count: number;
  bytes: number;
  oldestDoneAtMs: number | undefined;
}

/**
 * The agent's durable memory: SQLite in WAL mode. Every write is one transaction (transitions are
 * also logged) and survives a crash of this process at once. Surviving a power cut is `durable()`:
 * one fsync of the write-ahead log, on a worker thread, shared by every caller that wrote before
 * it started (group commit). It is awaited where exactly-once depends on it: before the broker's
 * PUBACK (received), before a fiscal device call (checkpoint) and after an iKKM key rotation. A
 * result is published without waiting: after a power cut its checkpoint leads reconciliation to
 * the same document. `synchronous=FULL` would fsync inside every commit on the event loop
 * instead — five blocking fsyncs per command, which stalled every other register of the store.
 */
export class Journal {
  private readonly db: Database.Database;
  private readonly path: string;
  private walFd: number | undefined;
  /** The fsync under way, and the one queued behind it for writes made after it started. */
  private syncing: Promise<void> | undefined;
  private queuedSync: Promise<void> | undefined;
  /** Statements compiled once: each command runs several of them. */
  private readonly sql: ReturnType<Journal['prepare']>;
  /** The last `done_seq` handed out (completion order of the outbox); this process is the only writer. */
  private doneSeq: number;

  constructor(
    dataDir: string,
    private readonly now: () => number = Date.now,
    options: { maxSizeMb?: number } = {},
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'journal.sqlite');
    this.db = new Database(this.path);
    this.db.pragma('journal_mode = WAL');
    // Commits reach the WAL file without an fsync; durable() syncs it. SQLite itself still syncs
    // the WAL before a checkpoint copies it into the database, and the database after.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    if (options.maxSizeMb !== undefined) {
      // Past this size a write fails with SQLITE_FULL, exactly as on a full disk.
      const pageSize = this.db.pragma('page_size', { simple: true }) as number;
      this.db.pragma(
        `max_page_count = ${Math.max(64, Math.floor((options.maxSizeMb * 1024 * 1024) / pageSize))}`,
      );
    }
    this.migrate();
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS commands (${COMMANDS_COLUMNS});
      CREATE INDEX IF NOT EXISTS commands_state ON commands (state, seq);
      CREATE INDEX IF NOT EXISTS commands_outbox ON commands (done_seq) WHERE state = 'done';
      -- MAX(done_seq) and the depth count stay index lookups however long the journal grows.
      CREATE INDEX IF NOT EXISTS commands_done_seq ON commands (done_seq);
      CREATE TABLE IF NOT EXISTS transitions (
        command_id TEXT NOT NULL,
        state TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        detail TEXT
      );
      CREATE INDEX IF NOT EXISTS transitions_command ON transitions (command_id);
      -- The last register list the cloud sent (one row): it wins over the config file at start.
      CREATE TABLE IF NOT EXISTS cloud_registers (
        only INTEGER PRIMARY KEY CHECK (only = 1),
        registers TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS register_keys (
        register_id TEXT PRIMARY KEY,
        key TEXT NOT NULL,
        updated_at_ms INTEGER NOT NULL
      );
    `);
    this.sql = this.prepare();
    this.doneSeq = (this.sql.maxDoneSeq.get() as { n: number }).n;
  }

  /**
   * Journals written by an agent before the `inDoubt` state have a CHECK constraint without it,
   * which SQLite cannot alter: the table is rebuilt once, in one transaction, rows kept.
   */
  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version >= JOURNAL_VERSION) return;
    const exists = this.db
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'commands'`)
      .get();
    this.db.transaction(() => {
      if (exists) {
        const old = (this.db.prepare('PRAGMA table_info(commands)').all() as { name: string }[]).map(
          (c) => c.name,
        );
        this.db.exec(`CREATE TABLE commands_next (${COMMANDS_COLUMNS})`);
        this.db.exec(`INSERT INTO commands_next (${old.join(', ')}) SELECT ${old.join(', ')} FROM commands`);
        this.db.exec('DROP TABLE commands');
        this.db.exec('ALTER TABLE commands_next RENAME TO commands');
      }
      this.db.pragma(`user_version = ${JOURNAL_VERSION}`);
    })();
  }

  private prepare() {
    const db = this.db;
    return {
      transition: db.prepare(
        'INSERT INTO transitions (command_id, state, at_ms, detail) VALUES (?, ?, ?, ?)',
      ),
      get: db.prepare('SELECT * FROM commands WHERE id = ?'),
      receive: db.prepare(
        `INSERT INTO commands (id, register_id, type, envelope, state, deadline_ms, received_at_ms)
         VALUES (?, ?, ?, ?, 'received', ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      markExecuting: db.prepare(
        `UPDATE commands SET state = 'executing', started_at_ms = ? WHERE id = ? AND state IN ('received', 'executing', 'inDoubt')`,
      ),
      markInDoubt: db.prepare(
        `UPDATE commands SET state = 'inDoubt', doubt_since_ms = COALESCE(doubt_since_ms, ?),
           doubt_attempts = doubt_attempts + ?, evidence = ?, doubt_needs = ?
         WHERE id = ? AND state IN ('executing', 'inDoubt')`,
      ),
      saveEvidence: db.prepare('UPDATE commands SET evidence = ? WHERE id = ?'),
      slimResult: db.prepare('UPDATE commands SET result = ?, result_bytes = ? WHERE id = ?'),
      inDoubt: db.prepare(`SELECT * FROM commands WHERE state = 'inDoubt' ORDER BY seq`),
      saveCheckpoint: db.prepare('UPDATE commands SET checkpoint = ? WHERE id = ?'),
      maxDoneSeq: db.prepare('SELECT COALESCE(MAX(done_seq), 0) AS n FROM commands'),
      markDone: db.prepare(
        `UPDATE commands SET state = 'done', result = ?, result_bytes = ?, done_at_ms = ?, done_seq = ?
         WHERE id = ? AND state IN ('received', 'executing', 'inDoubt')`,
      ),
      secretCarrier: db.prepare(`SELECT envelope FROM commands WHERE id = ? AND type = 'operators.sync'`),
      settleEnvelope: db.prepare('UPDATE commands SET envelope = ? WHERE id = ?'),
      markReported: db.prepare(
        `UPDATE commands SET state = 'reported', reported_at_ms = ? WHERE id = ? AND state = 'done'`,
      ),
      unfinished: db.prepare(
        `SELECT * FROM commands WHERE state IN ('received', 'executing', 'inDoubt') ORDER BY seq`,
      ),
      outbox: db.prepare(`SELECT * FROM commands WHERE state = 'done' ORDER BY done_seq LIMIT ?`),
      outboxStats: db.prepare(
        `SELECT COUNT(*) AS count, COALESCE(SUM(result_bytes), 0) AS bytes, MIN(done_at_ms) AS oldest FROM commands WHERE state = 'done'`,
      ),
      depth: db.prepare(
        `SELECT COUNT(*) AS n FROM commands WHERE state IN ('received', 'executing', 'inDoubt', 'done')`,
      ),
    };
  }

  /**
   * Resolves once everything written so far is on disk (fsync of the write-ahead log). Concurrent
   * callers share one fsync; a caller that wrote after the running one started waits for the next.
   */
  durable(): Promise<void> {
    if (this.queuedSync) return this.queuedSync;
    const running = this.syncing;
    if (!running) return this.startSync();
    this.queuedSync = running
      .catch(() => undefined)
      .then(() => {
        this.queuedSync = undefined;
        return this.startSync();
      });
    return this.queuedSync;
  }

  private startSync(): Promise<void> {
    // Every commit so far is in the WAL file (WAL mode, no checkpoint truncates it while open).
    this.walFd ??= openSync(`${this.path}-wal`, 'r+');
    const fd = this.walFd;
    const sync: Promise<void> = new Promise<void>((resolve, reject) =>
      fsync(fd, (error) => (error ? reject(error) : resolve())),
    ).finally(() => {
      if (this.syncing === sync) this.syncing = undefined;
    });
    this.syncing = sync;
    return sync;
  }

  private transition(id: string, state: JournalState, detail?: string): void {
    this.sql.transition.run(id, state, this.now(), detail ?? null);
  }

  get(id: string): JournalEntry | undefined {
    const row = this.sql.get.get(id) as Row | undefined;
    return row ? toEntry(row) : undefined;
  }

  /** Records a new command; returns false (and changes nothing) when the id is already known. */
  receive(envelope: CommandEnvelope): boolean {
    return this.db.transaction(() => {
      const inserted = this.sql.receive.run(
        envelope.id,
        envelope.registerId,
        envelope.command.type,
        JSON.stringify(envelope),
        Date.parse(envelope.deadline),
        this.now(),
      );
      if (inserted.changes === 0) return false;
      this.transition(envelope.id, 'received');
      return true;
    })();
  }

  markExecuting(id: string): void {
    this.db.transaction(() => {
      const changed = this.sql.markExecuting.run(this.now(), id);
      if (changed.changes > 0) this.transition(id, 'executing');
    })();
  }

  /**
   * The command is (still) in doubt: what the last look at the device showed goes on top of its
   * evidence. The transition is logged once, when it enters doubt; `attempt` counts reconciliations.
   */
  markInDoubt(id: string, evidence: string, needs: DoubtNeeds | undefined, attempt: boolean): void {
    this.db.transaction(() => {
      const current = this.get(id);
      if (!current || (current.state !== 'executing' && current.state !== 'inDoubt')) return;
      const now = this.now();
      const trail = withEvidence(current.doubt?.evidence ?? [], evidence, now);
      this.sql.markInDoubt.run(now, attempt ? 1 : 0, JSON.stringify(trail), needs ?? null, id);
      if (current.state !== 'inDoubt') this.transition(id, 'inDoubt', evidence.slice(0, 500));
    })();
  }

  /** Adds a line to the evidence of a command that was in doubt (e.g. the proof that settled it). */
  addEvidence(id: string, evidence: string): void {
    const current = this.get(id);
    if (!current?.doubt) return;
    this.sql.saveEvidence.run(JSON.stringify(withEvidence(current.doubt.evidence, evidence, this.now())), id);
  }

  /** Commands in doubt right now, oldest first. */
  inDoubt(): JournalEntry[] {
    return (this.sql.inDoubt.all() as Row[]).map(toEntry);
  }

  /** Written before the device call that may change fiscal state. */
  saveCheckpoint(id: string, checkpoint: ReconcileCheckpoint): void {
    this.db.transaction(() => {
      this.sql.saveCheckpoint.run(JSON.stringify(checkpoint), id);
      this.transition(id, 'executing', `checkpoint ${checkpoint.kind}`);
    })();
  }

  /** Stores the result and forgets the command's secrets (see settledEnvelope), in one transaction. */
  markDone(id: string, result: ResultEnvelope): void {
    const text = JSON.stringify(result);
    this.db.transaction(() => {
      const nextSeq = this.doneSeq + 1;
      const changed = this.sql.markDone.run(text, Buffer.byteLength(text), this.now(), nextSeq, id);
      if (changed.changes > 0) {
        this.doneSeq = nextSeq;
        this.transition(id, 'done', result.status);
        const carrier = this.sql.secretCarrier.get(id) as { envelope: string } | undefined;
        const settled = carrier && settledEnvelope(JSON.parse(carrier.envelope) as CommandEnvelope);
        if (settled) this.sql.settleEnvelope.run(JSON.stringify(settled), id);
      }
    })();
  }

  /**
   * The broker has the result. A receipt picture in it is not kept: it can be hundreds of
   * kilobytes, the cloud has it now, and a store PC's disk is small.
   */
  markReported(id: string): void {
    this.db.transaction(() => {
      const changed = this.sql.markReported.run(this.now(), id);
      if (changed.changes === 0) return;
      this.transition(id, 'reported');
      const row = this.sql.get.get(id) as Row | undefined;
      if (!row?.result || !IMAGE_RESULT_TYPES.has(row.type)) return;
      const result = JSON.parse(row.result) as ResultEnvelope;
      if (!result.outcome.ok || !result.outcome.result.image) return;
      const { image: _image, ...rest } = result.outcome.result;
      const slim: ResultEnvelope = { ...result, outcome: { ok: true, result: rest } };
      const text = JSON.stringify(slim);
      this.sql.slimResult.run(text, Buffer.byteLength(text), id);
    })();
  }

  /** Commands not finished: received, executing or in doubt, oldest first (arrival order). */
  unfinished(): JournalEntry[] {
    return (this.sql.unfinished.all() as Row[]).map(toEntry);
  }

  /** Results waiting for the broker, in the order they were completed. */
  outbox(limit: number): JournalEntry[] {
    return (this.sql.outbox.all(limit) as Row[]).map(toEntry);
  }

  outboxStats(): OutboxStats {
    const row = this.sql.outboxStats.get() as { count: number; bytes: number; oldest: number | null };
    return { count: row.count, bytes: row.bytes, oldestDoneAtMs: row.oldest ?? undefined };
  }

  /** Entries not yet acknowledged by the broker (received, executing or done). */
  depth(): number {
    return (this.sql.depth.get() as { n: number }).n;
  }

  transitions(id: string): { state: string; atMs: number; detail: string | null }[] {
    return (
      this.db
        .prepare('SELECT state, at_ms, detail FROM transitions WHERE command_id = ? ORDER BY rowid')
        .all(id) as {
        state: string;
        at_ms: number;
        detail: string | null;
      }[]
    ).map((row) => ({ state: row.state, atMs: row.at_ms, detail: row.detail }));
  }

  loadKey(registerId: string): string | undefined {
    const row = this.db.prepare('SELECT key FROM register_keys WHERE register_id = ?').get(registerId) as
      { key: string } | undefined;
    return row?.key;
  }

  saveKey(registerId: string, key: string): void {
    this.db
      .prepare(
        `INSERT INTO register_keys (register_id, key, updated_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (register_id) DO UPDATE SET key = excluded.key, updated_at_ms = excluded.updated_at_ms`,
      )
      .run(registerId, key, this.now());
  }

  /** The register list the cloud sent last, as it sent it; undefined before the first one. */
  loadCloudRegisters(): unknown {
    const row = this.db.prepare('SELECT registers FROM cloud_registers WHERE only = 1').get() as
      { registers: string } | undefined;
    return row ? (JSON.parse(row.registers) as unknown) : undefined;
  }

  saveCloudRegisters(registers: unknown): void {
    this.db
      .prepare(
        `INSERT INTO cloud_registers (only, registers, received_at_ms) VALUES (1, ?, ?)
         ON CONFLICT (only) DO UPDATE SET registers = excluded.registers, received_at_ms = excluded.received_at_ms`,
      )
      .run(JSON.stringify(registers), this.now());
  }

  /** The device was given a new web-api key by hand: the next call starts from the configured one. */
  forgetKey(registerId: string): void {
    this.db.prepare('DELETE FROM register_keys WHERE register_id = ?').run(registerId);
  }

  /**
   * Forgets finished work: reported entries older than `retentionMs`, and beyond `maxReported` the
   * oldest reported ones. An entry whose deadline is less than a day old is always kept — the
   * cloud may still re-publish its id, and the journal must recognise it.
   */
  prune(retentionMs: number, maxReported = Number.MAX_SAFE_INTEGER): number {
    const now = this.now();
    const keepUntil = now - DEDUPE_AFTER_DEADLINE_MS;
    return this.db.transaction(() => {
      const old = this.db
        .prepare(
          `SELECT id FROM commands WHERE state = 'reported' AND reported_at_ms < ? AND deadline_ms < ?`,
        )
        .all(now - retentionMs, keepUntil) as { id: string }[];
      const reported = (
        this.db.prepare(`SELECT COUNT(*) AS n FROM commands WHERE state = 'reported'`).get() as {
          n: number;
        }
      ).n;
      const excess = Math.max(0, reported - old.length - maxReported);
      const oldest =
        excess === 0
          ? []
          : (this.db
              .prepare(
                `SELECT id FROM commands WHERE state = 'reported' AND reported_at_ms >= ? AND deadline_ms < ?
                 ORDER BY reported_at_ms LIMIT ?`,
              )
              .all(now - retentionMs, keepUntil, excess) as { id: string }[]);
      const deleteTransitions = this.db.prepare('DELETE FROM transitions WHERE command_id = ?');
      const deleteCommand = this.db.prepare('DELETE FROM commands WHERE id = ?');
      let removed = 0;
      for (const { id } of [...old, ...oldest]) {
        deleteTransitions.run(id);
        removed += deleteCommand.run(id).changes;
      }
      return removed;
    })();
  }

  close(): void {
    this.db.close();
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.walFd = undefined;
  }
}
