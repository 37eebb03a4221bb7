import { jsonDepthExceeds, MAX_JSON_DEPTH } from '@kassa-relay/protocol';
import WebSocket from 'ws';
import { redact, sendHttp, showBody } from '../http';
import { deepText, type JsonLike, mutateJson, mutateValue, serialize } from '../mutate';
import type { Prng } from '@kassa-relay/testing';
import type { Family, FuzzContext, FuzzInput, Outcome } from '../types';
import { checkWsErrorAnswer, validWsFrame, WS_KEYS, wsFrameIsValid } from './ws';

/** socket.io's reserved event names: a packet using one is a decode error. */
const RESERVED = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

/**
 * Whether the cloud's /pos handler would send this packet's frame to the register: the same steps
 * as `SocketIoHost` (guarded decoder depth check, event + payload → seed 000 frame) and then the
 * protocol library's verdict on the frame.
 */
export function socketIoPacketIsValid(packet: string): boolean {
  const head = /^42\/pos,\d*/.exec(packet);
  if (!head) return false;
  if (jsonDepthExceeds(packet, MAX_JSON_DEPTH)) return false;
  let args: unknown;
  try {
    args = JSON.parse(packet.slice(head[0].length));
  } catch {
    return false;
  }
  if (!Array.isArray(args) || typeof args[0] !== 'string' || RESERVED.has(args[0])) return false;
  const [event, payload] = args as [string, unknown];
  const raw =
    event === 'message'
      ? typeof payload === 'string'
        ? payload
        : JSON.stringify(payload ?? null)
      : JSON.stringify({ event, data: payload ?? {} });
  return wsFrameIsValid(Buffer.from(raw, 'utf8'));
}

interface SocketIoRequest {
  transport: 'websocket' | 'polling';
  /** Query after `/socket.io/?` (the engine.io handshake). */
  query: string;
  /** The namespace connect packet (`40/pos,{…}`), or none. */
  connect?: string;
  /** What namespace the connect aims at, and whether its credentials are real. */
  namespace: '/pos' | '/admin' | 'other';
  /** Packets after the namespace connect (text; a Buffer is sent as a binary frame). */
  packets: (string | Buffer)[];
  /** The ack id whose answer must come back (seed 000 error shape). */
  ackId?: number;
  /** Send a probe after the packets: a connection that stayed open must still answer. */
  probe: boolean;
  /** polling: the POST body and headers. */
  pollBody?: Buffer;
  pollHeaders?: Record<string, string>;
}

interface Session {
  opened: boolean;
  frames: string[];
  closed: boolean;
  refused?: number;
}

