import { join } from 'node:path';
import { canonicalError, type SaleAnswer, saleAnswerForError, saleAnswerSchema } from '@kassa-relay/protocol';
import { saleBody, tempDir, waitUntil } from '@kassa-relay/testing';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterRegister, ClusterWorld } from '../src/cluster-world';

const ADMIN = { email: 'cluster@example.kz', password: 'cluster-password-42' };

/** One POST /sale; undefined when the transport failed (an instance died under it, a 502). */
async function trySale(baseUrl: string, posKey: string, body: object): Promise<SaleAnswer | undefined> {
  try {
    const response = await fetch(`${baseUrl}/sale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${posKey}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status !== 200) return undefined;
    return saleAnswerSchema.parse(await response.json());
  } catch {
    return undefined;
  }
}

/**
 * What a POS does with seed 001: the same request again until the answer is final. Code 5 (still
 * running, in doubt, the cloud busy) and a failed transport are not final; code 0 is.
 */
async function saleUntilFinal(baseUrl: string, posKey: string, body: object, deadline: number) {
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const answer = await trySale(baseUrl, posKey, body);
    if (answer && answer.code !== 5) return { answer, attempts };
    if (Date.now() > deadline) throw new Error(`no final answer after ${attempts} attempts`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Results each instance took from the broker (its /metrics). */
async function resultsConsumed(instances: { url: string }[]): Promise<number[]> {
  return Promise.all(
    instances.map(async (instance) => {
      const metrics = await (await fetch(`${instance.url}/metrics`)).text();
      return [...metrics.matchAll(/^kassa_cloud_command_results_total\{[^}]*\} (\d+)/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    }),
  );
}

/** Sale entries in a simulator's journal (a receipt the device registered). */
async function salesPrinted(simUrl: string): Promise<number> {
  const response = await fetch(`${simUrl}/_sim/journal`);
  const { entries } = (await response.json()) as { entries: { kind: string }[] };
  return entries.filter((entry) => entry.kind === 'sale').length;
}

/** When the cluster's agent was last heard from (a heartbeat or presence), as epoch ms. */
async function lastSeen(world: ClusterWorld): Promise<number | undefined> {
  const agent = (await world.api.api.agents.list()).find((a) => a.id === world.agentId);
  return agent?.lastSeenAt ? new Date(agent.lastSeenAt).getTime() : undefined;
}

describe('three cloud instances behind HAProxy, on one PostgreSQL and Mosquitto with dynamic security', () => {
  const dir = tempDir('kassa-cluster-test-');
  const world = new ClusterWorld({
    dir: join(dir.path, 'run'),
    logsDir: join(dir.path, 'logs'),
    instances: 3,
    admin: ADMIN,
    posWaitMs: 15_000,
    logLevel: 'warn',
    label: 'cluster-test',
  });
  const simUrl = (register: ClusterRegister) =>
    register.kind === 'ikkm' ? world.ikkm.url : world.cashCore.url;
  let docNumber = 0;
  const nextBody = (amount = 35_000) => saleBody(`CL-${(docNumber += 1)}`, amount);

  beforeAll(async () => {
    await world.start();
  }, 300_000);

  afterAll(async () => {
    await world.stop();
    dir.remove();
  }, 60_000);

  it('sells through every instance and the load balancer; results taken from the broker by any instance answer the instance the POS waits on', async () => {
    const before = await Promise.all(world.registers.map((r) => salesPrinted(simUrl(r))));
    const targets = [...world.instances.map((instance) => instance.url), world.url];
    const fiscalIds = new Set<string>();
    let sales = 0;
    for (const target of targets)
      for (const register of world.registers)
        for (let n = 0; n < 2; n += 1) {
          const answer = await trySale(target, register.posKey, nextBody());
          expect(answer, `${target} ${register.kind}`).toMatchObject({ code: 0 });
          fiscalIds.add(`${register.kind}:${answer?.fiscalID}`);
          sales += 1;
        }
    expect(fiscalIds.size).toBe(sales);
    const after = await Promise.all(world.registers.map((r) => salesPrinted(simUrl(r))));
    expect(after[0]! - before[0]! + after[1]! - before[1]!).toBe(sales);
    // The broker shares the agents' results among the instances (MQTT 5 shared subscriptions):
    // more than one instance stored results, so waiters were woken across instances.
    const consumed = await resultsConsumed(world.instances);
    expect(consumed.filter((count) => count > 0).length, `results per instance: ${consumed}`).toBeGreaterThan(
      1,
    );
  }, 180_000);

  it('shows a sale made on one instance live to a dashboard connected to another (socket.io PostgreSQL adapter)', async () => {
    const [first, second] = world.instances;
    const socket: Socket = io(`${first!.url}/admin`, {
      auth: { token: world.api.token },
      transports: ['websocket'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const seen: { status: string }[] = [];
      socket.on('document.changed', (event: { status: string }) => seen.push(event));
      const answer = await trySale(second!.url, world.register('cash-core').posKey, nextBody());
      expect(answer).toMatchObject({ code: 0 });
      await waitUntil(() => seen.some((event) => event.status === 'done'), 15_000, 'the live event');
    } finally {
      socket.close();
    }
  }, 60_000);

  it('a POS key revoked on one instance is refused by every instance at once', async () => {
    const register = world.register('cash-core');
    const { id, key } = await world.api.api.posKeys.create({ registerId: register.id, name: 'to revoke' });
    // Every instance has the key in its cache.
    for (const instance of world.instances)
      expect(await trySale(instance.url, key, nextBody())).toMatchObject({ code: 0 });
    const refused = saleAnswerForError(canonicalError('UNAUTHORIZED', 'неверный или отозванный ключ POS'));
    const revoke = await fetch(`${world.instances[0]!.url}/api/pos-keys/${id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.api.token}` },
    });
    expect(revoke.ok).toBe(true);
    await waitUntil(
      async () => {
        const answers = await Promise.all(
          world.instances.map((instance) => trySale(instance.url, key, nextBody())),
        );
        // Seed 001 answers HTTP 200 with the refusal in the body.
        return answers.every((answer) => answer?.code === refused.code && answer.message === refused.message);
      },
      // The cluster bus tells the others at once; well inside the key cache's own 10 s.
      3_000,
      'every instance refusing the revoked key',
    );
  }, 60_000);

  it('counts wrong passwords sent to different instances against one limit', async () => {
    const login = (url: string) =>
      fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'guess@example.kz', password: 'not-the-password' }),
      });
    // The default limit is 5 failures per account: spread over the three instances.
    for (let n = 0; n < 5; n += 1) expect((await login(world.instances[n % 3]!.url)).status).toBe(401);
    await waitUntil(
      async () =>
        (await Promise.all(world.instances.map((i) => login(i.url)))).every((r) => r.status === 429),
      3_000,
      'every instance refusing the locked account',
    );
  }, 60_000);

  it('keeps hearing the agents after the broker restarts: every instance subscribes again to its share of results, presence and heartbeats', async () => {
    const before = await resultsConsumed(world.instances);
    const seenBefore = await lastSeen(world);
    await world.mosquitto.restart();
    // The agent reconnects and says it is online; its heartbeats reach an instance again. The broker
    // hands the instances the agent's retained presence again: "last seen" must not go back.
    const seen: number[] = [];
    await waitUntil(
      async () => {
        seen.push((await lastSeen(world)) ?? 0);
        return seen.at(-1)! > (seenBefore ?? 0) && (await world.agentOnline());
      },
      60_000,
      'a heartbeat after the broker restart',
    );
    expect(seen, 'last seen, polled across the restart').toEqual([...seen].sort((a, b) => a - b));
    expect(seen[0]).toBeGreaterThanOrEqual(seenBefore ?? 0);
    // Sales through every instance: each needs a result that some instance took from the broker.
    for (const instance of world.instances)
      for (const register of world.registers) {
        const { answer } = await saleUntilFinal(
          instance.url,
          register.posKey,
          nextBody(),
          Date.now() + 60_000,
        );
        expect(answer, `${instance.id} ${register.kind}`).toMatchObject({ code: 0 });
      }
    // The broker hands the shared subscription's messages round: every instance is in the group again.
    const after = await resultsConsumed(world.instances);
    expect(
      after.map((count, index) => count - before[index]!),
      'results each instance took after the restart',
    ).not.toContain(0);
  }, 180_000);

  it('loses an instance mid-run (SIGKILL): every POS request gets its final answer by repeating it through HAProxy, and each sale is printed exactly once', async () => {
    const SALES = 24;
    const before = await Promise.all(world.registers.map((r) => salesPrinted(simUrl(r))));
    const bodies = Array.from({ length: SALES }, (_, n) => ({
      register: world.registers[n % world.registers.length]!,
      body: nextBody(10_000 + n * 100),
    }));
    const deadline = Date.now() + 240_000;
    let finished = 0;
    const victim = world.instances[1]!;
    const killed = (async () => {
      await waitUntil(() => finished >= SALES / 4, 120_000, 'a quarter of the sales');
      await world.killInstance(victim);
    })();
    // Three POS clients at once, each repeating its request until the answer is final.
    const queue = bodies.map((sale, index) => ({ ...sale, index }));
    const answers: { index: number; register: ClusterRegister; answer: SaleAnswer; attempts: number }[] = [];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const { answer, attempts } = await saleUntilFinal(
            world.url,
            next.register.posKey,
            next.body,
            deadline,
          );
          answers.push({ index: next.index, register: next.register, answer, attempts });
          finished += 1;
        }
      }),
    );
    await killed;
    expect(answers).toHaveLength(SALES);
    for (const { answer } of answers) expect(answer).toMatchObject({ code: 0 });
    const fiscalIds = new Set(answers.map(({ register, answer }) => `${register.kind}:${answer.fiscalID}`));
    expect(fiscalIds.size, 'one fiscal document per sale').toBe(SALES);
    // The devices' own journals: exactly one receipt per sale, none lost, none twice.
    const after = await Promise.all(world.registers.map((r) => salesPrinted(simUrl(r))));
    world.registers.forEach((register, index) =>
      expect(after[index]! - before[index]!, register.kind).toBe(
        bodies.filter((sale) => sale.register === register).length,
      ),
    );
    // A repeat after the storm still answers the same fiscal document (the ledger kept it once).
    const again = await trySale(world.url, bodies[0]!.register.posKey, bodies[0]!.body);
    expect(again?.fiscalID).toBe(answers.find((a) => a.index === 0)?.answer.fiscalID);
  }, 300_000);
});
