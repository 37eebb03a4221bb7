import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { agentMayPublish, agentMaySubscribe, isValidAgentId } from '@kassa-relay/protocol';
import { verifySecret } from '../security/secret-hash';
import { DEFAULT_PACKET_LIMITS, guardMqttConnection, type PacketLimits } from './packet-guard';
import { indexedMemoryPersistence } from './retained-index';
import { stackSafeEmitter } from './stack-safe-emitter';

/** Where the broker looks agents up (the database in production). */
export interface AgentCredentialStore {
  /** The agent whose MQTT username this is, with its password hash; null when unknown or disabled. */
  findByUsername(username: string): Promise<{ agentId: string; passwordHash: string } | null>;
}

export interface EmbeddedBrokerOptions {
  host?: string;
  port?: number;
  /** Also accept MQTT over WebSocket on this port (path /mqtt), same authentication. */
  wsPort?: number;
  credentials: AgentCredentialStore;
  /** The cloud's own connection: full access to every agent's topics. */
  cloudUser: { username: string; password: string };
  /** MQTT over TLS on this port with this certificate (PEM), same authentication. */
  tls?: { port: number; cert: Buffer; key: Buffer };
  /** Whether plain MQTT is served on `port` as well (the cloud's own link always uses loopback). */
  plain?: boolean;
  limits?: PacketLimits;
  /** Called when a connection is cut for breaking a limit. */
  onViolation?: (reason: string, remoteAddress: string | undefined) => void;
}

export interface EmbeddedBroker {
  url: string;
  port: number;
  wsUrl?: string;
  /** `mqtts://host:port` when TLS is on. */
  tlsUrl?: string;
  /** Drops the agent's open connection (a disabled agent); its credentials decide whether it returns. */
  disconnectAgent(agentId: string): void;
  close(): Promise<void>;
}

/** MQTT CONNACK return codes (3.1.1). */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

type Identity = { role: 'cloud' } | { role: 'agent'; agentId: string };
/** Aedes's default: messages delivered at once, the rest queued (see stackSafeEmitter). */
const AEDES_CONCURRENCY = 100;

const identities = new WeakMap<Client, Identity>();

/** The client id an agent must use: its persistent session is bound to its own identity. */
export const agentClientId = (agentId: string): string => `kassa-agent-${agentId}`;

const authError = (code: number, message: string) => Object.assign(new Error(message), { returnCode: code });

