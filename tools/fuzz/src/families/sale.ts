import {
  parseSaleRequest,
  paymentKindSchema,
  saleAnswerSchema,
  saleRequestToCommand,
} from '@kassa-relay/protocol';
import { headerText, redact, sendHttp, showBody } from '../http';
import { type JsonLike, mutateJson, serialize } from '../mutate';
import { type Prng, type SaleBody, saleBody } from '@kassa-relay/testing';
import type { Family, FuzzContext, FuzzInput, Outcome } from '../types';

/** The cloud's /sale body limit (apps/cloud/src/core/raw-body.ts). */
export const SALE_LIMIT_BYTES = 2 * 1024 * 1024;

export const SALE_KEYS = [
  'docTime',
  'docNumber',
  'wsName',
  'departmentName',
  'employeeName',
  'amount',
  'currency',
  'items',
  'payments',
  'fiscalID',
  'printFooter',
  'itemId',
  'itemName',
  'itemAttr',
  'itemQRCode',
  'itemQty',
  'itemAmount',
  'discount',
  'itemTaxes',
  'taxName',
  'taxPrc',
  'calcType',
  'itemMarginSum',
  'itemMarginPrice',
  'cashAmount',
  'cashlessAmount',
  'creditAmount',
  'bonusesAmount',
  'prepaymentAmount',
  'installmentAmount',
];

const NAMES = ['Кофе', 'Чай зелёный', 'Булочка с маком', 'Вода 0,5л', 'Шоколад "Казахстан"', 'Сахар 1 кг'];

/** A valid seed 001 body: 1–3 lines, sums that agree, paid in cash (sometimes partly by card). */
export function validSaleBody(prng: Prng, docNumber: string): { [key: string]: JsonLike } {
  const count = prng.int(1, 3);
  const items: SaleBody['items'] = [];
  let total = 0;
  for (let i = 0; i < count; i += 1) {
    const qty = prng.pick([1000, 2000, 500, 1500]);
    const amount = prng.int(1, 500) * 100;
    total += amount;
    items.push({
      itemId: String(prng.int(1, 9999)),
      itemName: prng.pick(NAMES),
      itemQty: qty,
      itemAmount: amount,
      ...(prng.chance(0.3) ? { itemTaxes: [{ taxName: 'НДС', taxPrc: 1200, calcType: 1 as const }] } : {}),
    });
  }
  const card = prng.chance(0.2) ? Math.floor(total / 2) : 0;
  // The random draws stay in this order (docTime, then the cashier): a seed replays the same bodies.
  return saleBody(docNumber, total, {
    docTime: `2026-${String(prng.int(1, 12)).padStart(2, '0')}-${String(prng.int(1, 28)).padStart(2, '0')} ${String(prng.int(8, 21)).padStart(2, '0')}:${String(prng.int(0, 59)).padStart(2, '0')}:00`,
    employeeName: prng.pick(['Иванова А.', 'Петров С.', 'Ким Д.']),
    items,
    payments: card > 0 ? { cashAmount: total - card, cashlessAmount: card } : { cashAmount: total },
  }) as { [key: string]: JsonLike };
}

const ALL_PAYMENT_KINDS = paymentKindSchema.options;

/**
 * The protocol library's own verdict on a body, as the cloud decodes it (bytes → UTF-8 text):
 * valid means /sale may send it to a register. The most permissive register is assumed (every
 * payment kind), so "invalid" is invalid on every register.
 */
export function saleBodyIsValid(body: Buffer): boolean {
  try {
    const parsed = parseSaleRequest(body.toString('utf8'));
    if (!parsed.ok) return false;
    return saleRequestToCommand(parsed.request, { paymentKinds: ALL_PAYMENT_KINDS }).ok;
  } catch {
    // The conversion throws (e.g. an amount no decimal can hold): the cloud answers code 5 and sends nothing.
    return false;
  }
}

interface SaleRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  chunked: boolean;
  /** Its own connection (not kept alive): a body cut short or a bad encoding must not leak into the next request. */
  fresh: boolean;
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/octet-stream',
  'application/xml',
  ';;;',
  'application/json, text/html',
  `application/json; ${'x=y; '.repeat(200)}`,
  'application/json\u00e9',
];

