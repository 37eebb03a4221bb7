import { request } from 'node:http';
import type { Prng } from '@kassa-relay/testing';
import { saleBody, sleep } from '@kassa-relay/testing';
import type { RegisterKind } from './world';

/** One `/sale` of the soak: its amount is unique in the run, so a journal entry names its sale. */
export interface Sale {
  index: number;
  register: RegisterKind;
  docTime: string;
  docNumber: string;
  /** tiyn; whole tenge (the iKKM takes digits only). */
  amount: number;
}

export interface SaleAnswer {
  status?: string;
  code?: number;
  message?: string;
  fiscalID?: string;
  fiscalNum?: string;
  checkNum?: string;
  documentID?: number;
}

/** What one POS client saw for one sale. */
export interface SaleRecord {
  sale: Sale;
  attempts: number;
  /** Attempts that ended in a network or HTTP error (no seed 001 answer). */
  transportErrors: number;
  /** Answers with code 5. */
  code5: number;
  /** The answer the client stopped on (code 0, or a code that refuses the sale), if any. */
  final: SaleAnswer | undefined;
  firstSentAt: number;
  finalAt: number | undefined;
  /** The last few non-final outcomes, each with its wall-clock time (as in the processes' logs). */
  recent: string[];
}

/** Amounts 10 000 ₸ + index (tiyn): unique, whole tenge, far below any column limit. */
export function makeSales(count: number, prng: Prng, runTag: string): Sale[] {
  const docTime = localTime(new Date());
  return Array.from({ length: count }, (_, index) => ({
    index,
    register: prng.chance(0.5) ? 'ikkm' : 'cash-core',
    docTime,
    docNumber: `CH-${runTag}-${index + 1}`,
    amount: (10_000 + index) * 100,
  }));
}

/** The sale's `/sale` body: one line named after its document, paid in cash. */
function soakSaleBody(sale: Sale): string {
  return JSON.stringify(
    saleBody(sale.docNumber, sale.amount, {
      docTime: sale.docTime,
      employeeName: 'Хаос К.',
      items: [
        {
          itemId: String(sale.index + 1),
          itemName: `Товар ${sale.docNumber}`,
          itemQty: 1000,
          itemAmount: sale.amount,
        },
      ],
    }),
  );
}

/** Seed 001: code 0 is done; code 5 is "internal error / in progress / in doubt": repeat the same request. */
export const isFinal = (answer: SaleAnswer): boolean => answer.code !== undefined && answer.code !== 5;

export interface ClientPoolOptions {
  cloudUrl: () => string;
  posKey: (kind: RegisterKind) => string;
  clients: number;
  /** Per request: longer than the cloud's POS wait. */
  requestTimeoutMs: number;
  prng: Prng;
  /** Sale `index` may start only when this resolves (the fault schedule's gate). */
  gate: (index: number) => Promise<void>;
  /** Once set, a client gives up its sale when this time has passed. */
  giveUpAt: () => number | undefined;
  onStarted?: (started: number) => void;
}

/**
 * `clients` careful POS clients working through the sales in order: each sends its sale, and on a
 * network error, an HTTP error or code 5 repeats the very same request (same docTime, docNumber,
 * amount) with backoff until a final answer — or until `giveUpAt`.
 */
export class ClientPool {
  readonly records: SaleRecord[];
  private next = 0;
  private started = 0;
  private stopped = false;

  constructor(
    private readonly sales: Sale[],
    private readonly options: ClientPoolOptions,
  ) {
    this.records = sales.map((sale) => ({
      sale,
      attempts: 0,
      transportErrors: 0,
      code5: 0,
      final: undefined,
      firstSentAt: 0,
      finalAt: undefined,
      recent: [],
    }));
  }

  get startedCount(): number {
    return this.started;
  }

  get finishedCount(): number {
    return this.records.filter((r) => r.final !== undefined).length;
  }

  stop(): void {
    this.stopped = true;
  }

  async run(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.options.clients }, (_, i) =>
        this.client(this.options.prng.fork(`client-${i}`)),
      ),
    );
  }

  private async client(prng: Prng): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const index = this.next;
      if (index >= this.sales.length) return;
      this.next += 1;
      await this.options.gate(index);
      this.started += 1;
      this.options.onStarted?.(this.started);
      await this.drive(this.records[index] as SaleRecord, prng);
    }
  }

  private async drive(record: SaleRecord, prng: Prng): Promise<void> {
    const body = soakSaleBody(record.sale);
    record.firstSentAt = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      if (this.stopped) return;
      const giveUpAt = this.options.giveUpAt();
      if (giveUpAt !== undefined && Date.now() > giveUpAt) return;
      record.attempts += 1;
      const outcome = await postSale(
        `${this.options.cloudUrl()}/sale`,
        this.options.posKey(record.sale.register),
        body,
        this.options.requestTimeoutMs,
      );
      if ('answer' in outcome && isFinal(outcome.answer)) {
        record.final = outcome.answer;
        record.finalAt = Date.now();
        return;
      }
      if ('answer' in outcome) record.code5 += 1;
      else record.transportErrors += 1;
      record.recent.push(
        `${new Date().toISOString()} ` +
          ('answer' in outcome
            ? `code ${outcome.answer.code}: ${outcome.answer.message ?? ''}`
            : outcome.error),
      );
      if (record.recent.length > 6) record.recent.shift();
      const backoff = Math.min(250 * 2 ** Math.min(attempt, 4), 3_000);
      await sleep(backoff / 2 + prng.next() * (backoff / 2));
    }
  }
}

type PostOutcome = { answer: SaleAnswer } | { error: string };

function postSale(url: string, posKey: string, body: string, timeoutMs: number): Promise<PostOutcome> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const payload = Buffer.from(body, 'utf8');
    let settled = false;
    const done = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${posKey}`,
          'content-type': 'application/json',
          'content-length': String(payload.length),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => done({ error: `response: ${error.message}` }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return done({ error: `HTTP ${res.statusCode}: ${text.slice(0, 200)}` });
          try {
            const answer = JSON.parse(text) as SaleAnswer;
            if (typeof answer.code !== 'number') return done({ error: `no code: ${text.slice(0, 200)}` });
            done({ answer });
          } catch {
            done({ error: `not JSON: ${text.slice(0, 200)}` });
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => done({ error: error.message }));
    req.end(payload);
  });
}

/** `yyyy-MM-dd hh:mm:ss` (seed 001's docTime), local time. */
function localTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ` +
    `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`
  );
}
