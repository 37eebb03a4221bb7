import { Client } from 'pg';
import { FORGED } from './families/mqtt';
import type { FuzzWorld } from './world';

/**
 * What hostile input must never change, read straight from the cloud's PostgreSQL and the
 * simulators' fiscal journals. Columns that legitimately move on their own (heartbeats, last-used
 * times, the forger agents' own registers and documents — it is an agent, its own state is its
 * business) are left out.
 */
export interface Snapshot {
  /** Table → digest of its rows (the columns that matter). */
  digests: Record<string, string>;
  counts: Record<string, number>;
  /** Document id → status|fiscalId|… (to name what changed). */
  documents: Map<string, string>;
  journals: { ikkm: number; cashCore: number };
  /** Rows carrying a forged marker (fiscal id, cash balance, shift number) outside the forger's register. */
  forgedRows: number;
}

const TABLES: Record<string, string> = {
  Organisation: `SELECT id, name FROM "Organisation"`,
  Store: `SELECT id, name, address, timezone FROM "Store"`,
  Agent: `SELECT id, "storeId", name, "mqttUsername", "mqttPasswordHash", "disabledAt" FROM "Agent"`,
  EnrollmentToken: `SELECT id, "storeId", "usedAt", "agentId", "expiresAt" FROM "EnrollmentToken"`,
  Register: `SELECT id, "storeId", "agentId", kind, name, currency, config::text FROM "Register"`,
  Operator: `SELECT id, name, role, "pinEncrypted" FROM "Operator"`,
  OperatorRegister: `SELECT "operatorId", "registerId", "registerCode" FROM "OperatorRegister"`,
  PosKey: `SELECT id, "registerId", name, "keyHash", "revokedAt" FROM "PosKey"`,
  AdminUser: `SELECT id, email, role, "passwordHash", "disabledAt", "tokenVersion" FROM "AdminUser"`,
  // The forgers' own registers are theirs to report on (a result for a document of their own
  // register is the owner's result): like their documents, their shifts are not compared.
  Shift: `SELECT id, "registerId", number, "openedAt", "closedAt", "sumSales", "countSales" FROM "Shift" WHERE "registerId" <> ALL($1)`,
};

export class StateProbe {
  private readonly client: Client;
  private connected = false;

  constructor(
    private readonly world: FuzzWorld,
    private readonly forgerRegisterIds: () => string[],
  ) {
    this.client = new Client({ connectionString: world.databaseUrl });
    this.client.on('error', () => {
      this.connected = false;
    });
  }

  private async db(): Promise<Client> {
    if (!this.connected) {
      await this.client.connect().catch(async () => {
        // After a cloud restart the old client is unusable: make a new one.
        Object.assign(this, { client: new Client({ connectionString: this.world.databaseUrl }) });
        this.client.on('error', () => {
          this.connected = false;
        });
        await this.client.connect();
      });
      this.connected = true;
    }
    return this.client;
  }

  /** Drops the connection (the cloud, and with it PostgreSQL, is being restarted). */
  async reset(): Promise<void> {
    const old = this.client;
    this.connected = false;
    await old.end().catch(() => undefined);
    Object.assign(this, { client: new Client({ connectionString: this.world.databaseUrl }) });
    this.client.on('error', () => {
      this.connected = false;
    });
  }

  async take(): Promise<Snapshot> {
    const db = await this.db();
    const digests: Record<string, string> = {};
    const counts: Record<string, number> = {};
    const forgerRegisters = this.forgerRegisterIds();
    for (const [table, select] of Object.entries(TABLES)) {
      const { rows } = await db.query<{ n: string; digest: string | null }>(
        `SELECT count(*) AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM (${select}) t`,
        select.includes('$1') ? [forgerRegisters] : [],
      );
      counts[table] = Number(rows[0]?.n ?? 0);
      digests[table] = rows[0]?.digest ?? '';
    }
    const forger = forgerRegisters;
    const documents = new Map<string, string>();
    const docs = await db.query<{ id: string; row: string }>(
      `SELECT id, concat_ws('|', status::text, "fiscalId", "checkNumber", total, "agentId", resolution, "doubtSince", "completedAt", kind, "originChannel", "originActor") AS row
         FROM "FiscalDocument" WHERE "registerId" <> ALL($1)`,
      [forger],
    );
    for (const row of docs.rows) documents.set(row.id, row.row);
    counts['FiscalDocument'] = documents.size;
    const forged = await db.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM "FiscalDocument" WHERE "registerId" <> ALL($1) AND ("fiscalId" LIKE $2 OR "shiftNumber" = $3 OR "checkNumber" = $3 OR "doubtSince" IS NOT NULL))
            + (SELECT count(*) FROM "Register" WHERE id <> ALL($1) AND ("cashBalance" = $4 OR "shiftNumber" = $3))
            + (SELECT count(*) FROM "Shift" WHERE "registerId" <> ALL($1) AND number = $3) AS n`,
      [forger, `${FORGED.fiscalPrefix}%`, FORGED.shiftNumber, FORGED.cashBalance],
    );
    const [ikkm, cashCore] = await Promise.all([this.world.journal('ikkm'), this.world.journal('cash-core')]);
    return {
      digests,
      counts,
      documents,
      journals: { ikkm: ikkm.length, cashCore: cashCore.length },
      forgedRows: Number(forged.rows[0]?.n ?? 0),
    };
  }

  /** Documents the fuzzer may aim forged results and admin routes at. */
  async documents(): Promise<
    { id: string; commandId: string; registerId: string; status: string; agentId: string | null }[]
  > {
    const db = await this.db();
    const { rows } = await db.query<{
      id: string;
      commandId: string;
      registerId: string;
      status: string;
      agentId: string | null;
    }>(
      `SELECT id, "commandId", "registerId", status::text AS status, "agentId" FROM "FiscalDocument" ORDER BY "requestedAt" DESC LIMIT 200`,
    );
    return rows;
  }

  /** Documents of the real registers still pending (a control that is still running). */
  async pendingOn(registerIds: string[]): Promise<number> {
    const db = await this.db();
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "FiscalDocument" WHERE "registerId" = ANY($1) AND status IN ('pending', 'inDoubt')`,
      [registerIds],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** What differs between two snapshots, as lines for the report (empty: nothing). */
export function compareSnapshots(before: Snapshot, after: Snapshot): string[] {
  const changes: string[] = [];
  for (const table of Object.keys(before.digests))
    if (before.digests[table] !== after.digests[table])
      changes.push(`${table}: rows changed (${before.counts[table]} → ${after.counts[table]})`);
  for (const [id, row] of after.documents) {
    const old = before.documents.get(id);
    if (old === undefined) changes.push(`FiscalDocument ${id}: new row (${row})`);
    else if (old !== row) changes.push(`FiscalDocument ${id}: ${old} → ${row}`);
  }
  for (const id of before.documents.keys())
    if (!after.documents.has(id)) changes.push(`FiscalDocument ${id}: row gone`);
  if (after.journals.ikkm !== before.journals.ikkm)
    changes.push(`iKKM journal: ${before.journals.ikkm} → ${after.journals.ikkm} entries`);
  if (after.journals.cashCore !== before.journals.cashCore)
    changes.push(`cash-core journal: ${before.journals.cashCore} → ${after.journals.cashCore} entries`);
  if (after.forgedRows > before.forgedRows)
    changes.push(`rows carrying forged values: ${before.forgedRows} → ${after.forgedRows}`);
  return changes;
}
