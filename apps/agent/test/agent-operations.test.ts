import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startProcess } from '@kassa-relay/testing';
import { agentAcks, type AgentWorld, createAgentWorld, sale, simControl, waitFor } from './harness';

const repoRoot = resolve(__dirname, '../../..');

const httpPortOf = (world: AgentWorld): number => {
  const line = world.agent?.output.find((l) => l.includes('"msg":"agent started"')) ?? '{}';
  return (JSON.parse(line) as { httpPort: number }).httpPort;
};

describe('agent operations', () => {
  let world: AgentWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('/health and /metrics report link, registers, commands and device latency', async () => {
    world = await createAgentWorld({ agentId: 'ops-1' });
    await world.startAgent();
    const w = world;
    const port = httpPortOf(w);
    expect((await w.cloud.waitForResult(await w.cloud.send('reg-ikkm', sale(1_000)))).status).toBe('done');
    expect(
      (await w.cloud.waitForResult(await w.cloud.send('reg-cc', { type: 'cash.out', amount: 999_999_900 })))
        .status,
    ).toBe('failed');
    const health = await waitFor(
      async () => {
        const body = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
          link: string;
          registers: { id: string; reachable: boolean | null }[];
          journalDepth: number;
        };
        return body.registers.every((r) => r.reachable === true) && body.journalDepth === 0
          ? body
          : undefined;
      },
      10_000,
      'healthy registers',
    );
    expect(health.link).toBe('up');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/kassa_agent_commands_total\{type="receipt",outcome="done"\} 1/);
    expect(metrics).toMatch(/kassa_agent_commands_total\{type="cash.out",outcome="failed"\} 1/);
    expect(metrics).toMatch(/kassa_agent_device_seconds_count\{kind="ikkm",type="receipt"\} 1/);
    expect(metrics).toMatch(/kassa_agent_link_up 1/);
    expect(metrics).toMatch(/kassa_agent_journal_depth 0/);
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
  });

  it('results beyond the outbox limit raise an alert, and none is dropped', async () => {
    world = await createAgentWorld({
      agentId: 'limits-1',
      outbox: { maxCount: 1, maxBytes: 10_000_000, maxAgeHours: 72 },
    });
    await world.startAgent();
    const w = world;
    const port = httpPortOf(w);
    // The first sale takes a second on the register: every result is made after the broker is gone.
    await simControl(w.cashCore, 'POST', '/faults', {
      kind: 'delay',
      match: 'TradeOperation',
      delayMs: 1_000,
    });
    const acked = agentAcks(w.broker);
    const ids = [
      await w.cloud.send('reg-cc', sale(1_000)),
      await w.cloud.send('reg-cc', sale(2_000)),
      await w.cloud.send('reg-cc', sale(3_000)),
    ];
    // In the agent's journal before the broker goes away.
    await waitFor(() => ids.every((id) => acked.has(id)), 10_000, 'the agent acknowledged every command');
    await w.broker.close();
    const degraded = await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        const body = (await response.json()) as {
          outbox: { count: number };
          alerts: { kind: string }[];
          link: string;
        };
        return response.status === 503 && body.outbox.count === 3 ? body : undefined;
      },
      20_000,
      'three results waiting',
    );
    expect(degraded.link).toBe('down');
    expect(degraded.alerts.map((a) => a.kind)).toContain('journalBacklog');
    expect(ids).toHaveLength(3);
  });

  it('operator sync, receipt image and reprint on the cash core', async () => {
    world = await createAgentWorld({ agentId: 'cc-extra-1' });
    await world.startAgent();
    const w = world;
    const sync = await w.cloud.waitForResult(
      await w.cloud.send('reg-cc', {
        type: 'operators.sync',
        upsert: [{ name: 'Кассир Алия', role: 'cashier', pin: '4321' }],
        delete: [],
      }),
    );
    expect(sync.status, JSON.stringify(sync.outcome)).toBe('done');
    const list = await w.cloud.waitForResult(await w.cloud.send('reg-cc', { type: 'operators.list' }));
    expect(list.outcome.ok && list.outcome.result.operators?.map((o) => o.name)).toContain('Кассир Алия');
    const receipt = await w.cloud.waitForResult(await w.cloud.send('reg-cc', sale(5_000)));
    expect(receipt.status).toBe('done');
    const fiscalId = receipt.outcome.ok ? receipt.outcome.result.fiscalId : undefined;
    expect(fiscalId).toBeTruthy();
    const image = await w.cloud.waitForResult(
      await w.cloud.send('reg-cc', { type: 'receipt.image', document: { fiscalId: fiscalId as string } }),
    );
    expect(image.status, JSON.stringify(image.outcome)).toBe('done');
    const png = Buffer.from(image.outcome.ok ? (image.outcome.result.image?.base64 ?? '') : '', 'base64');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // Seed 003 has no call that prints a copy: a clear refusal with the reason, never a silent "done".
    const reprint = await w.cloud.waitForResult(
      await w.cloud.send('reg-cc', { type: 'receipt.reprint', document: { last: true } }),
    );
    expect(reprint.status, JSON.stringify(reprint.outcome)).toBe('failed');
    expect(!reprint.outcome.ok && reprint.outcome.error.code).toBe('NOT_SUPPORTED');
  });

  it('the bundled agent (nx build agent → dist/main.js) runs and validates its config', async () => {
    execFileSync('npx', ['nx', 'build', 'agent', '--skip-nx-cache'], { cwd: repoRoot, stdio: 'ignore' });
    world = await createAgentWorld({ agentId: 'bundle-1' });
    const w = world;
    const agent = await startProcess(
      process.execPath,
      [resolve(repoRoot, 'apps/agent/dist/main.js'), '--config', w.configPath],
      {
        readyPattern: /"msg":"agent started"/,
        cwd: repoRoot,
      },
    );
    w.agent = agent;
    await waitFor(() => w.cloud.presence.some((p) => p.state === 'online'), 15_000, 'bundled agent online');
    expect((await w.cloud.waitForResult(await w.cloud.send('reg-ikkm', sale(3_300)))).status).toBe('done');
    let failure = '';
    try {
      execFileSync(
        process.execPath,
        [resolve(repoRoot, 'apps/agent/dist/main.js'), '--config', resolve(repoRoot, 'package.json')],
        {
          stdio: 'pipe',
        },
      );
    } catch (error) {
      failure = String((error as { stderr?: Buffer }).stderr);
      expect((error as { status?: number }).status).toBe(2);
    }
    expect(failure).toContain('invalid config');
    expect(failure).toContain('agentId');
  });
});
