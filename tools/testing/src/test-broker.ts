import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type ConnectPacket } from 'aedes';

export interface TestBroker {
  url: string;
  port: number;
  broker: Aedes;
  /** Stops accepting and drops every client (the agent sees the link go down). */
  close(): Promise<void>;
}

/**
 * An embedded Aedes MQTT broker on 127.0.0.1 for tests. Pass the port of a closed broker to
 * start a new one at the same address (the agent reconnects to it). In-memory persistence: a
 * restarted broker has forgotten sessions, as a real broker restart without persistence would.
 */
export async function startTestBroker(
  options: {
    port?: number;
    /**
     * Which clients may connect now (all when absent), given the client id and the CONNECT itself
     * (its will, say). One not admitted gets no answer at all (no CONNACK, the connection left
     * open), as from a broker too busy to answer: it tries again after its connect timeout.
     */
    admit?: (clientId: string, connect: ConnectPacket) => boolean;
    /** Which clients are refused now (none when absent): CONNACK "not authorized", then closed. */
    refuse?: (clientId: string) => boolean;
  } = {},
): Promise<TestBroker> {
  const { admit, refuse } = options;
  const broker = await Aedes.createBroker({
    ...(admit
      ? { preConnect: (_client, packet, callback) => callback(null, admit(packet.clientId, packet)) }
      : {}),
    ...(refuse
      ? { authenticate: (client, _username, _password, callback) => callback(null, !refuse(client.id)) }
      : {}),
  });
  // As the product's broker: no Nagle delay on small MQTT packets.
  const server: Server = createServer({ noDelay: true }, broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    broker,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}
