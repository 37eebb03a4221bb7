import { join } from 'node:path';
import { type SaleAnswer, saleAnswerSchema } from '@kassa-relay/protocol';
import { ProductWorld, saleBody, tempDir, waitUntil } from '@kassa-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollFleet } from '../src/enroll-fleet';
import { Fleet } from '../src/fleet';
import type { FleetAgentCredentials } from '../src/fleet-agent';

const AGENTS = 50;
/** Registers that take sales in this test, and sales on each. */
const SELLING = 4;
const SALES_EACH = 3;

/**
 * The real cloud (its embedded PostgreSQL and broker, as ProductWorld starts it) and 50 fleet
 * agents enrolled through its admin API and enrollment route, in this process.
 */
describe('fleet simulator against a real cloud', () => {
  const dir = tempDir('kassa-fleet-test-');
  const world = new ProductWorld({
    dir: join(dir.path, 'run'),
    logsDir: join(dir.path, 'logs'),
    admin: { email: 'fleet@example.kz', password: 'fleet-password-42' },
    logLevel: 'warn',
    posWaitMs: 15_000,
    label: 'fleet-test',
  });
  let credentials: FleetAgentCredentials[] = [];
  let fleet: Fleet | undefined;
  /** Every /sale document reference sent, with the fiscal id its final answer carried. */
  const answered = new Map<string, string>();

  beforeAll(async () => {
    await world.allocatePorts();
    await world.startCloud();
    await world.signIn();
    credentials = await enrollFleet(world.api, { agents: AGENTS, concurrency: 6, label: 'fleet-test' });
    fleet = new Fleet(credentials, { reconnectMinMs: 200, reconnectMaxMs: 2_000 });
    fleet.start();
  }, 300_000);

  afterAll(async () => {
    await fleet?.stop();
    await world.processes.stopAll();
    dir.remove();
  }, 60_000);

  const allOnline = async () => {
    const agents = await world.api.api.agents.list();
    const online = new Set(agents.filter((agent) => agent.online).map((agent) => agent.id));
    return credentials.every((agent) => online.has(agent.agentId));
  };

  const sale = async (posKey: string, docNumber: string): Promise<SaleAnswer> => {
    const response = await fetch(`${world.cloudUrl}/sale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${posKey}` },
      body: JSON.stringify(saleBody(docNumber)),
    });
    expect(response.status).toBe(200);
    return saleAnswerSchema.parse(await response.json());
  };

  /** The fiscal id the fleet printed for a document reference (exactly one receipt, or the test fails). */
  const printedFiscalId = (docNumber: string): string | undefined => {
    const receipts = fleet!.receiptsFor(docNumber);
    expect(receipts, `receipts printed for ${docNumber}`).toHaveLength(1);
    return receipts[0]?.fiscalId;
  };

  it('enrolls every agent with its own credentials, and the cloud sees them online and heartbeating', async () => {
    expect(new Set(credentials.map((agent) => agent.agentId)).size).toBe(AGENTS);
    expect(new Set(credentials.map((agent) => agent.mqtt.username)).size).toBe(AGENTS);
    await waitUntil(allOnline, 120_000, `all ${AGENTS} fleet agents online in the cloud`, 500);
    // The cloud sends each agent its register list, sealed with the key its enrollment gave.
    await waitUntil(
      () => fleet!.agents.every((agent) => agent.registerLists > 0),
      60_000,
      'every agent to open its sealed register list',
    );
    // A heartbeat the cloud accepted fills journalDepth; register.info (sent by the cloud when an
    // agent comes online) fills the register's serial number.
    await waitUntil(
      async () => {
        const agents = await world.api.api.agents.list();
        return agents.filter((agent) => agent.journalDepth === 0).length >= AGENTS;
      },
      60_000,
      'a heartbeat of every agent stored',
      500,
    );
    await waitUntil(
      async () => {
        const registers = await world.api.api.registers.list();
        return registers.filter((register) => register.serialNumber?.startsWith('FLEET')).length >= AGENTS;
      },
      60_000,
      "every register's identity (register.info) stored",
      500,
    );
  });

  it('answers /sale through POS keys with the fleet agent’s fiscal id, each sale printed once', async () => {
    const selling = credentials.slice(0, SELLING).map((agent) => agent.registers[0]!.id);
    const keys = await Promise.all(
      selling.map((registerId) => world.api.api.posKeys.create({ registerId, name: 'fleet POS' })),
    );
    await Promise.all(
      keys.map(async (key, r) => {
        for (let s = 1; s <= SALES_EACH; s += 1) {
          const docNumber = `FLEET-${r}-${s}`;
          const answer = await sale(key.key, docNumber);
          expect(answer, docNumber).toMatchObject({ code: 0 });
          expect(answer.fiscalID).toBe(printedFiscalId(docNumber));
          expect(fleet!.agentOf(selling[r]!)!.journal.receiptsFor(docNumber)).toHaveLength(1);
          answered.set(docNumber, answer.fiscalID!);
        }
      }),
    );
    // A repeat of a fiscalized sale: the stored answer (a copy, never a second receipt).
    const repeat = await sale(keys[0]!.key, 'FLEET-0-1');
    expect(repeat).toMatchObject({ code: 0, fiscalID: answered.get('FLEET-0-1') });
    for (const docNumber of answered.keys()) printedFiscalId(docNumber);
    expect(fleet!.printed().filter((doc) => doc.type === 'receipt')).toHaveLength(SELLING * SALES_EACH);
  });

  it('runs an office command (report.x) through the fleet agent', async () => {
    const registerId = credentials[0]!.registers[0]!.id;
    const answer = await world.api.api.registers.command(registerId, { type: 'report.x' });
    expect(answer).toMatchObject({
      status: 'done',
      result: { type: 'report.x', counters: { countSales: SALES_EACH, sumSales: SALES_EACH * 35_000 } },
    });
    const reports = fleet!.agentOf(registerId)!.printed.filter((doc) => doc.type === 'report.x');
    expect(reports).toHaveLength(1);
  });

  it('comes back after the cloud and its broker restart, and still prints every sale once', async () => {
    const connectsBefore = fleet!.counters.connects;
    await world.cloud!.stop(15_000);
    await world.startCloud();
    await waitUntil(
      () => fleet!.counters.connects >= connectsBefore + AGENTS,
      120_000,
      'every agent reconnected',
    );
    await waitUntil(allOnline, 120_000, `all ${AGENTS} fleet agents online again`, 500);

    const registerId = credentials[1]!.registers[0]!.id;
    const key = await world.api.api.posKeys.create({ registerId, name: 'after restart' });
    const answer = await sale(key.key, 'FLEET-after-restart');
    expect(answer).toMatchObject({ code: 0 });
    expect(answer.fiscalID).toBe(printedFiscalId('FLEET-after-restart'));
    answered.set('FLEET-after-restart', answer.fiscalID!);
    for (const [docNumber, fiscalId] of answered) expect(printedFiscalId(docNumber)).toBe(fiscalId);
  });
});
