import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegisterSetupInput, topics } from '@kassa-relay/protocol';
import { startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import { agentRegisterIds } from '@kassa-relay/testing';
import {
  type AgentWorld,
  CASH_CORE_KKM,
  CASH_CORE_PIN,
  createAgentWorld,
  journalEntries,
  sale,
  waitFor,
} from './harness';

/** The cloud's `config` message: registers added, changed and removed while the agent runs. */
describe('agent: the register list from the cloud', () => {
  let world: AgentWorld;
  let second: Awaited<ReturnType<typeof startIkkmSimulator>>;
  const cashCore = (accessCode = CASH_CORE_PIN): RegisterSetupInput => ({
    id: 'reg-cc',
    kind: 'cash-core',
    url: world.cashCore.url,
    accessCode,
    kkmOfdId: CASH_CORE_KKM,
    taxTable: [{ percent: 12 }],
  });
  const secondIkkm = (): RegisterSetupInput => ({
    id: 'reg-ikkm-2',
    kind: 'ikkm',
    url: second.url,
    initialKey: '55556666',
    minRequestIntervalMs: 0,
    taxTable: [{ percent: 12, name: 'НДС 12%' }],
  });
  const running = () => agentRegisterIds(world.agent!);
  const fileText = () => readFileSync(world.configPath, 'utf8');
  const run = async (registerId: string, command = sale()) =>
    world.cloud.waitForResult(await world.cloud.send(registerId, command));

  beforeAll(async () => {
    world = await createAgentWorld({ agentId: 'store-registers' });
    second = await startIkkmSimulator({ port: 0, key: '55556666', stateDir: join(world.dir, 'ikkm-2') });
    await world.startAgent();
  }, 60_000);
  afterAll(async () => {
    await world?.close();
    await second?.close();
  });

  it('adds a register and drops another without a restart; the config file is left as written', async () => {
    const before = fileText();
    await world.cloud.sendRegisters([cashCore(), secondIkkm()]);
    await waitFor(
      async () => (await running()).join() === 'reg-cc,reg-ikkm-2' || undefined,
      15_000,
      'the new list in use',
    );
    const added = await run('reg-ikkm-2', sale(12_300));
    expect(added.status, JSON.stringify(added.outcome)).toBe('done');
    expect((await journalEntries(second)).filter((e) => e.total === 12_300)).toHaveLength(1);

    const dropped = await run('reg-ikkm', sale(45_600));
    expect(dropped.status).toBe('rejected');
    expect(!dropped.outcome.ok && dropped.outcome.error.code).toBe('REGISTER_NOT_CONFIGURED');
    expect((await journalEntries(world.ikkm)).filter((e) => e.total === 45_600)).toHaveLength(0);

    // The list lives in the journal; the installer's file (under /etc, read-only for the service) is untouched.
    expect(fileText()).toBe(before);
  });

  it('a changed register switches to its new settings at the next command', async () => {
    await world.cloud.sendRegisters([cashCore('9999'), secondIkkm()]);
    await waitFor(
      async () => {
        const info = await run('reg-cc', { type: 'register.info' });
        return info.status === 'failed' ? info : undefined;
      },
      15_000,
      'the wrong access code in use',
    );
    await world.cloud.sendRegisters([cashCore(), secondIkkm()]);
    await waitFor(
      async () => ((await run('reg-cc', { type: 'register.info' })).status === 'done' ? true : undefined),
      15_000,
      'the right access code back in use',
    );
  });

  it('a malformed list changes nothing: the registers keep working', async () => {
    await world.cloud.publishRaw(
      topics.config(world.agentId),
      // Would drop reg-ikkm-2 if it were taken; its time is not a time.
      JSON.stringify({ v: 1, agentId: world.agentId, issuedAt: 'yesterday', registers: [cashCore()] }),
    );
    const still = await run('reg-ikkm-2', sale(7_700));
    expect(still.status).toBe('done');
    expect(await running()).toEqual(['reg-cc', 'reg-ikkm-2']);
  });

  it('after a restart with no message from the cloud, it runs the list it was last given', async () => {
    await world.stopAgent();
    // No retained list on the broker any more: only the journal can tell (the file still has reg-ikkm).
    await world.cloud.publishRaw(topics.config(world.agentId), '', { retain: true });
    await world.startAgent();
    expect(await running()).toEqual(['reg-cc', 'reg-ikkm-2']);
    const after = await run('reg-ikkm-2', sale(8_800));
    expect(after.status, JSON.stringify(after.outcome)).toBe('done');
    expect((await journalEntries(second)).filter((e) => e.total === 8_800)).toHaveLength(1);
  });
});
