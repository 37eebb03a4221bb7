import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
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
  /** `POST /_sim/reboot`: the device forgets its replay memory and last document, in-process. */
  reboot(): Promise<void>;
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

/**
 * One web-api exchange over node:http (fetch/undici mangles a non-ASCII reason phrase; node:http
 * hands its bytes over one character per byte, which `utf8Reason` turns back into the text).
 */
export async function call(
  baseUrl: string,
  path: string,
  params: Record<string, string> = {},
  method: 'GET' | 'POST' = 'GET',
): Promise<DeviceAnswer> {
  const form = new URLSearchParams(params).toString();
  const url =
    method === 'GET'
      ? `${baseUrl}${path}${form ? `${path.includes('?') ? '&' : '?'}${form}` : ''}`
      : `${baseUrl}${path}`;
  const body = method === 'POST' ? Buffer.from(form, 'utf8') : undefined;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        agent: false,
        headers: body
          ? {
              'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
              'content-length': body.length,
            }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: utf8Reason(res.statusMessage ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The reason phrase as the device meant it: its bytes are UTF-8 (Russian reasons), and an HTTP
 * client hands them over one character per byte (latin1).
 */
export function utf8Reason(latin1: string): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(latin1, 'latin1'));
}

export async function startTestDevice(
  options: {
    stateDir?: string;
    key?: string;
    now?: () => number;
    acceptDecimals?: boolean;
    reasonLanguage?: 'ru' | 'en';
  } = {},
): Promise<TestDevice> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'ikkm-sim-test-'));
  const start = () =>
    startIkkmSimulator({
      port: 0,
      key: options.key ?? INITIAL_KEY,
      stateDir,
      ...(options.now ? { now: options.now } : {}),
      ...(options.acceptDecimals !== undefined ? { acceptDecimals: options.acceptDecimals } : {}),
      ...(options.reasonLanguage ? { reasonLanguage: options.reasonLanguage } : {}),
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
    async reboot() {
      await device.control('POST', '/_sim/reboot');
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
