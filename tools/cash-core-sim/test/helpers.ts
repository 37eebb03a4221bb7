import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningCashCoreSimulator, startCashCoreSimulator } from '../src/index';

export const ADMIN_PIN = '0000';

export interface Envelope<T = unknown> {
  response_code: number;
  response_data: T;
}

// Answers are JSON of arbitrary depth; tests index into them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface SimHandle {
  url: string;
  dir: string;
  running: RunningCashCoreSimulator;
  /** Calls a seed method with the admin PIN unless `auth` says otherwise (`null`: no header). */
  call<T = Json>(
    method: string,
    body?: unknown,
    options?: { auth?: string | null; http?: 'GET' | 'POST'; query?: string },
  ): Promise<Envelope<T>>;
  raw(method: string, init?: RequestInit): Promise<Response>;
  control<T = Json>(httpMethod: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
  restart(options?: { adminPin?: string }): Promise<void>;
  close(): Promise<void>;
}

export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'cash-core-sim-test-'));
}

export async function startSim(
  options: { adminPin?: string; dir?: string; now?: () => number } = {},
): Promise<SimHandle> {
  const dir = options.dir ?? makeTempDir();
  let running = await startCashCoreSimulator({
    port: 0,
    stateDir: dir,
    adminPin: options.adminPin,
    now: options.now,
  });
  const handle: SimHandle = {
    get url() {
      return running.url;
    },
    dir,
    get running() {
      return running;
    },
    async call(method, body, callOptions = {}) {
      const auth = callOptions.auth === undefined ? ADMIN_PIN : callOptions.auth;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (auth !== null) headers['authorization'] = auth;
      const http = callOptions.http ?? 'POST';
      const query = callOptions.query ? `?${callOptions.query}` : '';
      const response = await fetch(`${running.url}/${method}${query}`, {
        method: http,
        headers,
        body:
          http === 'POST' && body !== undefined
            ? typeof body === 'string'
              ? body
              : JSON.stringify(body)
            : undefined,
      });
      return (await response.json()) as Envelope<never>;
    },
    raw(method, init) {
      return fetch(`${running.url}/${method}`, init);
    },
    async control(httpMethod, path, body) {
      const response = await fetch(`${running.url}/_sim/${path}`, {
        method: httpMethod,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await response.json()) as never;
    },
    async restart(restartOptions = {}) {
      await running.close();
      running = await startCashCoreSimulator({
        port: 0,
        stateDir: dir,
        adminPin: restartOptions.adminPin,
        now: options.now,
      });
    },
    async close() {
      await running.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** The seed's TradeOperation example request, verbatim. */
export function seedTradeOperation(): Json {
  return {
    kkm_ofd_id: 6923,
    is_printable: true,
    image_width: 576,
    image_scale: 1.3,
    image_pixel_draw_threshold: 192,
    operation: 2,
    domain: { type: 0 },
    items: [
      {
        type: 1,
        commodity: {
          name: 'tovar1',
          section_code: 'Отдел1',
          quantity: 2,
          price: 1000,
          sum: 2000,
          taxes: [],
          excise_stamp: 'excise_stamp_value',
          physical_label: 'physical_label_value',
          product_id: 'product_id_value',
          barcode: '123456789012345',
          measure_unit_code: '116',
          auxiliary: [],
        },
        discount: { name: 'Скидка на позицию tovar1', sum: 50, taxes: [], auxiliary: [] },
      },
    ],
    payments: [
      { type: 0, sum: 1000 },
      { type: 1, sum: 1000 },
    ],
    taxes: [{ taxation_type: 101, percent: 12, sum: 187.5, is_in_total_sum: true }],
    amounts: {
      total: 1750,
      taken: 0,
      change: 0,
      markup: { name: '', sum: 0, taxes: [], auxiliary: [] },
      discount: { name: 'Сумма общей скидки', sum: 200, taxes: [], auxiliary: [] },
    },
    customer_iin_or_bin: '123456789012',
    auxiliary: [],
  };
}

/** A minimal valid sale: one item `price × quantity`, paid as given (cash by default). */
export function simpleSale(
  options: {
    price?: number;
    quantity?: number;
    operation?: number;
    payments?: { type: number; sum: number }[];
    kkm?: number;
    section?: string;
  } = {},
): Json {
  const price = options.price ?? 100;
  const quantity = options.quantity ?? 1;
  const sum = Math.round(price * quantity * 100) / 100;
  return {
    kkm_ofd_id: options.kkm ?? 6923,
    operation: options.operation ?? 2,
    items: [
      {
        type: 1,
        commodity: {
          name: 'Хлеб',
          section_code: options.section ?? '1',
          quantity,
          price,
          sum,
          measure_unit_code: '796',
          taxes: [],
        },
      },
    ],
    payments: options.payments ?? [{ type: 0, sum }],
  };
}

export async function kkm6923(sim: SimHandle): Promise<Json> {
  const list = await sim.call('GetKKMList', { ofd_id: 6923 });
  return list.response_data[0];
}
