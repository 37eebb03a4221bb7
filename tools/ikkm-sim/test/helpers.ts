import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IkkmSimulator, startIkkmSimulator } from '../src/index';

export const INITIAL_KEY = '11112222';

export interface DeviceAnswer {
  status: number;
  statusText: string;
  body: string;
}

export interface TestDevice {
  sim: IkkmSimulator;
  url: string;
  stateDir: string;
  /** A web-api call: GET with a query, or POST with a form body (the way the seed describes both). */
  call(path: string, params?: Record<string, string>, method?: 'GET' | 'POST'): Promise<DeviceAnswer>;
  /** The body parsed as JSON (for getInfo and the dump tables). */
  json<T = unknown>(path: string, params?: Record<string, string>): Promise<T>;
  /** The device's current key, read through the control API. */
  key(): Promise<string>;
  control<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T>;
  journal(): Promise<JournalView[]>;
  /** A sale with the current key; returns the new key and check number. */
  sell(amount: string, extra?: Record<string, string>): Promise<DeviceAnswer>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface JournalView {
  seq: number;
  kind: string;
  checkNumber?: number;
  shiftNumber: number;
  total: number;
  amount: number;
  change: number;
  taxAmount: number;
  payments: { cash: number; bank: number; tara: number; credit: number };
  key: string;
  newKey: string;
  at: number;
  ofdItems: { name: string; price?: string; qty?: string; sum?: string; discount?: string }[];
  itemsSummarized: boolean;
  itemdataCount: number;
  print?: string;
  ofd?: { status: number; submittedAt: number | null; onlineCode: string };
}

export async function call(
  baseUrl: string,
  path: string,
  params: Record<string, string> = {},
  method: 'GET' | 'POST' = 'GET',
): Promise<DeviceAnswer> {
  const form = new URLSearchParams(params).toString();
  const response =
    method === 'GET'
      ? await fetch(`${baseUrl}${path}${form ? `${path.includes('?') ? '&' : '?'}${form}` : ''}`)
      : await fetch(`${baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
          body: form,
        });
  return { status: response.status, statusText: response.statusText, body: await response.text() };
}

export async function startTestDevice(
  options: { stateDir?: string; key?: string; now?: () => number } = {},
): Promise<TestDevice> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'ikkm-sim-test-'));
  const start = () =>
    startIkkmSimulator({
      port: 0,
      key: options.key ?? INITIAL_KEY,
      stateDir,
      ...(options.now ? { now: options.now } : {}),
    });
  let sim = await start();

  const device: TestDevice = {
    get sim() {
      return sim;
    },
    get url() {
      return sim.url;
    },
    stateDir,
    call: (path, params, method) => call(sim.url, path, params, method),
    async json<T>(path: string, params: Record<string, string> = {}) {
      const answer = await call(sim.url, path, params);
      if (answer.status !== 200)
        throw new Error(`${path}: HTTP ${answer.status} ${answer.statusText}: ${answer.body}`);
      return JSON.parse(answer.body) as T;
    },
    async key() {
      return (await device.control<{ key: string }>('GET', '/_sim/state')).key;
    },
    async control<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
      const response = await fetch(`${sim.url}${path}`, {
        method,
        ...(body !== undefined
          ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
          : {}),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}: ${text}`);
      return JSON.parse(text) as T;
    },
    async journal() {
      return (await device.control<{ entries: JournalView[] }>('GET', '/_sim/journal')).entries;
    },
    async sell(amount, extra = {}) {
      return call(sim.url, '/api', { key: await device.key(), sale: amount, cash: amount, ...extra }, 'POST');
    },
    async restart() {
      await sim.close();
      sim = await start();
    },
    async stop() {
      await sim.close();
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return device;
}

export const HOUR_MS = 3_600_000;
