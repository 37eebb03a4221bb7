import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CHANNELS, CLOUD_CHANNELS, topics } from '@kassa-relay/protocol';
import { AdminApi } from '@kassa-relay/testing';
import { verifySecret } from '../src/security/secret-hash';
import { ADMIN, CloudWorld, repoRoot } from './cloud-world';

/** The `query = "…"` strings of deploy/emqx/emqx.conf, in order (authentication, then authorization). */
function emqxQueries(): { authn: string; authz: string } {
  const conf = readFileSync(join(repoRoot, 'deploy/emqx/emqx.conf'), 'utf8');
  const queries = [...conf.matchAll(/^\s*query = "((?:[^"\\]|\\.)*)"/gm)].map((m) =>
    m[1]!.replace(/\\"/g, '"'),
  );
  expect(queries).toHaveLength(2);
  return { authn: queries[0]!, authz: queries[1]! };
}

/** EMQX's placeholders as PostgreSQL parameters: EMQX itself sends them as bound values. */
const bind = (query: string): string => query.replace('${username}', '$1').replace('${clientid}', '$2');

/**
 * EMQX runs these queries itself; here they run against the real schema with an agent enrolled
 * through the cloud, and the password is checked the way EMQX's sha256 / suffix salt setting does.
 */
describe('deploy/emqx/emqx.conf: EMQX authenticates and authorizes agents straight from PostgreSQL', () => {
  const world = new CloudWorld();
  const { authn, authz } = emqxQueries();
  let admin: AdminApi;
  let db: Client;
  let enrolled: { agentId: string; mqtt: { username: string; password: string } };

  beforeAll(async () => {
    await world.start();
    admin = new AdminApi(world.cloud.url, ADMIN);
    await admin.login();
    const store = await admin.api.stores.create({ name: 'Магазин (EMQX)' });
    await admin.api.registers.create({
      storeId: store.id,
      name: 'Касса 1',
      currency: 'KZT',
      device: { kind: 'cash-core', url: world.cashCore.url, accessCode: '0000', kkmOfdId: 6923 },
      taxTable: [{ percent: 12 }],
    });
    const { token } = await admin.api.agents.createEnrollmentToken({ storeId: store.id });
    enrolled = await admin.api.enrollment.enroll({ token, name: 'ПК кассы' });
    db = new Client({ connectionString: world.cloud.databaseUrl });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await world.close();
  });

  it('authenticates an enrolled agent with its own client id, as EMQX checks sha256(password + salt)', async () => {
    const { username, password } = enrolled.mqtt;
    const ownClientId = `kassa-agent-${enrolled.agentId}`;
    const { rows } = await db.query<{ password_hash: string; salt: string; is_superuser: boolean }>(
      bind(authn),
      [username, ownClientId],
    );
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(
      createHash('sha256')
        .update(password + row.salt)
        .digest('hex'),
    ).toBe(row.password_hash);
    expect(row.is_superuser).toBe(false);
    // The same check as the embedded broker's, on the same stored value.
    const stored = await world.prisma.agent.findUniqueOrThrow({ where: { id: enrolled.agentId } });
    expect(await verifySecret(password, stored.mqttPasswordHash)).toBe(true);
    expect(await verifySecret(`${password}x`, stored.mqttPasswordHash)).toBe(false);
    // Another client id (the cloud's, another agent's) or an unknown account: no row, refused.
    expect((await db.query(bind(authn), [username, 'kassa-cloud'])).rows).toHaveLength(0);
    expect((await db.query(bind(authn), ['agent-nobody', ownClientId])).rows).toHaveLength(0);
  });

  it("authorizes exactly the agent's own topics, each in its own direction", async () => {
    const { rows } = await db.query<{ permission: string; action: string; topic: string }>(bind(authz), [
      enrolled.mqtt.username,
    ]);
    const expected = AGENT_CHANNELS.map((channel) => ({
      permission: 'allow',
      action: (CLOUD_CHANNELS as readonly string[]).includes(channel) ? 'subscribe' : 'publish',
      topic: topics[channel](enrolled.agentId),
    }));
    const order = (a: { topic: string }, b: { topic: string }) => a.topic.localeCompare(b.topic);
    expect([...rows].sort(order)).toEqual(expected.sort(order));
  });

  it('a disabled agent is neither authenticated nor authorized', async () => {
    await admin.api.agents.disable(enrolled.agentId);
    const clientId = `kassa-agent-${enrolled.agentId}`;
    expect((await db.query(bind(authn), [enrolled.mqtt.username, clientId])).rows).toHaveLength(0);
    expect((await db.query(bind(authz), [enrolled.mqtt.username])).rows).toHaveLength(0);
  });
});
