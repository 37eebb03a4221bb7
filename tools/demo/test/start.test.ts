import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdminApi,
  freePort,
  saleBody,
  type StartedProcess,
  startProcess,
  tempDir,
  waitUntil,
} from '@kassa-relay/testing';

const repoRoot = resolve(__dirname, '../../..');

function portFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolveFree(true)));
  });
}

/** Whether a process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !(existsSync(stat) && /^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8')));
}

interface DemoFile {
  adminEmail: string;
  adminPassword: string;
  registers: { id: string; kind: string; posKey: string }[];
}

async function sale(cloudUrl: string, posKey: string, docNumber: string, amount: number) {
  const response = await fetch(`${cloudUrl}/sale`, {
    method: 'POST',
    headers: { authorization: `Bearer ${posKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(saleBody(docNumber, amount)),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { status: string; code: number; fiscalID?: string };
}

/** The admin API, signed in as the demo's admin. */
async function signIn(cloudUrl: string, demo: DemoFile): Promise<AdminApi['api']> {
  const admin = new AdminApi(cloudUrl, { email: demo.adminEmail, password: demo.adminPassword });
  await admin.login();
  return admin.api;
}

/**
 * `npm start` as a person uses it: the launcher process with its state in a temp directory and
 * every port moved off the defaults (so it can run beside anything), Ctrl-C, and a second start.
 */
