import { connect, type Socket } from 'node:net';
import { agentTopic } from '@kassa-relay/protocol';
import { redact } from '../http';
import { type JsonLike, mutateJson, serialize } from '../mutate';
import type { Prng } from '@kassa-relay/testing';
import type { Family, FuzzContext, FuzzInput, Outcome } from '../types';

/** Values a forged envelope writes: a row carrying one of them anywhere but the forger's own register is a forgery accepted. */
export const FORGED = { fiscalPrefix: 'FORGED-', cashBalance: 4_242_424_242, shiftNumber: 424_242 };

// ---- MQTT 3.1.1 packets, written by hand (a client library would refuse to send most of these) ----

function remainingLength(length: number): Buffer {
  const out: number[] = [];
  let x = length;
  do {
    let byte = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) byte |= 0x80;
    out.push(byte);
  } while (x > 0 && out.length < 4);
  return Buffer.from(out);
}

const str = (s: string | Buffer) => {
  const bytes = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length & 0xffff);
  return Buffer.concat([len, bytes]);
};

export const packet = (firstByte: number, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);

export function connectPacket(options: {
  clientId: string;
  username?: string;
  password?: string;
  keepalive?: number;
  protocol?: string;
  level?: number;
  flagsOverride?: number;
  will?: { topic: string; message: string };
}): Buffer {
  let flags = 0x02; // clean session
  if (options.username !== undefined) flags |= 0x80;
  if (options.password !== undefined) flags |= 0x40;
  if (options.will) flags |= 0x04;
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(options.keepalive ?? 30);
  const body = Buffer.concat([
    str(options.protocol ?? 'MQTT'),
    Buffer.from([options.level ?? 4, options.flagsOverride ?? flags]),
    keepalive,
    str(options.clientId),
    ...(options.will ? [str(options.will.topic), str(options.will.message)] : []),
    ...(options.username !== undefined ? [str(options.username)] : []),
    ...(options.password !== undefined ? [str(options.password)] : []),
  ]);
  return packet(0x10, body);
}

export function publishPacket(
  topic: string,
  payload: Buffer | string,
  qos: 0 | 1 = 1,
  id = 1,
  retain = false,
): Buffer {
  const pid = Buffer.alloc(2);
  pid.writeUInt16BE(id);
  return packet(
    0x30 | (qos << 1) | (retain ? 1 : 0),
    Buffer.concat([
      str(topic),
      ...(qos > 0 ? [pid] : []),
      Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8'),
    ]),
  );
}

export function subscribePacket(filters: string[], id = 7): Buffer {
  const pid = Buffer.alloc(2);
  pid.writeUInt16BE(id);
  return packet(0x82, Buffer.concat([pid, ...filters.map((f) => Buffer.concat([str(f), Buffer.from([1])]))]));
}

interface MqttPacket {
  type: number;
  flags: number;
  body: Buffer;
}