/** Seed 001 `POST /sale`: mutated valid bodies, odd content types and encodings, bad keys, oversize bodies. */
export function saleFamily(ctx: FuzzContext): Family {
  const run = async (request: SaleRequest, invalid: boolean): Promise<Outcome> => {
    const answer = await sendHttp({
      port: ctx.httpPort,
      method: 'POST',
      path: request.path,
      headers: request.headers,
      body: request.body,
      chunked: request.chunked,
      fresh: request.fresh,
      timeoutMs: ctx.posAnswerWithinMs,
    });
    if ('error' in answer) {
      // The cloud may close the connection behind an answer to a body far over its limit.
      if (request.body.length > SALE_LIMIT_BYTES) return { answer: `connection: ${answer.error}` };
      return { nonProtocol: { kind: 'sale.no-answer', detail: answer.error }, answer: answer.error };
    }
    const text = answer.body.toString('utf8');
    if (answer.status >= 500)
      return {
        fiveXX: { route: 'POST /sale', status: answer.status, body: text.slice(0, 300) },
        answer: `HTTP ${answer.status}`,
      };
    // Below the protocol: Node's HTTP parser refuses a request it cannot read (400, 413, 431).
    if (answer.status !== 200) {
      if ([400, 413, 431].includes(answer.status) && /^\s*$|Bad Request|Header/i.test(text))
        return { answer: `HTTP ${answer.status} (HTTP layer)` };
      return {
        nonProtocol: { kind: 'sale.http-status', detail: `HTTP ${answer.status}: ${text.slice(0, 200)}` },
        answer: `HTTP ${answer.status}`,
      };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return {
        nonProtocol: { kind: 'sale.not-json', detail: text.slice(0, 200) },
        answer: text.slice(0, 80),
      };
    }
    const parsed = saleAnswerSchema.safeParse(json);
    if (!parsed.success)
      return {
        nonProtocol: { kind: 'sale.answer-shape', detail: text.slice(0, 300) },
        answer: text.slice(0, 80),
      };
    const { status, code } = parsed.data;
    if ((status === 'success') !== (code === 0))
      return {
        nonProtocol: { kind: 'sale.status-code-mismatch', detail: text.slice(0, 300) },
        answer: text.slice(0, 80),
      };
    if (invalid && code === 0)
      return {
        accepted: true,
        nonProtocol: { kind: 'sale.accepted-invalid', detail: text.slice(0, 300) },
        answer: `code 0`,
      };
    return { accepted: code === 0, answer: `code ${code}` };
  };

  return {
    name: 'sale',
    generate(prng: Prng, index: number): FuzzInput {
      const realKeys = ctx.registers.map((r) => r.posKey);
      let key: string | undefined = prng.pick(realKeys);
      let keyNote = 'a real POS key';
      let keyValid = true;
      let path = '/sale';
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const notes: string[] = [];
      const kind = prng.weighted<string>([
        ['mutated', 70],
        ['contentType', 7],
        ['auth', 10],
        ['query', 5],
        ['oversize', 3],
        ['control', 2],
        ['encoding', 3],
      ]);
      const base = validSaleBody(prng, `FZ-${prng.seed.length}-${index}`);
      let body: Buffer = Buffer.from(serialize(base));
      let chunked = false;
      if (kind === 'mutated' || kind === 'control') {
        if (kind === 'mutated') {
          // Mutate until the protocol library refuses it (a mutation may leave a body valid).
          for (let attempt = 0; attempt < 4; attempt += 1) {
            const mutated = mutateJson(prng, base, { knownKeys: SALE_KEYS, limitBytes: SALE_LIMIT_BYTES });
            body = mutated.body;
            notes.splice(0, notes.length, ...mutated.notes);
            if (!saleBodyIsValid(body)) break;
          }
        } else notes.push('a valid sale (control)');
      } else if (kind === 'contentType') {
        headers['content-type'] = prng.pick(CONTENT_TYPES);
        notes.push(`content-type ${JSON.stringify(headers['content-type'].slice(0, 60))}`);
        if (prng.chance(0.7)) {
          const mutated = mutateJson(prng, base, { knownKeys: SALE_KEYS, limitBytes: SALE_LIMIT_BYTES });
          body = mutated.body;
          notes.push(...mutated.notes);
        } else if (prng.chance(0.5)) {
          body = Buffer.from(`docNumber=1&amount=1&items=x`);
          notes.push('a form body');
        }
        if (prng.chance(0.3)) delete headers['content-type'];
      } else if (kind === 'encoding') {
        const which = prng.pick(['gzip', 'chunked', 'both', 'identity-bad', 'length-short']);
        if (which === 'gzip' || which === 'both')
          headers['content-encoding'] = prng.pick(['gzip', 'deflate', 'br', 'x-unknown']);
        if (which === 'chunked' || which === 'both') chunked = true;
        if (which === 'identity-bad') headers['content-encoding'] = 'identity, gzip, gzip';
        if (which === 'length-short')
          headers['content-length'] = String(Math.max(0, body.length - prng.int(1, 20)));
        notes.push(`transfer: ${which}`);
        if (prng.chance(0.5)) {
          const mutated = mutateJson(prng, base, { knownKeys: SALE_KEYS, limitBytes: SALE_LIMIT_BYTES });
          body = mutated.body;
          notes.push(...mutated.notes);
        }
      } else if (kind === 'auth') {
        const which = prng.pick([
          'none',
          'empty-bearer',
          'random',
          'revoked',
          'basic',
          'long',
          'lowercase-scheme',
          'two-keys',
          'nul',
          'offline-register',
          'admin-jwt',
        ]);
        // Keys the cloud might take (a real key, however written): the body is then kept invalid.
        keyValid = ['lowercase-scheme', 'two-keys', 'offline-register'].includes(which);
        keyNote = `auth: ${which}`;
        key = undefined;
        const real = prng.pick(realKeys);
        if (which === 'empty-bearer') headers['authorization'] = 'Bearer ';
        else if (which === 'random') headers['authorization'] = `Bearer kr_pos_${prng.hex(32)}`;
        else if (which === 'revoked') headers['authorization'] = `Bearer ${ctx.revokedPosKey}`;
        else if (which === 'basic')
          headers['authorization'] = `Basic ${Buffer.from(`x:${real}`).toString('base64')}`;
        else if (which === 'long')
          headers['authorization'] = `Bearer kr_pos_${'A'.repeat(prng.pick([1000, 8000, 20000]))}`;
        else if (which === 'lowercase-scheme') headers['authorization'] = `bearer ${real}`;
        else if (which === 'two-keys') headers['authorization'] = `Bearer ${real} ${real}`;
        else if (which === 'nul') headers['authorization'] = `Bearer kr_pos_%00${prng.hex(8)}`;
        else if (which === 'offline-register') headers['authorization'] = `Bearer ${ctx.ownerPosKey}`;
        else if (which === 'admin-jwt') headers['authorization'] = `Bearer ${ctx.adminToken}`;
        notes.push(keyNote);
        // A real key with a valid body would be a sale: the body is mutated unless the key is bad.
        if (keyValid || prng.chance(0.5)) {
          for (let attempt = 0; attempt < 4; attempt += 1) {
            const mutated = mutateJson(prng, base, { knownKeys: SALE_KEYS, limitBytes: SALE_LIMIT_BYTES });
            body = mutated.body;
            notes.splice(1, notes.length, ...mutated.notes);
            if (!saleBodyIsValid(body)) break;
          }
        }
      } else if (kind === 'query') {
        const other = prng.pick([...ctx.registers.map((r) => r.id), ctx.ownerRegisterId]);
        const value = prng.pick([
          other,
          '%00',
          '',
          'x'.repeat(5000),
          `${other}&register=${other}`,
          '%ED%A0%80',
          '%',
          '../api/stores',
        ]);
        path = `/sale?register=${value}`;
        keyValid = false;
        notes.push(`query register=${value.slice(0, 60)}`);
        if (prng.chance(0.5)) {
          const mutated = mutateJson(prng, base, { knownKeys: SALE_KEYS, limitBytes: SALE_LIMIT_BYTES });
          body = mutated.body;
          notes.push(...mutated.notes);
        }
        // ?register= naming the key's own register is a valid request: keep the body invalid then.
        if (saleBodyIsValid(body)) {
          body = Buffer.from(serialize({ ...base, amount: -1 }));
          notes.push('.amount: -1');
        }
      } else {
        const size = SALE_LIMIT_BYTES + prng.pick([1, 4096, SALE_LIMIT_BYTES * 3, SALE_LIMIT_BYTES * 20]);
        // Built as bytes: a 40 MB string would cost more than sending it.
        body = Buffer.concat([
          Buffer.from('{"printFooter":"'),
          Buffer.alloc(size, 0x78),
          Buffer.from(`",${serialize(base).slice(1)}`),
        ]);
        notes.push(`printFooter of ${size} bytes (body over the 2 MiB limit)`);
        if (prng.chance(0.3)) {
          headers['content-length'] = String(prng.pick([SALE_LIMIT_BYTES * 100, 2 ** 40]));
          body = body.subarray(0, prng.int(0, 100_000));
          notes.push(`declares content-length ${headers['content-length']}, sends ${body.length} bytes`);
        }
      }
      if (key !== undefined) headers['authorization'] = `Bearer ${key}`;
      // Bodies cut short of their declared length never finish: the request would hang until the cloud's timeout.
      const declared = Number(headers['content-length']);
      const hangs = Number.isFinite(declared) && declared > body.length && declared <= SALE_LIMIT_BYTES * 16;
      if (hangs) delete headers['content-length'];
      // What the cloud reads: a declared length shorter than the body cuts it there.
      const read = Number.isFinite(declared) && declared < body.length ? body.subarray(0, declared) : body;
      const valid =
        keyValid &&
        read.length <= SALE_LIMIT_BYTES &&
        !(declared > SALE_LIMIT_BYTES) &&
        saleBodyIsValid(read);
      const fresh = kind !== 'mutated' && kind !== 'control';
      const request: SaleRequest = { path, headers, body, chunked, fresh };
      return {
        index,
        family: 'sale',
        kind: `sale.${kind}`,
        notes,
        invalid: !valid,
        describe: () =>
          redact(
            `POST ${path} HTTP/1.1\n${headerText(headers, ctx)}${chunked ? '\ntransfer-encoding: chunked' : ''}\n\n${showBody(body)}`,
            ctx,
          ),
        run: () => run(request, !valid),
      };
    },
  };
}