describe('npm start: cloud, agent and both simulators with a demo organisation', () => {
  const dir = tempDir('kassa-demo-');
  const ports = {
    http: 0,
    mqtt: 0,
    postgres: 0,
    ikkm: 0,
    cashCore: 0,
    agentHealth: 0,
  };
  const demoFile = join(dir.path, 'demo.json');
  const postmasterFile = join(dir.path, 'cloud', 'postgres', 'postmaster.pid');
  let launcher: StartedProcess | undefined;
  const fiscalIds = new Map<string, string>();
  const cloudUrl = () => `http://127.0.0.1:${ports.http}`;

  const start = async (): Promise<StartedProcess> => {
    launcher = await startProcess(process.execPath, ['--import', 'tsx', 'tools/demo/src/main.ts'], {
      cwd: repoRoot,
      readyPattern: /^kassa-relay is running\.$/,
      timeoutMs: 240_000,
      env: {
        KASSA_DEMO_DIR: dir.path,
        KASSA_DEMO_PORT: String(ports.http),
        KASSA_DEMO_MQTT_PORT: String(ports.mqtt),
        KASSA_DEMO_PG_PORT: String(ports.postgres),
        KASSA_DEMO_IKKM_PORT: String(ports.ikkm),
        KASSA_DEMO_CASH_CORE_PORT: String(ports.cashCore),
        KASSA_DEMO_AGENT_PORT: String(ports.agentHealth),
        // The dashboard's own test builds its bundle; two concurrent `vite build`s into one dist/
        // would collide. What the launcher builds is covered by build.spec.ts.
        KASSA_DEMO_BUILD: 'off',
      },
    });
    // The summary is printed in one go after the ready line: let it arrive.
    const output = launcher.output;
    await waitUntil(() => output.some((l) => l.startsWith('Ctrl-C stops everything')), 5_000).catch(
      () => undefined,
    );
    return launcher;
  };

  /** Ctrl-C, then: exit code 0, every port free, the PostgreSQL server gone. */
  const stopWithCtrlC = async (run: StartedProcess) => {
    const postmaster = Number(readFileSync(postmasterFile, 'utf8').split('\n')[0]);
    expect(alive(postmaster)).toBe(true);
    expect(await run.stop('SIGINT', 90_000)).toBe(0);
    launcher = undefined;
    expect(run.output).toContain('stopped: agent, cloud, simulators. Data kept in ' + dir.path + '.');
    expect(existsSync(postmasterFile)).toBe(false);
    await waitUntil(() => !alive(postmaster), 5_000).catch(() => undefined);
    expect(alive(postmaster)).toBe(false);
    for (const [name, port] of Object.entries(ports))
      expect([name, await portFree(port)]).toEqual([name, true]);
  };

  beforeAll(async () => {
    const taken = new Set<number>();
    for (const name of Object.keys(ports) as (keyof typeof ports)[]) {
      let port = await freePort();
      while (taken.has(port)) port = await freePort();
      taken.add(port);
      ports[name] = port;
    }
  });

  afterAll(async () => {
    await launcher?.stop('SIGTERM', 60_000);
    // Only if a failed test left it: never leave a PostgreSQL running behind the suite.
    if (existsSync(postmasterFile)) {
      const pid = Number(readFileSync(postmasterFile, 'utf8').split('\n')[0]);
      if (alive(pid)) process.kill(pid, 'SIGQUIT');
    }
    dir.remove();
  });

  it('first run: seeds through the admin API, prints and saves the login and POS keys; both registers fiscalize; Ctrl-C stops everything', async () => {
    const run = await start();
    const demo = JSON.parse(readFileSync(demoFile, 'utf8')) as DemoFile;
    expect(Object.keys(demo)).toEqual(['adminEmail', 'adminPassword', 'registers']);
    expect(demo.adminEmail).toBe('admin@demo.local');
    expect(demo.adminPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(demo.registers.map((r) => Object.keys(r))).toEqual([
      ['id', 'kind', 'posKey'],
      ['id', 'kind', 'posKey'],
    ]);
    expect(demo.registers.map((r) => r.kind)).toEqual(['ikkm', 'cash-core']);
    for (const r of demo.registers) expect(r.posKey).toMatch(/^kr_pos_/);

    // The terminal shows what demo.json holds, and where to go.
    const printed = run.output.join('\n');
    expect(printed).toContain(`${cloudUrl()}/api/docs`);
    expect(printed).toContain(`POST ${cloudUrl()}/sale`);
    expect(printed).toContain(`${demo.adminEmail}  /  ${demo.adminPassword}`);
    for (const r of demo.registers) expect(printed).toContain(`${r.id}  ${r.posKey}`);
    expect(printed).toContain('first run: creating the demo organisation through the admin API');
    expect(printed).toContain('agent enrolled (kassa-agent enroll)');
    for (const log of ['cloud.log', 'agent.log', 'ikkm-sim.log', 'cash-core-sim.log'])
      expect(existsSync(join(dir.path, 'logs', log))).toBe(true);

    // One store, two registers served by the one enrolled agent, as the admin API shows them.
    const api = await signIn(cloudUrl(), demo);
    const stores = await api.stores.list();
    expect(stores).toEqual([expect.objectContaining({ registerCount: 2, agentCount: 1 })]);
    const registers = await api.registers.list();
    expect(registers.map((r) => [r.id, r.kind, r.agentOnline, r.currency]).sort()).toEqual(
      demo.registers.map((r) => [r.id, r.kind, true, 'KZT']).sort(),
    );
    const ikkm = await api.registers.get(demo.registers[0]!.id);
    expect(ikkm.taxTable).toEqual([expect.objectContaining({ percent: 12 })]);

    // Each POS key fiscalizes on its own register, which prints it.
    for (const [index, register] of demo.registers.entries()) {
      const total = 35_000 + index * 1_000;
      const answer = await sale(cloudUrl(), register.posKey, `DEMO-${index}`, total);
      expect(answer).toMatchObject({ status: 'success', code: 0 });
      expect(answer.fiscalID).toBeTruthy();
      fiscalIds.set(register.id, answer.fiscalID!);
      const simPort = register.kind === 'ikkm' ? ports.ikkm : ports.cashCore;
      const journal = (await (await fetch(`http://127.0.0.1:${simPort}/_sim/journal`)).json()) as {
        entries: { kind: string; total?: number }[];
      };
      expect(journal.entries.filter((e) => e.kind === 'sale' && e.total === total)).toHaveLength(1);
    }

    await stopWithCtrlC(run);
  }, 300_000);

  it('second run: nothing re-seeded, demo.json unchanged, the earlier documents are still there', async () => {
    const before = readFileSync(demoFile, 'utf8');
    const run = await start();
    expect(readFileSync(demoFile, 'utf8')).toBe(before);
    expect(run.output.join('\n')).not.toContain('first run');
    const demo = JSON.parse(before) as DemoFile;

    const api = await signIn(cloudUrl(), demo);
    expect(await api.stores.list()).toHaveLength(1);
    const documents = await api.documents.list({ operation: 'sale' });
    expect(documents.items.map((d) => [d.registerId, d.fiscalId, d.status]).sort()).toEqual(
      [...fiscalIds].map(([registerId, fiscalId]) => [registerId, fiscalId, 'done']).sort(),
    );
    // The same sale again is recognised, not fiscalized twice: the same fiscal ID.
    for (const [index, register] of demo.registers.entries()) {
      const answer = await sale(cloudUrl(), register.posKey, `DEMO-${index}`, 35_000 + index * 1_000);
      expect(answer).toMatchObject({ status: 'success', code: 0, fiscalID: fiscalIds.get(register.id) });
    }

    await stopWithCtrlC(run);
  }, 300_000);
});