/** A raw MQTT connection: the packets it received, in order, and whether it was closed. */
class RawMqtt {
  readonly packets: MqttPacket[] = [];
  closed = false;
  private buffer = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number): Promise<RawMqtt> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.once('connect', () => resolve(new RawMqtt(socket)));
      socket.once('error', reject);
    });
  }

  private wake() {
    for (const w of [...this.waiters]) w();
  }

  private parse() {
    for (;;) {
      if (this.buffer.length < 2) return;
      let length = 0;
      let multiplier = 1;
      let offset = 1;
      for (;;) {
        if (offset >= this.buffer.length) return;
        const byte = this.buffer[offset] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        offset += 1;
        if (!(byte & 0x80)) break;
        if (offset > 4) return void this.socket.destroy();
      }
      if (this.buffer.length < offset + length) return;
      const first = this.buffer[0] as number;
      this.packets.push({
        type: first >> 4,
        flags: first & 0x0f,
        body: this.buffer.subarray(offset, offset + length),
      });
      this.buffer = this.buffer.subarray(offset + length);
      this.wake();
    }
  }

  write(data: Buffer): void {
    if (!this.closed && this.socket.writable) this.socket.write(data);
  }

  /** The next packet of `type` (removed from the list), or undefined once closed or after `timeoutMs`. */
  async next(type: number, timeoutMs: number): Promise<MqttPacket | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.packets.findIndex((p) => p.type === type);
      if (index >= 0) return this.packets.splice(index, 1)[0];
      if (this.closed || Date.now() > deadline) return undefined;
      await new Promise<void>((resolve) => {
        const w = () => {
          this.waiters.delete(w);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(w, Math.max(1, Math.min(100, deadline - Date.now())));
        this.waiters.add(w);
      });
    }
  }

  /** Waits until the server closes or `ms` passes; whether it closed. */
  async waitClosed(ms: number): Promise<boolean> {
    await this.next(-1, ms);
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---- the family ----

interface MqttRequest {
  /** Bytes sent before any CONNACK (a garbage or malformed connection), or a session as the forger. */
  raw?: Buffer[];
  session?: {
    clientId: string;
    username: string;
    password: string;
    /** Packets sent once connected; SUBSCRIBE filters with whether each must be refused. */
    publishes: { topic: string; payload: Buffer; qos: 0 | 1; foreign: boolean }[];
    subscribe?: { filter: string; foreign: boolean }[];
  };
  /** The CONNECT must be refused (return code ≠ 0) or the connection closed. */
  expectRefused?: boolean;
}

const iso = () => new Date().toISOString();

/** MQTT on the embedded broker: garbage and malformed CONNECTs, oversize packets before CONNACK, and the forger agent's real credentials used on other agents' topics and documents. */
export function mqttFamily(ctx: FuzzContext): Family {
  const chains = new Map<string, Promise<unknown>>();
  /** One session per forger at a time: a second CONNECT with the same client id takes the first one's session over. */
  const serialized = <T>(forger: string, work: () => Promise<T>): Promise<T> => {
    const result = (chains.get(forger) ?? Promise.resolve()).then(work, work);
    chains.set(
      forger,
      result.catch(() => undefined),
    );
    return result;
  };
  const forgerRegisters = new Set(ctx.forgers.map((f) => f.registerId));

  const run = async (request: MqttRequest): Promise<Outcome> => {
    const conn = await RawMqtt.open(ctx.mqttPort).catch((error: Error) => error);
    if (conn instanceof Error) return { nonProtocol: { kind: 'mqtt.connect-failed', detail: conn.message } };
    try {
      if (request.raw) {
        for (const part of request.raw) conn.write(part);
        const connack = await conn.next(2, 1_500);
        if (connack && (connack.body[1] ?? 0) === 0 && request.expectRefused)
          return { acl: 'a CONNECT that must be refused was accepted', answer: 'CONNACK 0' };
        return { answer: connack ? `CONNACK ${connack.body[1]}` : conn.closed ? 'closed' : 'no answer' };
      }
      const session = request.session!;
      conn.write(
        connectPacket({ clientId: session.clientId, username: session.username, password: session.password }),
      );
      const connack = await conn.next(2, 10_000);
      if (!connack)
        return {
          nonProtocol: {
            kind: 'mqtt.no-connack',
            detail: conn.closed ? 'closed before CONNACK' : 'no CONNACK in 10 s',
          },
        };
      if ((connack.body[1] ?? 0) !== 0) {
        if (request.expectRefused) return { answer: `CONNACK ${connack.body[1]}` };
        return {
          nonProtocol: { kind: 'mqtt.forger-refused', detail: `CONNACK ${connack.body[1]}` },
          answer: `CONNACK ${connack.body[1]}`,
        };
      }
      if (request.expectRefused)
        return {
          acl: `CONNECT as ${session.username} with client id ${session.clientId.slice(0, 40)} accepted`,
          answer: 'CONNACK 0',
        };
      const leaks: string[] = [];
      if (session.subscribe?.length) {
        conn.write(subscribePacket(session.subscribe.map((s) => s.filter)));
        const suback = await conn.next(9, 5_000);
        if (suback) {
          const codes = [...suback.body.subarray(2)];
          session.subscribe.forEach((s, i) => {
            if (s.foreign && codes[i] !== undefined && codes[i] !== 0x80)
              leaks.push(`SUBSCRIBE ${s.filter} granted (QoS ${codes[i]})`);
          });
        }
      }
      let id = 10;
      for (const publish of session.publishes) {
        id += 1;
        conn.write(publishPacket(publish.topic, publish.payload, publish.qos, id));
        if (publish.qos === 1) await conn.next(4, publish.foreign ? 300 : 5_000);
        if (conn.closed) break;
      }
      // Anything delivered on a topic that is not the forger's own is a leak (its own config may come, retained).
      await conn.next(-1, session.subscribe?.length ? 300 : 30);
      for (const p of conn.packets.filter((x) => x.type === 3)) {
        const topicLength = p.body.readUInt16BE(0);
        const topic = p.body.subarray(2, 2 + topicLength).toString('utf8');
        if (!topic.startsWith(`kr/v1/agents/${session.username}/`))
          leaks.push(`received a message on ${topic}`);
      }
      conn.write(packet(0xe0, Buffer.alloc(0)));
      if (leaks.length) return { acl: leaks.join('; '), answer: leaks[0] ?? '' };
      return { answer: conn.closed ? 'closed by the broker' : 'done' };
    } finally {
      conn.close();
    }
  };

  const forgedResult = (prng: Prng, doc: FuzzContext['documents'][number], agentId: string): JsonLike => ({
    v: 1,
    commandId: doc.commandId,
    agentId,
    registerId: doc.registerId,
    status: prng.pick(['done', 'failed']),
    outcome: prng.chance(0.7)
      ? {
          ok: true,
          result: {
            type: 'receipt',
            fiscalId: `${FORGED.fiscalPrefix}${prng.hex(6)}`,
            checkNumber: FORGED.shiftNumber,
            shiftNumber: FORGED.shiftNumber,
            total: FORGED.cashBalance,
          },
        }
      : { ok: false, error: { code: 'DEVICE_ERROR', message: 'forged failure' } },
    receivedAt: iso(),
    completedAt: iso(),
    deviceMs: 5,
  });

  const forgedHeartbeat = (prng: Prng, agentId: string): JsonLike => ({
    v: 1,
    agentId,
    sentAt: iso(),
    agentVersion: '0.0.0-forged',
    uptimeSec: 1,
    journalDepth: 0,
    registers: [...ctx.registers.map((r) => r.id), ctx.owner.registerId].map((registerId) => ({
      registerId,
      kind: 'ikkm',
      health: {
        reachable: prng.chance(0.5),
        checkedAt: iso(),
        shift: { number: FORGED.shiftNumber, open: true },
        cashBalance: FORGED.cashBalance,
        offlineQueue: 0,
        warnings: ['paperOut'],
      },
    })),
    alerts: [{ kind: 'commandInDoubt', message: 'forged' }],
    inDoubt: ctx.documents
      .filter((d) => !forgerRegisters.has(d.registerId))
      .slice(0, 20)
      .map((d) => ({
        commandId: d.commandId,
        registerId: d.registerId,
        type: 'receipt',
        since: iso(),
        attempts: 1,
        evidence: [{ at: iso(), text: 'forged' }],
        needs: 'operator',
      })),
  });

  return {
    name: 'mqtt',
    generate(prng: Prng, index: number): FuzzInput {
      const forger = prng.pick(ctx.forgers);
      const own = (channel: 'results' | 'heartbeat' | 'presence' | 'events') =>
        agentTopic(forger.agentId, channel);
      const victims = [ctx.agentId, ctx.owner.agentId];
      const notes: string[] = [];
      const request: MqttRequest = {};
      const session = (
        publishes: NonNullable<MqttRequest['session']>['publishes'],
        subscribe?: NonNullable<MqttRequest['session']>['subscribe'],
      ) => ({
        clientId: `kassa-agent-${forger.agentId}`,
        username: forger.username,
        password: forger.password,
        publishes,
        ...(subscribe ? { subscribe } : {}),
      });
      const targetDocs = ctx.documents.filter((d) => !forgerRegisters.has(d.registerId));
      const kind = prng.weighted<string>([
        ['garbage', 12],
        ['connect-malformed', 14],
        ['bad-credentials', 12],
        ['preauth-oversize', 6],
        ['foreign-topic', 12],
        ['forge-result', 14],
        ['forge-heartbeat', 6],
        ['hostile-envelope', 14],
        ['subscribe', 6],
        ['oversize', 2],
        ['presence', 2],
      ]);
      if (kind === 'garbage') {
        request.raw = [prng.bytes(prng.int(1, prng.pick([16, 2_000, 20_000])))];
        notes.push(`${request.raw[0]?.length} random bytes`);
      } else if (kind === 'connect-malformed') {
        const which = prng.pick([
          'protocol',
          'level',
          'reserved-flag',
          'password-no-user',
          'will-qos3',
          'varint',
          'truncated',
          'long-client-id',
          'bad-utf8-id',
          'double-connect',
          'publish-first',
          'zero-length',
        ]);
        notes.push(`CONNECT: ${which}`);
        const base = {
          clientId: `fuzz-${prng.hex(6)}`,
          username: forger.username,
          password: `wrong-${prng.hex(4)}`,
        };
        if (which === 'protocol')
          request.raw = [
            connectPacket({ ...base, protocol: prng.pick(['MQIsdp', 'MQTX', '', 'M'.repeat(300)]) }),
          ];
        else if (which === 'level')
          request.raw = [connectPacket({ ...base, level: prng.pick([0, 3, 5, 99, 255]) })];
        else if (which === 'reserved-flag') request.raw = [connectPacket({ ...base, flagsOverride: 0xc3 })];
        else if (which === 'password-no-user')
          request.raw = [connectPacket({ clientId: base.clientId, flagsOverride: 0x42, password: 'x' })];
        else if (which === 'will-qos3')
          request.raw = [
            connectPacket({
              ...base,
              flagsOverride: 0xde,
              will: { topic: 'kr/v1/agents/x/presence', message: 'x' },
            }),
          ];
        else if (which === 'varint') request.raw = [Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])];
        else if (which === 'truncated') {
          const full = connectPacket(base);
          request.raw = [full.subarray(0, prng.int(1, full.length - 1))];
        } else if (which === 'long-client-id')
          request.raw = [
            connectPacket({ ...base, clientId: 'c'.repeat(prng.pick([1_000, 15_000, 40_000])) }),
          ];
        else if (which === 'bad-utf8-id')
          request.raw = [
            connectPacket({ ...base, clientId: Buffer.from([0xff, 0xfe, 0x00]).toString('latin1') }),
          ];
        else if (which === 'double-connect') request.raw = [connectPacket(base), connectPacket(base)];
        else if (which === 'publish-first') request.raw = [publishPacket(own('results'), '{}', 1)];
        else request.raw = [Buffer.from([0x10, 0x00])];
      } else if (kind === 'bad-credentials') {
        const which = prng.pick([
          'unknown-user',
          'wrong-password',
          'no-username',
          'cloud-user',
          'wrong-client-id',
          'victim-user',
          'nul-user',
          'empty-password',
          'long-password',
        ]);
        notes.push(`credentials: ${which}`);
        const victim = prng.pick(victims);
        const creds =
          which === 'unknown-user'
            ? { clientId: 'kassa-agent-agent-000000000000', username: 'agent-000000000000', password: 'x' }
            : which === 'wrong-password'
              ? {
                  clientId: `kassa-agent-${forger.agentId}`,
                  username: forger.username,
                  password: `${forger.password}x`,
                }
              : which === 'no-username'
                ? { clientId: `kassa-agent-${victim}` }
                : which === 'cloud-user'
                  ? {
                      clientId: `kassa-cloud-${prng.hex(8)}`,
                      username: prng.pick(['kassa-cloud', 'cloud', 'admin']),
                      password: prng.pick(['', 'kassa-cloud', 'admin']),
                    }
                  : which === 'wrong-client-id'
                    ? {
                        clientId: prng.pick([`kassa-agent-${victim}`, 'kassa-cloud', '', 'fuzz']),
                        username: forger.username,
                        password: forger.password,
                      }
                    : which === 'victim-user'
                      ? { clientId: `kassa-agent-${victim}`, username: victim, password: forger.password }
                      : which === 'nul-user'
                        ? { clientId: 'x', username: `${forger.username}\u0000`, password: forger.password }
                        : which === 'empty-password'
                          ? {
                              clientId: `kassa-agent-${forger.agentId}`,
                              username: forger.username,
                              password: '',
                            }
                          : {
                              clientId: `kassa-agent-${forger.agentId}`,
                              username: forger.username,
                              password: 'p'.repeat(12_000),
                            };
        request.raw = [connectPacket(creds)];
        request.expectRefused = true;
      } else if (kind === 'preauth-oversize') {
        const which = prng.pick(['declared-huge', 'stream', 'publish-before-connack', 'many-small']);
        notes.push(`before CONNACK: ${which}`);
        if (which === 'declared-huge')
          request.raw = [
            Buffer.concat([Buffer.from([0x10]), remainingLength(256 * 1024 * 1024 - 1)]),
            Buffer.alloc(prng.pick([1_000, 40_000]), 0x41),
          ];
        else if (which === 'stream')
          request.raw = Array.from({ length: 20 }, () => Buffer.alloc(4_096, 0x41));
        else if (which === 'publish-before-connack')
          request.raw = [
            connectPacket({
              clientId: `kassa-agent-${forger.agentId}`,
              username: forger.username,
              password: 'wrong',
            }),
            publishPacket(own('results'), Buffer.alloc(prng.pick([20_000, 100_000]), 0x7b)),
          ];
        else request.raw = Array.from({ length: 3_000 }, () => Buffer.from([0xc0, 0x00]));
        request.expectRefused = true;
      } else if (kind === 'foreign-topic') {
        const victim = prng.pick(victims);
        const channel = prng.pick([
          'results',
          'heartbeat',
          'presence',
          'events',
          'commands',
          'config',
        ] as const);
        const doc = targetDocs.length ? prng.pick(targetDocs) : undefined;
        const payload =
          channel === 'results' && doc
            ? forgedResult(prng, doc, victim)
            : channel === 'heartbeat'
              ? forgedHeartbeat(prng, victim)
              : channel === 'presence'
                ? { v: 1, agentId: victim, state: 'offline', at: iso() }
                : {
                    v: 1,
                    id: `forged-${prng.hex(12)}`,
                    registerId: ctx.registers[0]?.id ?? '',
                    issuedAt: iso(),
                    deadline: iso(),
                    command: { type: 'report.z' },
                  };
        notes.push(
          `publish to ${victim === ctx.agentId ? 'the real agent' : 'the offline agent'}'s ${channel}`,
        );
        request.session = session([
          {
            topic: agentTopic(victim, channel),
            payload: Buffer.from(serialize(payload)),
            qos: prng.pick([0, 1] as const),
            foreign: true,
          },
        ]);
      } else if (kind === 'forge-result') {
        const doc = targetDocs.length ? prng.pick(targetDocs) : undefined;
        const spoof = prng.chance(0.3);
        const agentId = spoof ? (doc?.agentId ?? ctx.agentId) : forger.agentId;
        notes.push(
          `result for another agent's document (${doc?.status ?? 'none'}), agentId ${spoof ? 'spoofed' : 'own'}`,
        );
        request.session = session(
          doc
            ? [
                {
                  topic: own('results'),
                  payload: Buffer.from(serialize(forgedResult(prng, doc, agentId))),
                  qos: 1,
                  foreign: false,
                },
              ]
            : [],
        );
      } else if (kind === 'forge-heartbeat') {
        notes.push('heartbeat naming other agents’ registers and documents in doubt');
        request.session = session([
          {
            topic: own('heartbeat'),
            payload: Buffer.from(serialize(forgedHeartbeat(prng, forger.agentId))),
            qos: 1,
            foreign: false,
          },
        ]);
      } else if (kind === 'hostile-envelope') {
        const channel = prng.pick(['results', 'heartbeat', 'presence', 'events'] as const);
        const doc =
          prng.chance(0.5) && targetDocs.length
            ? prng.pick(targetDocs)
            : ctx.documents.find((d) => d.registerId === forger.registerId);
        const base: JsonLike =
          channel === 'results'
            ? forgedResult(
                prng,
                doc ?? {
                  id: '',
                  commandId: `cmd-${prng.hex(10)}`,
                  registerId: forger.registerId,
                  status: 'pending',
                  agentId: forger.agentId,
                },
                forger.agentId,
              )
            : channel === 'heartbeat'
              ? forgedHeartbeat(prng, forger.agentId)
              : channel === 'presence'
                ? { v: 1, agentId: forger.agentId, state: prng.pick(['online', 'offline']), at: iso() }
                : {
                    v: 1,
                    agentId: forger.agentId,
                    at: iso(),
                    registerId: forger.registerId,
                    kind: 'register.state',
                    data: {},
                  };
        const mutated = mutateJson(prng, base, {
          knownKeys: [
            'v',
            'agentId',
            'commandId',
            'registerId',
            'status',
            'outcome',
            'fiscalId',
            'inDoubt',
            'registers',
          ],
          limitBytes: 8 * 1024 * 1024,
          textChance: 0.3,
        });
        notes.push(`own ${channel}: ${mutated.notes.join('; ')}`);
        request.session = session([{ topic: own(channel), payload: mutated.body, qos: 1, foreign: false }]);
      } else if (kind === 'subscribe') {
        const filters = prng.pick([
          ['#'],
          ['kr/#'],
          ['kr/v1/agents/+/commands'],
          ['kr/v1/agents/+/results', 'kr/v1/agents/+/heartbeat'],
          [agentTopic(ctx.agentId, 'commands'), agentTopic(ctx.agentId, 'config')],
          [agentTopic(ctx.owner.agentId, 'config')],
          ['$SYS/#'],
          [`kr/v1/agents/${forger.agentId}/#`],
          [`$share/g/${agentTopic(ctx.agentId, 'commands')}`],
          [agentTopic(forger.agentId, 'commands'), agentTopic(forger.agentId, 'config')],
        ]);
        const mine = (f: string) =>
          f === agentTopic(forger.agentId, 'commands') || f === agentTopic(forger.agentId, 'config');
        notes.push(`subscribe ${filters.join(', ')}`);
        request.session = session(
          [],
          filters.map((filter) => ({ filter, foreign: !mine(filter) })),
        );
      } else if (kind === 'oversize') {
        const size = 8 * 1024 * 1024 + prng.int(1, 1024);
        notes.push(`a ${size}-byte publish after CONNACK (limit 8 MiB)`);
        request.session = session([
          { topic: own('heartbeat'), payload: Buffer.alloc(size, 0x20), qos: 1, foreign: true },
        ]);
      } else {
        const victim = prng.pick(victims);
        notes.push('presence naming another agent, on its own topic');
        request.session = session([
          {
            topic: own('presence'),
            payload: Buffer.from(serialize({ v: 1, agentId: victim, state: 'offline', at: iso() })),
            qos: 1,
            foreign: false,
          },
        ]);
      }
      const describe = () =>
        redact(
          request.raw
            ? `raw TCP to the broker: ${request.raw.map((b) => `${b.length} bytes ${b.subarray(0, 80).toString('hex')}`).join(' | ')}`
            : `MQTT CONNECT as the forger agent (client id ${request.session?.clientId}, username ${request.session?.username}, its own password)\n` +
                (request.session?.subscribe
                  ? `SUBSCRIBE ${request.session.subscribe.map((s) => s.filter).join(', ')}\n`
                  : '') +
                (request.session?.publishes ?? [])
                  .map(
                    (p) =>
                      `PUBLISH qos${p.qos} ${p.topic}: ${p.payload.length > 1_500 ? `${p.payload.length} bytes ${JSON.stringify(p.payload.subarray(0, 400).toString('utf8'))}…` : JSON.stringify(p.payload.toString('utf8'))}`,
                  )
                  .join('\n'),
          ctx,
        );
      return {
        index,
        family: 'mqtt',
        kind: `mqtt.${kind}`,
        notes,
        invalid: true,
        describe,
        run: () => (request.session ? serialized(forger.agentId, () => run(request)) : run(request)),
      };
    },
  };
}
