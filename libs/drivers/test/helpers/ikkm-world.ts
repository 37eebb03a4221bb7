import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  type CanonicalCommand,
  type CommandOutcome,
  type CommandResult,
  type ReceiptInput,
  receiptSchema,
} from '@kassa-relay/protocol';
import { type IkkmSimulator, type JournalEntry, startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import { tempDir } from '@kassa-relay/testing';
import { IkkmDriver, type IkkmDriverConfig } from '../../src/ikkm/ikkm-driver';
import type {
  ExecuteContext,
  IkkmKeyStore,
  ReconcileCheckpoint,
  ReconcileVerdict,
} from '../../src/register-driver';

export const INITIAL_KEY = '11112222';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A real iKKM simulator on 127.0.0.1, a driver on it, and what the agent would keep. */
export interface IkkmWorld {
  sim: IkkmSimulator;
  driver: IkkmDriver;
  /** The key store's history; the last one is the stored key. */
  keys: string[];
  /** Every checkpoint the driver wrote, in order (the last one is what the agent keeps). */
  checkpoints: ReconcileCheckpoint[];
  context: ExecuteContext;
  latest(): ReconcileCheckpoint | undefined;
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  journal(): Promise<JournalEntry[]>;
  /** The device's current key (what an operator would read off the device). */
  deviceKey(): Promise<string>;
  /** Another client on the same device: a sale with the given key, straight over HTTP. */
  otherClientSale(key: string, tenge: number): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function ikkmWorld(
  options: {
    driver?: Partial<IkkmDriverConfig>;
    simAcceptDecimals?: boolean;
    keyStore?: (keys: string[]) => IkkmKeyStore;
    baseUrl?: (simUrl: string) => string;
  } = {},
): Promise<IkkmWorld> {
  const dir = tempDir('ikkm-world-');
  const sim = await startIkkmSimulator({
    port: 0,
    key: INITIAL_KEY,
    stateDir: join(dir.path, 'sim'),
    ...(options.simAcceptDecimals !== undefined ? { acceptDecimals: options.simAcceptDecimals } : {}),
  });
  const keys = [INITIAL_KEY];
  const checkpoints: ReconcileCheckpoint[] = [];
  const keyStore = options.keyStore?.(keys) ?? {
    load: () => keys[keys.length - 1] as string,
    save: (key: string) => void keys.push(key),
  };
  const driver = new IkkmDriver({
    baseUrl: options.baseUrl ? options.baseUrl(sim.url) : sim.url,
    keyStore,
    timeoutMs: 2_000,
    ...options.driver,
  });
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${sim.url}/_sim${path}`, {
      method,
      ...(body !== undefined
        ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
        : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    sim,
    driver,
    keys,
    checkpoints,
    context: { commandId: 'c1', checkpoint: (data) => void checkpoints.push(data) },
    latest: () => checkpoints[checkpoints.length - 1],
    control,
    journal: async () => (await control<{ entries: JournalEntry[] }>('GET', '/journal')).entries,
    deviceKey: async () => (await control<{ key: string }>('GET', '/state')).key,
    otherClientSale: async (key, tenge) => {
      const response = await fetch(`${sim.url}/api`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ key, sale: String(tenge), cash: String(tenge) }).toString(),
      });
      return { status: response.status, body: await response.text() };
    },
    close: async () => {
      await sim.close().catch(() => undefined);
      dir.remove();
    },
  };
}

export const sale = (tiyn: number, extra: Partial<ReceiptInput> = {}): CanonicalCommand =>
  receiptSchema.parse({
    type: 'receipt',
    operation: 'sale',
    items: [{ name: 'Кофе', quantity: 1000, price: tiyn, sum: tiyn }],
    payments: [{ kind: 'cash', amount: tiyn }],
    total: tiyn,
    ...extra,
  });

export const okResult = (outcome: CommandOutcome | undefined): CommandResult => {
  if (!outcome?.ok) throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  return outcome.result;
};

export interface AgentRun {
  /** `done`/`failed`: settled; `inDoubt`: still in doubt when the test stopped asking. */
  final: 'done' | 'failed' | 'inDoubt';
  outcome?: CommandOutcome;
  executions: CommandOutcome[];
  verdicts: ReconcileVerdict[];
}

/**
 * Drives a command the way the agent does (apps/agent command-executor): execute; REGISTER_BUSY →
 * wait and execute again; RESULT_UNKNOWN → reconcile with a pause until the verdict is not in
 * doubt (done → finished; notDone → execute again). Bounded so a test always ends: still in doubt
 * after `maxReconciles` → `inDoubt`. `onNeeds` plays the operator (true = handled, ask again).
 */
export async function runLikeAgent(
  w: IkkmWorld,
  command: CanonicalCommand,
  options: {
    pauseMs?: number;
    maxReconciles?: number;
    afterExecute?: (outcome: CommandOutcome) => Promise<void> | void;
    onVerdict?: (verdict: ReconcileVerdict, attempt: number) => Promise<void> | void;
    onNeeds?: (verdict: Extract<ReconcileVerdict, { state: 'inDoubt' }>) => Promise<boolean> | boolean;
  } = {},
): Promise<AgentRun> {
  const pause = options.pauseMs ?? 100;
  const executions: CommandOutcome[] = [];
  const verdicts: ReconcileVerdict[] = [];
  let attempt = 0;
  for (let run = 0; run < 5; run += 1) {
    let outcome = await w.driver.execute(command, w.context);
    executions.push(outcome);
    await options.afterExecute?.(outcome);
    for (let busy = 0; !outcome.ok && outcome.error.code === 'REGISTER_BUSY' && busy < 30; busy += 1) {
      await sleep(pause);
      outcome = await w.driver.execute(command, w.context);
      executions.push(outcome);
    }
    if (outcome.ok || outcome.error.code !== 'RESULT_UNKNOWN')
      return { final: outcome.ok ? 'done' : 'failed', outcome, executions, verdicts };
    let notDone = false;
    for (let round = 0; round < (options.maxReconciles ?? 40); round += 1) {
      const verdict = await w.driver.reconcile({
        command,
        commandId: w.context.commandId,
        checkpoint: w.latest(),
        deadlinePassed: false,
        attempt,
      });
      attempt += 1;
      verdicts.push(verdict);
      await options.onVerdict?.(verdict, attempt - 1);
      if (verdict.state === 'done')
        return {
          final: verdict.outcome.ok ? 'done' : 'failed',
          outcome: verdict.outcome,
          executions,
          verdicts,
        };
      if (verdict.state === 'notDone') {
        notDone = true;
        break;
      }
      if (verdict.needs && !(await options.onNeeds?.(verdict)))
        return { final: 'inDoubt', executions, verdicts };
      await sleep(pause);
    }
    if (!notDone) return { final: 'inDoubt', executions, verdicts };
  }
  return { final: 'inDoubt', executions, verdicts };
}

/**
 * A pass-through HTTP proxy in front of the simulator that records the method and path of every
 * request, to see what the driver really puts on the wire.
 */
export async function recordingProxy(): Promise<{
  target: { url: string };
  url: string;
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}> {
  const requests: { method: string; path: string }[] = [];
  const target = { url: '' };
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '' });
    const upstream = httpRequest(
      `${target.url}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
