import { parseWsRequest, wsErrorDataSchema, wsRequestToCommand } from '@kassa-relay/protocol';
import WebSocket from 'ws';
import { redact, showBody } from '../http';
import { deepText, type JsonLike, mutateJson, serialize } from '../mutate';
import type { Prng } from '@kassa-relay/testing';
import type { Family, FuzzContext, FuzzInput, Outcome } from '../types';

/** The cloud's /ws frame limit (apps/cloud/src/pos/pos-ws.server.ts). */
export const WS_LIMIT_BYTES = 1024 * 1024;
/** The real registers' tax table (12 %), as the cloud routes it. */
const TAX_TABLE = [{ rate: 12_000 }];

export const WS_KEYS = [
  'event',
  'data',
  'cashier',
  'doc_type',
  'pyment_type',
  'payment_type',
  'rrn',
  'wares',
  'name',
  'barcode',
  'tax_number',
  'price',
  'quantity',
  'amount',
];

/** Valid seed 000 frames, one per event (the vendor's own examples, money as the seed defines it). */
export function validWsFrame(prng: Prng): { [key: string]: JsonLike } {
  const cashier = prng.pick(['Сидр Петров', 'Иванова А.']);
  return prng.pick<() => { [key: string]: JsonLike }>([
    () => ({ event: 'open_shift', data: { cashier } }),
    () => ({ event: 'close_shift', data: { cashier } }),
    () => ({ event: 'force_close_shift' }),
    () => ({
      event: 'new_transaction',
      data: {
        cashier,
        doc_type: 2,
        pyment_type: prng.pick([0, 1]),
        rrn: 'LINK_917113269868',
        wares: [{ name: 'Водка Айс 0,5л 40%', barcode: '123123', tax_number: 0, price: 123.45, quantity: 2 }],
      },
    }),
    () => ({ event: 'cancel_payment', data: { rrn: 'LINK_917113269868', amount: 2469 } }),
    () => ({ event: 'cash_drawer_handler', data: { cashier, amount: 2469, doc_type: prng.pick([4, 5]) } }),
    () => ({ event: 'z_report' }),
  ])();
}

/** The protocol library's verdict: whether the cloud would send this frame to the register. */
export function wsFrameIsValid(raw: Buffer): boolean {
  try {
    const parsed = parseWsRequest(raw);
    return parsed.ok && wsRequestToCommand(parsed.request, { taxTable: TAX_TABLE }).ok;
  } catch {
    return false;
  }
}

/** A seed 000 answer to a refused frame: `{ event: "on…", data: { error: true, error_code, text } }`. */
export function checkWsErrorAnswer(text: string, invalid: boolean): Outcome {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { nonProtocol: { kind: 'ws.not-json', detail: text.slice(0, 200) }, answer: text.slice(0, 80) };
  }
  const frame = answer as { event?: unknown; data?: { error?: unknown } };
  if (
    typeof frame?.event !== 'string' ||
    !frame.event.startsWith('on') ||
    typeof frame.data !== 'object' ||
    frame.data === null
  )
    return {
      nonProtocol: { kind: 'ws.answer-shape', detail: text.slice(0, 300) },
      answer: text.slice(0, 80),
    };
  if (frame.data.error === false) {
    if (invalid)
      return {
        accepted: true,
        nonProtocol: { kind: 'ws.accepted-invalid', detail: text.slice(0, 300) },
        answer: 'error:false',
      };
    return { accepted: true, answer: 'error:false' };
  }
  if (!wsErrorDataSchema.safeParse(frame.data).success)
    return { nonProtocol: { kind: 'ws.error-shape', detail: text.slice(0, 300) }, answer: text.slice(0, 80) };
  return { answer: `${frame.event} error_code ${(frame.data as { error_code: number }).error_code}` };
}

interface WsRequest {
  /** How to connect: a real key in the header or the query, or a refused upgrade. */
  connect: { how: 'header' | 'query'; key: string; query?: string; headers?: Record<string, string> };
  frames: { data: Buffer; binary: boolean }[];
  /** What must happen: an answer per frame, the connection closed (code), or the upgrade refused. */
  expect: 'answers' | 'close' | 'refused';
  /** A refused-upgrade case that may legitimately open (the first of two tokens is real). */
  mayOpen?: boolean;
}