/**
 * The embedded broker (Aedes, MQTT 3.1.1 over TCP) used when no MQTT_URL is configured.
 * Authentication and authorisation come from the agent store: an agent may subscribe only to its
 * own command topic and publish only under its own prefix, and only with its own client id (so no
 * one can take over another agent's persistent session).
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker({
    persistence: indexedMemoryPersistence(),
    mq: stackSafeEmitter({ concurrency: AEDES_CONCURRENCY }),
    concurrency: AEDES_CONCURRENCY,
    authenticate: (client, username, password, done) => {
      const secret = password ? password.toString('utf8') : '';
      if (!username) return done(authError(NOT_AUTHORIZED, 'credentials required'), false);
      if (username === options.cloudUser.username) {
        if (secret !== options.cloudUser.password)
          return done(authError(BAD_USERNAME_OR_PASSWORD, 'bad credentials'), false);
        identities.set(client, { role: 'cloud' });
        return done(null, true);
      }
      options.credentials
        .findByUsername(username)
        .then(async (agent) => {
          if (!agent || !isValidAgentId(agent.agentId) || !(await verifySecret(secret, agent.passwordHash))) {
            return done(authError(BAD_USERNAME_OR_PASSWORD, 'bad credentials'), false);
          }
          if (client.id !== agentClientId(agent.agentId)) {
            return done(
              authError(NOT_AUTHORIZED, `client id must be ${agentClientId(agent.agentId)}`),
              false,
            );
          }
          identities.set(client, { role: 'agent', agentId: agent.agentId });
          done(null, true);
        })
        .catch(() => done(authError(NOT_AUTHORIZED, 'credential store unavailable'), false));
    },
    authorizePublish: (client, packet, done) => {
      const identity = client ? identities.get(client) : undefined;
      if (packet.topic.startsWith('$SYS')) return done(new Error('reserved topic'));
      if (identity?.role === 'cloud') return done(null);
      if (identity?.role === 'agent' && agentMayPublish(identity.agentId, packet.topic)) return done(null);
      done(new Error(`publishing to ${packet.topic} is not allowed`));
    },
    authorizeSubscribe: (client, subscription, done) => {
      const identity = client ? identities.get(client) : undefined;
      if (identity?.role === 'cloud') return done(null, subscription);
      if (identity?.role === 'agent' && agentMaySubscribe(identity.agentId, subscription.topic))
        return done(null, subscription);
      // null: the SUBACK carries 0x80 for this filter; the connection stays up.
      done(null, null);
    },
  });
  const agentClients = new Map<string, Client>();
  broker.on('client', (client) => {
    const identity = identities.get(client);
    if (identity?.role === 'agent') agentClients.set(identity.agentId, client);
  });
  broker.on('clientDisconnect', (client) => {
    const identity = identities.get(client);
    if (identity?.role === 'agent' && agentClients.get(identity.agentId) === client)
      agentClients.delete(identity.agentId);
  });
  const limits = options.limits ?? DEFAULT_PACKET_LIMITS;
  const accept = (socket: Socket | TLSSocket) => {
    const client = broker.handle(socket);
    guardMqttConnection(
      socket,
      limits,
      () => identities.has(client),
      (reason) => options.onViolation?.(reason, socket.remoteAddress),
    );
  };
  const listen = async (server: Server, port: number, host: string) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  // MQTT is small request/acknowledge packets: with Nagle's algorithm on, a write waits for the
  // peer's delayed ACK (40 ms on Linux) and every command round trip pays it.
  // Without plain MQTT for the network, plain MQTT still serves the cloud's own link, on loopback.
  const server: Server = createServer({ noDelay: true }, accept);
  const plainHost = options.plain === false ? '127.0.0.1' : (options.host ?? '127.0.0.1');
  await listen(server, options.plain === false ? 0 : (options.port ?? 1883), plainHost);
  const port = (server.address() as AddressInfo).port;
  let tlsServer: Server | undefined;
  if (options.tls) {
    tlsServer = createTlsServer({ cert: options.tls.cert, key: options.tls.key }, (socket) => {
      socket.setNoDelay(true);
      accept(socket);
    });
    await listen(tlsServer, options.tls.port, options.host ?? '127.0.0.1');
  }
  const tlsPort = tlsServer ? (tlsServer.address() as AddressInfo).port : undefined;
  let wss: WebSocketServer | undefined;
  if (options.wsPort !== undefined) {
    wss = new WebSocketServer({ host: options.host ?? '127.0.0.1', port: options.wsPort, path: '/mqtt' });
    wss.on('connection', (socket, request) => {
      const stream = createWebSocketStream(socket);
      const client = broker.handle(stream as unknown as Parameters<typeof broker.handle>[0], request);
      guardMqttConnection(
        stream,
        limits,
        () => identities.has(client),
        (reason) => options.onViolation?.(reason, request.socket.remoteAddress),
      );
    });
    await new Promise<void>((resolve, reject) => {
      wss!.once('listening', resolve);
      wss!.once('error', reject);
    });
  }
  const wsAddress = wss?.address() as AddressInfo | undefined;
  return {
    url: `mqtt://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    ...(wsAddress ? { wsUrl: `ws://${options.host ?? '127.0.0.1'}:${wsAddress.port}/mqtt` } : {}),
    ...(tlsPort !== undefined ? { tlsUrl: `mqtts://${options.host ?? '127.0.0.1'}:${tlsPort}` } : {}),
    disconnectAgent: (agentId) => agentClients.get(agentId)?.close(),
    close: () =>
      new Promise<void>((resolve) => {
        wss?.close();
        tlsServer?.close();
        broker.close(() => server.close(() => resolve()));
      }),
  };
}