/** Raw engine.io over a WebSocket: what socket.io-client would do, without its checks. */
async function websocketExchange(
  ctx: FuzzContext,
  request: SocketIoRequest,
): Promise<{ session: Session; ack?: string; probe?: string; connectAnswer?: string; stuckFor?: string }> {
  const session: Session = { opened: false, frames: [], closed: false };
  const socket = new WebSocket(`${ctx.cloudUrl.replace(/^http/, 'ws')}/socket.io/?${request.query}`);
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  socket.on('message', (data, isBinary) => {
    const text = isBinary ? `<binary ${(data as Buffer).length}>` : data.toString();
    if (text === '2') return socket.send('3');
    session.frames.push(text);
    wake();
  });
  socket.on('unexpected-response', (_req, response) => {
    session.refused = response.statusCode ?? 0;
    response.resume();
    session.closed = true;
    wake();
  });
  socket.on('error', () => {
    session.closed = true;
    wake();
  });
  socket.on('close', () => {
    session.closed = true;
    wake();
  });
  const next = async (pattern: RegExp, timeoutMs: number): Promise<string | undefined> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = session.frames.findIndex((f) => pattern.test(f));
      if (index >= 0) return session.frames.splice(index, 1)[0];
      if (session.closed || Date.now() > deadline) return undefined;
      await new Promise<void>((resolve) => {
        const w = () => {
          waiters.delete(w);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(w, Math.max(1, Math.min(200, deadline - Date.now())));
        waiters.add(w);
      });
    }
  };
  try {
    const open = await next(/^0\{/, 10_000);
    if (!open) return { session };
    session.opened = true;
    let connectAnswer: string | undefined;
    if (request.connect) {
      socket.send(request.connect);
      const nsp = request.namespace === 'other' ? '' : request.namespace;
      connectAnswer = await next(new RegExp(`^4[04]${nsp.replace('/', '\\/')},|^44`), 10_000);
    }
    for (const packet of request.packets)
      if (socket.readyState === WebSocket.OPEN) socket.send(packet, { binary: Buffer.isBuffer(packet) });
    let ack: string | undefined;
    if (request.ackId !== undefined)
      ack = await next(new RegExp(`^43/pos,${request.ackId}\\[`), ctx.posAnswerWithinMs);
    let probe: string | undefined;
    if (request.probe) {
      await new Promise((r) => setTimeout(r, 50));
      if (!session.closed && socket.readyState === WebSocket.OPEN) {
        // Refused by the protocol (no cashier, no wares) but answered: the probe must change nothing.
        socket.send('42/pos,999999["new_transaction",{}]');
        const sent = Date.now();
        probe = await next(/^43\/pos,999999\[/, 15_000);
        if (!probe && !session.closed) {
          // Open and deaf: how long until something (engine.io's heartbeat, 25 + 20 s) closes it?
          await next(/^\u0000never/, 35_000);
          const stuckFor = session.closed
            ? `closed ${((Date.now() - sent) / 1000).toFixed(0)} s after the probe`
            : 'still open 50 s after the probe';
          return {
            session: { ...session, closed: false },
            ...(connectAnswer ? { connectAnswer } : {}),
            stuckFor,
          };
        }
      }
    }
    // A socket the server has begun to close (CLOSING) is closed as far as the probe goes.
    if (socket.readyState !== WebSocket.OPEN) session.closed = true;
    return {
      session,
      ...(ack ? { ack } : {}),
      ...(probe ? { probe } : {}),
      ...(connectAnswer ? { connectAnswer } : {}),
    };
  } finally {
    socket.terminate();
  }
}

const MALFORMED: readonly string[] = [
  '42/pos,[',
  '42/pos,{}',
  '42/pos,"x"',
  '42/pos,[]',
  '42/pos,[1,2]',
  '42/pos,[null]',
  '42/pos,["connect"]',
  '42/pos,["disconnect",{}]',
  '42/pos,99999999999999999999999["open_shift",{}]',
  '42/pos,-1["open_shift",{}]',
  '43/pos,1[]',
  '43/pos,1["x"]',
  '45-/pos,["open_shift",{"_placeholder":true,"num":0}]',
  '452-/pos,["open_shift",{"_placeholder":true,"num":0}]',
  '451-/pos,1["open_shift",{"_placeholder":true,"num":5}]',
  '46/pos,1[{"_placeholder":true,"num":0}]',
  '47/pos,',
  '4',
  '4/pos,',
  '41/pos,',
  '40/pos,',
  '40/pos,{"token":{}}',
  '42/nowhere,["open_shift",{}]',
  '42/pos\u0000,["open_shift",{}]',
  '42/pos,["open_shift",{"cashier":"\\ud800"}]',
  '42/pos,["open_shift",{"cashier":"a\\u0000"}]',
  '42["open_shift",{}]',
  '2',
  '3',
  '5',
  '6',
  '7',
  '9',
  '1',
  '',
  '4ä',
  `42/pos,["${'e'.repeat(200)}",{}]`,
  `42/${'n'.repeat(300)},["x"]`,
];

/** socket.io on /pos and /admin: mutated events, deep payloads, malformed packets, bad handshakes, the polling transport. */
export function socketIoFamily(ctx: FuzzContext): Family {
  const run = async (request: SocketIoRequest, invalid: boolean): Promise<Outcome> => {
    if (request.transport === 'polling') return runPolling(request);
    const result = await websocketExchange(ctx, request);
    if (result.session.refused !== undefined) {
      if (result.session.refused >= 500)
        return {
          fiveXX: { route: 'GET /socket.io/ (upgrade)', status: result.session.refused, body: '' },
          answer: `HTTP ${result.session.refused}`,
        };
      return { answer: `HTTP ${result.session.refused}` };
    }
    if (!result.session.opened) return { answer: 'no engine.io open' };
    if (request.ackId !== undefined) {
      if (!result.ack) {
        if (result.session.closed) return { answer: 'closed' };
        return {
          nonProtocol: { kind: 'socketio.unanswered', detail: `no ack ${request.ackId}` },
          answer: 'no ack',
        };
      }
      let answer: unknown;
      try {
        answer = JSON.parse(result.ack.slice(`43/pos,${request.ackId}`.length));
      } catch {
        return { nonProtocol: { kind: 'socketio.ack-not-json', detail: result.ack.slice(0, 200) } };
      }
      const frame = Array.isArray(answer) ? answer[0] : undefined;
      const checked = checkWsErrorAnswer(JSON.stringify(frame ?? null), invalid);
      if (checked.nonProtocol)
        checked.nonProtocol.kind = checked.nonProtocol.kind.replace(/^ws\./, 'socketio.');
      return checked;
    }
    if (
      request.probe &&
      !result.session.closed &&
      !result.probe &&
      request.namespace === '/pos' &&
      result.connectAnswer?.startsWith('40')
    )
      return {
        nonProtocol: {
          kind: 'socketio.stuck',
          detail: `open, but a probe event got no answer in 15 s (${result.stuckFor ?? '?'})`,
        },
        answer: 'stuck',
      };
    return { answer: result.session.closed ? 'closed' : (result.connectAnswer?.slice(0, 40) ?? 'open') };
  };

  const runPolling = async (request: SocketIoRequest): Promise<Outcome> => {
    const base = `/socket.io/?${request.query}`;
    let path = base;
    if (/sid=SID/.test(base)) {
      const open = await sendHttp({
        port: ctx.httpPort,
        method: 'GET',
        path: '/socket.io/?EIO=4&transport=polling',
        headers: {},
        timeoutMs: 10_000,
      });
      if ('error' in open) return { nonProtocol: { kind: 'socketio.polling-open', detail: open.error } };
      const sid = /"sid":"([^"]+)"/.exec(open.body.toString())?.[1] ?? 'none';
      path = base.replace('SID', sid);
    }
    const answer = await sendHttp({
      port: ctx.httpPort,
      method: request.pollBody ? 'POST' : 'GET',
      path,
      headers: request.pollHeaders ?? {},
      ...(request.pollBody ? { body: request.pollBody } : {}),
      fresh: true,
      timeoutMs: 35_000,
    });
    if ('error' in answer) return { answer: answer.error };
    if (answer.status >= 500)
      return {
        fiveXX: {
          route: `${request.pollBody ? 'POST' : 'GET'} /socket.io/ (polling)`,
          status: answer.status,
          body: answer.body.toString().slice(0, 200),
        },
        answer: `HTTP ${answer.status}`,
      };
    return { answer: `HTTP ${answer.status}` };
  };

  return {
    name: 'socketio',
    generate(prng: Prng, index: number): FuzzInput {
      const register = prng.pick(ctx.registers);
      const notes: string[] = [];
      const posConnect = `40/pos,${JSON.stringify({ token: register.posKey })}`;
      const request: SocketIoRequest = {
        transport: 'websocket',
        query: 'EIO=4&transport=websocket',
        connect: posConnect,
        namespace: '/pos',
        packets: [],
        probe: false,
      };
      const kind = prng.weighted<string>([
        ['event', 40],
        ['message', 8],
        ['deep', 8],
        ['malformed', 14],
        ['auth', 8],
        ['admin', 10],
        ['polling', 8],
        ['handshake', 4],
      ]);
      const ackId = prng.int(1, 100_000);
      if (kind === 'event' || kind === 'message') {
        const base = validWsFrame(prng);
        let packet = '';
        for (let attempt = 0; attempt < 6; attempt += 1) {
          if (kind === 'event') {
            const mutated = mutateValue(prng, (base['data'] ?? {}) as JsonLike, WS_KEYS);
            const event = prng.chance(0.9)
              ? String(base['event'])
              : prng.pick(['bogus', 'onopen_shift', 'message', '__proto__']);
            packet = `42/pos,${ackId}[${JSON.stringify(event)},${serialize(mutated.value)}]`;
            notes.splice(0, notes.length, `${event}: ${mutated.note}`);
          } else {
            const mutated = mutateJson(prng, base, {
              knownKeys: WS_KEYS,
              limitBytes: 1024 * 1024,
              textChance: 0.3,
            });
            packet = `42/pos,${ackId}["message",${JSON.stringify(mutated.body.toString('utf8'))}]`;
            notes.splice(0, notes.length, `message(${String(base['event'])}): ${mutated.notes.join('; ')}`);
          }
          if (!socketIoPacketIsValid(packet)) break;
        }
        request.packets = [packet];
        request.ackId = ackId;
      } else if (kind === 'deep') {
        const depth = prng.pick([32, 33, 1_000, 12_000, 30_000]);
        const shape = prng.pick(['array', 'object', 'mixed'] as const);
        const event = prng.pick(['open_shift', 'message', 'connect', '']);
        const withAck = event !== 'connect' && event !== '' && prng.chance(0.7);
        request.packets = [
          `42/pos,${withAck ? ackId : ''}[${JSON.stringify(event)},${deepText(depth, shape)}]`,
        ];
        if (withAck) request.ackId = ackId;
        else request.probe = true;
        notes.push(`${event || '(empty event)'}: payload ${depth} deep (${shape})`);
      } else if (kind === 'malformed') {
        const count = prng.int(1, 3);
        for (let i = 0; i < count; i += 1) {
          const packet = prng.chance(0.15) ? prng.bytes(prng.int(1, 300)) : prng.pick(MALFORMED);
          request.packets.push(packet);
          notes.push(
            Buffer.isBuffer(packet)
              ? `binary frame ${packet.length} bytes`
              : `packet ${JSON.stringify(packet.slice(0, 60))}`,
          );
        }
        request.probe = true;
      } else if (kind === 'auth') {
        const mutated = mutateJson(
          prng,
          { token: register.posKey },
          { knownKeys: ['token', 'register'], limitBytes: 1024 * 1024, textChance: 0.3 },
        );
        request.connect = `40/pos,${mutated.body.toString('utf8')}`;
        notes.push(`namespace connect: ${mutated.notes.join('; ')}`);
      } else if (kind === 'admin') {
        const which = prng.pick(['events', 'bad-token', 'mutated-auth', 'deep', 'pos-key']);
        notes.push(`/admin: ${which}`);
        request.namespace = '/admin';
        request.connect = `40/admin,${JSON.stringify({ token: ctx.adminToken })}`;
        if (which === 'events') {
          const count = prng.int(1, 5);
          for (let i = 0; i < count; i += 1) {
            const event = prng.pick([
              'register.state',
              'document.changed',
              'agent.state',
              'shift.changed',
              'subscribe',
              'join',
              'disconnecting',
            ]);
            const payload = mutateJson(
              prng,
              {
                organisationId: ctx.organisationId,
                registerId: register.id,
                room: `org:${ctx.organisationId}`,
              },
              { limitBytes: 1024 * 1024, textChance: 0.2 },
            );
            request.packets.push(
              `42/admin,${prng.chance(0.5) ? prng.int(1, 999) : ''}[${JSON.stringify(event)},${payload.body.toString('utf8')}]`,
            );
            notes.push(`${event}: ${payload.notes.join('; ')}`);
          }
        } else if (which === 'bad-token') {
          const token = prng.pick([
            '',
            'x',
            `${ctx.adminToken}x`,
            ctx.adminToken.split('.').slice(0, 2).join('.') + '.',
            `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: ctx.spareUserId, org: ctx.organisationId, role: 'admin' })).toString('base64url')}.`,
            'a'.repeat(20_000),
          ]);
          request.connect = `40/admin,${JSON.stringify({ token })}`;
          notes.push(`token ${JSON.stringify(token.slice(0, 40))}`);
        } else if (which === 'mutated-auth') {
          const mutated = mutateJson(
            prng,
            { token: ctx.adminToken },
            { knownKeys: ['token'], limitBytes: 1024 * 1024 },
          );
          request.connect = `40/admin,${mutated.body.toString('utf8')}`;
          notes.push(mutated.notes.join('; '));
        } else if (which === 'deep') {
          request.packets.push(`42/admin,["x",${deepText(prng.pick([33, 20_000]), 'mixed')}]`);
        } else request.connect = `40/admin,${JSON.stringify({ token: register.posKey })}`;
      } else if (kind === 'polling') {
        request.transport = 'polling';
        const which = prng.pick([
          'post-mutated',
          'post-junk',
          'post-huge',
          'bad-sid',
          'bad-query',
          'post-packets',
        ]);
        notes.push(`polling: ${which}`);
        request.query = 'EIO=4&transport=polling&sid=SID';
        request.pollHeaders = {
          'content-type': prng.pick([
            'text/plain;charset=UTF-8',
            'application/octet-stream',
            'application/json',
          ]),
        };
        if (which === 'post-mutated') {
          const mutated = mutateJson(prng, validWsFrame(prng), {
            knownKeys: WS_KEYS,
            limitBytes: 1024 * 1024,
          });
          request.pollBody = Buffer.from(
            `${posConnect}\u001e42/pos,1["message",${JSON.stringify(mutated.body.toString('utf8'))}]`,
          );
          notes.push(mutated.notes.join('; '));
        } else if (which === 'post-junk') request.pollBody = prng.bytes(prng.int(0, 4096));
        else if (which === 'post-huge')
          request.pollBody = Buffer.alloc(1024 * 1024 + prng.int(1, 100_000), 0x61);
        else if (which === 'bad-sid') {
          request.query = `EIO=4&transport=polling&sid=${prng.pick(['', 'x', '%00', 'a'.repeat(500), '../../'])}`;
          request.pollBody = Buffer.from('40/pos,{}');
        } else if (which === 'bad-query') {
          request.query = prng.pick([
            'EIO=3&transport=polling',
            'EIO=99&transport=polling',
            'EIO=4&transport=flash',
            'EIO=4',
            'transport=polling',
            'EIO=4&transport=polling&b64=1&j=1',
            'EIO=%00&transport=polling',
            'EIO=4&transport=websocket',
          ]);
          if (prng.chance(0.5)) request.pollBody = Buffer.from('40');
        } else
          request.pollBody = Buffer.from(
            Array.from({ length: prng.int(2, 50) }, () => prng.pick(MALFORMED)).join('\u001e'),
          );
      } else {
        request.query = prng.pick([
          'EIO=3&transport=websocket',
          'EIO=4&transport=websocket&sid=bogus',
          'EIO=4&transport=polling',
          'EIO=4&transport=websocket&token=%00',
          'EIO=4&transport=websocket&token=' + 'k'.repeat(3000),
          'EIO=4&transport=websocket&EIO=4',
        ]);
        request.probe = true;
        notes.push(`handshake ${request.query.slice(0, 60)}`);
      }
      const sent = [request.connect ?? '', ...request.packets.map((p) => (Buffer.isBuffer(p) ? '' : p))];
      const dispatches =
        request.transport === 'polling'
          ? request.pollBody !== undefined &&
            request.pollBody
              .toString('utf8')
              .split('\u001e')
              .some((p) => socketIoPacketIsValid(p))
          : request.namespace === '/pos' && sent.some((p) => socketIoPacketIsValid(p));
      return {
        index,
        family: 'socketio',
        kind: `socketio.${kind}`,
        notes,
        invalid: !dispatches,
        describe: () =>
          redact(
            request.transport === 'polling'
              ? `POST /socket.io/?${request.query} (SID: a fresh polling session)\n${JSON.stringify(request.pollHeaders)}\n${showBody(request.pollBody)}`
              : `WebSocket /socket.io/?${request.query}\n` +
                  [request.connect, ...request.packets]
                    .filter((p) => p !== undefined)
                    .map((p) =>
                      Buffer.isBuffer(p)
                        ? `binary ${p.toString('hex').slice(0, 200)}`
                        : showBody(Buffer.from(p as string)),
                    )
                    .join('\n'),
            ctx,
          ),
        run: () => run(request, !dispatches),
      };
    },
  };
}
