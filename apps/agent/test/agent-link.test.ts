import { afterEach, describe, expect, it } from 'vitest';
import { startTestBroker } from '@kassa-relay/testing';
import { topics } from '@kassa-relay/protocol';
import {
  agentAcks,
  type AgentWorld,
  CloudProbe,
  createAgentWorld,
  journalEntries,
  simControl,
  waitFor,
  sale,
} from './harness';

describe('agent link', () => {
  let world: AgentWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('announces presence (retained online, offline on stop) and sends heartbeats with register health', async () => {
    world = await createAgentWorld({ agentId: 'presence-1' });
    await world.startAgent();
    const w = world;
    await waitFor(() => w.cloud.presence.find((p) => p.state === 'online'), 10_000, 'online presence');
    const heartbeat = await waitFor(
      () => w.cloud.heartbeats.find((h) => h.registers.every((r) => r.health.reachable)),
      15_000,
      'heartbeat',
    );
    expect(heartbeat.registers.map((r) => r.registerId).sort()).toEqual(['reg-cc', 'reg-ikkm']);
    expect(heartbeat.agentVersion).toBeTruthy();
    expect(heartbeat.journalDepth).toBe(0);
    await w.stopAgent();
    await waitFor(() => w.cloud.presence.find((p) => p.state === 'offline'), 10_000, 'offline presence');
  });

  it("a link's online presence, its last will and its heartbeats carry the link's id; the next link has another", async () => {
    world = await createAgentWorld({ agentId: 'link-id-1' });
    await world.startAgent();
    const w = world;
    const online = await waitFor(() => w.cloud.presence.find((p) => p.state === 'online'), 10_000, 'online');
    expect(online.link).toBeTruthy();
    const heartbeat = await waitFor(() => w.cloud.heartbeats[0], 15_000, 'a heartbeat');
    expect(heartbeat.link).toBe(online.link);
    // The agent dies without a goodbye: the broker publishes its last will, which names the link.
    await w.agent!.stop('SIGKILL');
    w.agent = undefined;
    const will = await waitFor(
      () => w.cloud.presence.find((p) => p.state === 'offline'),
      10_000,
      'the last will',
    );
    expect(will.link).toBe(online.link);
    const seen = w.cloud.presence.length;
    const beats = w.cloud.heartbeats.length;
    await w.startAgent();
    const again = await waitFor(
      () => w.cloud.presence.slice(seen).find((p) => p.state === 'online'),
      10_000,
      'online again',
    );
    expect(again.link).toBeTruthy();
    expect(again.link).not.toBe(online.link);
    const next = await waitFor(() => w.cloud.heartbeats[beats], 15_000, 'a heartbeat on the new link');
    expect(next.link).toBe(again.link);
    // A goodbye names the link it ends.
    await w.stopAgent();
    const goodbye = await waitFor(
      () => w.cloud.presence.slice(seen).find((p) => p.state === 'offline'),
      10_000,
      'the goodbye',
    );
    expect(goodbye.link).toBe(again.link);
  });

  it(
    'broker down for a while: results wait in the journal and arrive in order, none lost',
    { timeout: 60_000 },
    async () => {
      world = await createAgentWorld({ agentId: 'offline-1' });
      await world.startAgent();
      const w = world;
      // Commands are in the agent's journal before the broker goes away; the first sale takes a
      // second on the register, so every result is made while the broker is down.
      await simControl(w.cashCore, 'POST', '/faults', {
        kind: 'delay',
        match: 'TradeOperation',
        delayMs: 1_000,
      });
      const acked = agentAcks(w.broker);
      const ids: string[] = [];
      for (let i = 1; i <= 5; i += 1) ids.push(await w.cloud.send('reg-cc', sale(1_000 * i)));
      await waitFor(() => ids.every((id) => acked.has(id)), 10_000, 'the agent acknowledged every command');
      const firstLink = w.cloud.presence.find((p) => p.state === 'online')?.link;
      expect(firstLink).toBeTruthy();
      await w.cloud.close();
      const port = w.broker.port;
      await w.broker.close();
      // Meanwhile the agent executes them against the register.
      await waitFor(
        async () => (await journalEntries(w.cashCore)).length >= 5,
        20_000,
        'receipts on the register',
      );
      // The cloud is back first (so it hears what the agent republishes), then the agent.
      let agentAdmitted = false;
      const broker = await startTestBroker({
        port,
        admit: (clientId) => agentAdmitted || clientId.startsWith('cloud-probe-'),
      });
      w.broker = broker;
      const cloud = await CloudProbe.connect(broker.url, w.agentId);
      w.cloud = cloud;
      agentAdmitted = true;
      // The restarted broker lost the old session; the agent republishes from its journal.
      await waitFor(
        () => ids.every((id) => cloud.resultsFor(id).length > 0),
        30_000,
        'all results after reconnect',
      );
      const order = cloud.results.filter((r) => ids.includes(r.commandId)).map((r) => r.commandId);
      expect([...new Set(order)]).toEqual(ids);
      expect(cloud.results.filter((r) => ids.includes(r.commandId)).every((r) => r.status === 'done')).toBe(
        true,
      );
      // The same process came back on a new link: presence and heartbeats name it, not the old one.
      const back = await waitFor(
        () => cloud.presence.find((p) => p.state === 'online'),
        10_000,
        'online again',
      );
      expect(back.link).toBeTruthy();
      expect(back.link).not.toBe(firstLink);
      const beat = await waitFor(() => cloud.heartbeats[0], 15_000, 'a heartbeat on the new link');
      expect(beat.link).toBe(back.link);
    },
  );

  it('malformed commands and foreign topics never reach a device; the agent keeps running', async () => {
    world = await createAgentWorld({ agentId: 'malformed-1' });
    await world.startAgent();
    const w = world;
    await w.cloud.publishRaw(topics.commands(w.agentId), '{not json');
    await w.cloud.publishRaw(
      topics.commands(w.agentId),
      JSON.stringify({ v: 1, id: 'bad-envelope-1', registerId: 'reg-cc', command: { type: 'format.disk' } }),
    );
    await w.cloud.publishRaw(topics.commands('someone-else'), JSON.stringify({ v: 1, id: 'foreign-1' }));
    const rejected = await w.cloud.waitForResult('bad-envelope-1');
    expect(rejected.status).toBe('rejected');
    expect(!rejected.outcome.ok && rejected.outcome.error.code).toBe('INVALID_REQUEST');
    const unknown = await w.cloud.send('reg-nope', sale());
    const unknownResult = await w.cloud.waitForResult(unknown);
    expect(unknownResult.status).toBe('rejected');
    expect(!unknownResult.outcome.ok && unknownResult.outcome.error.code).toBe('REGISTER_NOT_CONFIGURED');
    expect(await journalEntries(w.cashCore)).toHaveLength(0);
    expect(await journalEntries(w.ikkm)).toHaveLength(0);
    // Still alive and working.
    const ok = await w.cloud.waitForResult(await w.cloud.send('reg-cc', sale(2_500)));
    expect(ok.status).toBe('done');
  });

  it('a register that is down fails fast with REGISTER_UNREACHABLE', async () => {
    world = await createAgentWorld({ agentId: 'down-1' });
    await world.startAgent();
    await world.cashCore.close();
    const started = Date.now();
    const result = await world.cloud.waitForResult(
      await world.cloud.send('reg-cc', { type: 'register.info' }),
    );
    expect(result.status).toBe('failed');
    expect(!result.outcome.ok && result.outcome.error.code).toBe('REGISTER_UNREACHABLE');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