const wsUrl = (ctx: FuzzContext) => `${ctx.cloudUrl.replace(/^http/, 'ws')}/ws`;

/** Sends the frames on a fresh connection; the answers, or how it ended. */
async function exchange(
  ctx: FuzzContext,
  request: WsRequest,
  timeoutMs: number,
): Promise<{ status?: number; answers: string[]; closeCode?: number; error?: string }> {
  const query = request.connect.how === 'query' ? `?token=${encodeURIComponent(request.connect.key)}` : '';
  const url = `${wsUrl(ctx)}${request.connect.query ?? query}`;
  const headers = {
    ...(request.connect.how === 'header' ? { authorization: `Bearer ${request.connect.key}` } : {}),
    ...request.connect.headers,
  };
  return new Promise((resolve) => {
    const answers: string[] = [];
    let settled = false;
    let socket: WebSocket;
    const finish = (result: { status?: number; closeCode?: number; error?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.terminate();
      } catch {
        // already closed
      }
      resolve({ answers, ...result });
    };
    const timer = setTimeout(() => finish({ error: 'timeout' }), timeoutMs);
    try {
      socket = new WebSocket(url, { headers, maxPayload: 64 * 1024 * 1024 });
    } catch (error) {
      clearTimeout(timer);
      return resolve({ answers, error: `client: ${(error as Error).message}` });
    }
    socket.on('unexpected-response', (_req, response) => {
      response.resume();
      finish({ status: response.statusCode ?? 0 });
    });
    socket.on('error', (error) => finish({ error: error.message }));
    socket.on('close', (code) => finish({ closeCode: code }));
    socket.on('message', (data) => {
      answers.push(data.toString());
      if (request.expect === 'answers' && answers.length >= request.frames.length) finish({});
    });
    socket.on('open', () => {
      if (request.frames.length === 0) return finish({ status: 101 });
      for (const frame of request.frames) socket.send(frame.data, { binary: frame.binary });
    });
  });
}

/** Seed 000 over the raw WebSocket `/ws`: mutated frames, binary, huge, deep, invalid UTF-8, odd upgrades. */
export function wsFamily(ctx: FuzzContext): Family {
  const run = async (request: WsRequest, invalid: boolean): Promise<Outcome> => {
    // Frames of one connection are answered one after another, each within the POS bound.
    const result = await exchange(ctx, request, ctx.posAnswerWithinMs * Math.max(1, request.frames.length));
    if (result.status !== undefined && result.status >= 500)
      return {
        fiveXX: { route: 'GET /ws (upgrade)', status: result.status, body: '' },
        answer: `HTTP ${result.status}`,
      };
    if (request.expect === 'refused') {
      if (result.status === 101)
        return request.mayOpen
          ? { accepted: true, answer: 'upgraded' }
          : {
              accepted: true,
              nonProtocol: { kind: 'ws.upgrade-accepted', detail: 'a bad key was let in' },
              answer: 'upgraded',
            };
      if (result.status !== undefined) return { answer: `HTTP ${result.status}` };
      return { answer: result.error ?? `closed ${result.closeCode}` };
    }
    if (result.status !== undefined && result.status !== 101)
      return {
        nonProtocol: { kind: 'ws.upgrade-refused', detail: `HTTP ${result.status}` },
        answer: `HTTP ${result.status}`,
      };
    if (request.expect === 'close') {
      // Too big (1009) or not UTF-8 (1007): closed by the server, or an answer when it read it after all.
      for (const answer of result.answers) {
        const checked = checkWsErrorAnswer(answer, invalid);
        if (checked.nonProtocol) return checked;
      }
      return {
        answer: result.closeCode !== undefined ? `closed ${result.closeCode}` : (result.error ?? 'answered'),
      };
    }
    if (result.answers.length < request.frames.length)
      return {
        nonProtocol: {
          kind: 'ws.unanswered',
          detail: `${request.frames.length} frame(s), ${result.answers.length} answer(s); ${result.error ?? `closed ${result.closeCode}`}`,
        },
        answer: result.error ?? `closed ${result.closeCode}`,
      };
    let last: Outcome = {};
    for (const answer of result.answers) {
      last = checkWsErrorAnswer(answer, invalid);
      if (last.nonProtocol) return last;
    }
    return last;
  };

  return {
    name: 'ws',
    generate(prng: Prng, index: number): FuzzInput {
      const register = prng.pick(ctx.registers);
      const connect: WsRequest['connect'] = {
        how: prng.pick(['header', 'query'] as const),
        key: register.posKey,
      };
      const notes: string[] = [];
      let frames: WsRequest['frames'] = [];
      let expect: WsRequest['expect'] = 'answers';
      let keyValid = true;
      const kind = prng.weighted<string>([
        ['mutated', 60],
        ['binary', 8],
        ['huge', 3],
        ['deep', 6],
        ['invalidUtf8', 4],
        ['junk', 7],
        ['several', 4],
        ['upgrade', 8],
      ]);
      const mutatedFrame = () => {
        const base = validWsFrame(prng);
        for (let attempt = 0; attempt < 6; attempt += 1) {
          const mutated = mutateJson(prng, base, {
            knownKeys: WS_KEYS,
            limitBytes: WS_LIMIT_BYTES,
            textChance: 0.25,
          });
          if (!wsFrameIsValid(mutated.body) || attempt === 5)
            return { body: mutated.body, notes: [`${String(base['event'])}: ${mutated.notes.join('; ')}`] };
        }
        throw new Error('unreachable');
      };
      if (kind === 'mutated' || kind === 'binary') {
        const frame = mutatedFrame();
        frames = [{ data: frame.body, binary: kind === 'binary' }];
        notes.push(...frame.notes, ...(kind === 'binary' ? ['sent as a binary frame'] : []));
        if (frame.body.length > WS_LIMIT_BYTES) expect = 'close';
      } else if (kind === 'huge') {
        const size = WS_LIMIT_BYTES + prng.pick([1, 1024, WS_LIMIT_BYTES]);
        frames = [
          {
            data: Buffer.concat([
              Buffer.from('{"event":"open_shift","data":{"cashier":"'),
              Buffer.alloc(size, 0x78),
              Buffer.from('"}}'),
            ]),
            binary: prng.chance(0.3),
          },
        ];
        expect = 'close';
        notes.push(`a ${size}-byte cashier (frame over 1 MiB)`);
      } else if (kind === 'deep') {
        const depth = prng.pick([32, 33, 100, 10_000, 100_000]);
        const event = prng.pick(['open_shift', 'new_transaction', 'bogus', '']);
        const shape = prng.pick(['array', 'object', 'mixed'] as const);
        const text = prng.chance(0.7)
          ? `{"event":${JSON.stringify(event)},"data":${deepText(depth, shape)}}`
          : deepText(depth, shape, `{"event":${JSON.stringify(event)}}`);
        frames = [{ data: Buffer.from(text), binary: prng.chance(0.2) }];
        if (text.length > WS_LIMIT_BYTES) expect = 'close';
        notes.push(`${event || '(no event)'}: ${depth} deep (${shape})`);
      } else if (kind === 'invalidUtf8') {
        const base = Buffer.from(serialize(validWsFrame(prng)));
        const at = prng.int(1, base.length - 1);
        frames = [
          {
            data: Buffer.concat([
              base.subarray(0, at),
              Buffer.from(prng.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80]])),
              base.subarray(at),
            ]),
            binary: false,
          },
        ];
        expect = 'close';
        notes.push(`invalid UTF-8 in a text frame at byte ${at}`);
      } else if (kind === 'junk') {
        const junk = prng.pick([
          () => Buffer.alloc(0),
          () => prng.bytes(prng.int(1, 2048)),
          () => Buffer.from('null'),
          () => Buffer.from('[]'),
          () => Buffer.from('"open_shift"'),
          () => Buffer.from('{"event":null}'),
          () => Buffer.from('{"event":"__proto__","data":{}}'),
          () => Buffer.from('{"event":"constructor"}'),
          () => Buffer.from('{"event":"onopen_shift","data":{"error":false}}'),
          () => Buffer.from(`{"event":"${'x'.repeat(10_000)}"}`),
          () => Buffer.from('{"event":"open_shift","data":{"cashier":"a"}'),
        ])();
        const binary = prng.chance(0.5);
        frames = [{ data: junk, binary }];
        // Random bytes in a text frame are (almost always) not UTF-8: the server closes with 1007.
        if (!binary && !Buffer.from(junk.toString('utf8'), 'utf8').equals(junk)) expect = 'close';
        notes.push(`junk frame (${junk.length} bytes${binary ? ', binary' : ''})`);
      } else if (kind === 'several') {
        const count = prng.int(2, 20);
        for (let i = 0; i < count; i += 1) {
          const frame = mutatedFrame();
          frames.push({ data: frame.body, binary: false });
          if (frame.body.length > WS_LIMIT_BYTES) expect = 'close';
        }
        notes.push(`${count} mutated frames at once`);
      } else {
        keyValid = false;
        expect = 'refused';
        const which = prng.pick([
          'none',
          'random',
          'revoked',
          'nul-query',
          'register-mismatch',
          'two-tokens',
          'protocol-junk',
          'admin-jwt',
          'long-query',
          'bad-percent',
        ]);
        notes.push(`upgrade: ${which}`);
        // Each case brings its own credentials only: no real key rides along unless the case says so.
        Object.assign(connect, { how: 'query', key: '', query: '' });
        if (which === 'random')
          Object.assign(connect, { how: 'header', key: `kr_pos_${prng.hex(32)}`, query: undefined });
        else if (which === 'revoked')
          Object.assign(connect, { how: 'header', key: ctx.revokedPosKey, query: undefined });
        else if (which === 'nul-query') connect.query = `?token=%00${prng.hex(6)}`;
        else if (which === 'register-mismatch') {
          const other = ctx.registers.find((r) => r.id !== register.id)?.id ?? ctx.ownerRegisterId;
          Object.assign(connect, { how: 'header', key: register.posKey, query: `?register=${other}` });
        } else if (which === 'two-tokens')
          connect.query = `?token=${encodeURIComponent(register.posKey)}&token=x`;
        else if (which === 'protocol-junk')
          Object.assign(connect, {
            how: 'header',
            key: `kr_pos_${prng.hex(16)}`,
            query: undefined,
            headers: {
              'sec-websocket-protocol': 'a,,b, c',
              origin: 'null',
              'x-forwarded-for': '1.1.1.1, junk',
            },
          });
        else if (which === 'admin-jwt')
          Object.assign(connect, { how: 'header', key: ctx.adminToken, query: undefined });
        else if (which === 'long-query') connect.query = `?token=${'k'.repeat(prng.pick([2000, 12000]))}`;
        else if (which === 'bad-percent') connect.query = '?token=%E0%A4%A';
        frames = [];
      }
      // A text frame that is not UTF-8 is closed with 1007 by the WebSocket layer (RFC 6455), before the cloud reads it.
      if (frames.some((f) => !f.binary && !Buffer.from(f.data.toString('utf8'), 'utf8').equals(f.data)))
        expect = expect === 'refused' ? expect : 'close';
      const invalid = !keyValid || frames.every((f) => !wsFrameIsValid(f.data));
      const request: WsRequest = { connect, frames, expect, mayOpen: notes.includes('upgrade: two-tokens') };
      return {
        index,
        family: 'ws',
        kind: `ws.${kind}`,
        notes,
        invalid,
        describe: () =>
          redact(
            `WebSocket ${wsUrl(ctx)}${connect.query ?? (connect.how === 'query' ? `?token=${connect.key}` : '')}` +
              `${connect.how === 'header' && connect.key ? `\nauthorization: Bearer ${connect.key}` : ''}` +
              `${connect.headers ? `\n${JSON.stringify(connect.headers)}` : ''}\n` +
              frames
                .map((f, i) => `frame ${i + 1}${f.binary ? ' (binary)' : ''}: ${showBody(f.data)}`)
                .join('\n'),
            ctx,
          ),
        run: () => run(request, invalid),
      };
    },
  };
}
