import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * How a partition looks to the agent:
 * - `reset`: every connection is cut at once (RST) and new ones are refused — a router that
 *   rejects, a cable pulled on a PC whose stack notices;
 * - `blackhole`: connections stay open but nothing passes either way, and new ones are accepted
 *   and then hang — Wi-Fi gone, a NAT that dropped its mapping; only keepalives can tell.
 */
export type PartitionMode = 'reset' | 'blackhole';

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

/**
 * A TCP proxy between the agent and the broker (the agent's config points at it), which the soak
 * can cut and restore. While restored it forwards bytes both ways unchanged.
 */
export class PartitionProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private mode: PartitionMode | undefined;
  port = 0;
  /** Connections accepted so far (each agent reconnect is one). */
  connections = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<number> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  get partitioned(): PartitionMode | undefined {
    return this.mode;
  }

  cut(mode: PartitionMode): void {
    this.mode = mode;
    if (mode === 'reset') for (const pair of [...this.pairs]) this.destroy(pair, true);
    // blackhole: the sockets stay; `forward` drops whatever arrives meanwhile.
  }

  /**
   * Ends the partition. After a blackhole the half-dead connections are closed (as a NAT that
   * forgot its mapping would answer with RST once traffic resumes): both ends reconnect.
   */
  restore(): void {
    const was = this.mode;
    this.mode = undefined;
    if (was === 'blackhole') for (const pair of [...this.pairs]) this.destroy(pair, true);
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.destroy(pair, true);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.connections += 1;
    client.setNoDelay(true);
    const pair: Pair = { client, upstream: undefined };
    this.pairs.add(pair);
    client.on('error', () => this.destroy(pair, true));
    client.on('close', () => this.destroy(pair, false));
    if (this.mode === 'reset') {
      this.destroy(pair, true);
      return;
    }
    if (this.mode === 'blackhole') {
      // Accepted by "the network", never reaches the broker: the client's CONNECT goes nowhere.
      client.on('data', () => undefined);
      return;
    }
    this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    upstream.setNoDelay(true);
    pair.upstream = upstream;
    upstream.on('error', () => this.destroy(pair, true));
    upstream.on('close', () => this.destroy(pair, false));
    pair.client.on('data', (chunk: Buffer) => {
      if (this.mode === undefined) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.mode === undefined) pair.client.write(chunk);
    });
  }

  private destroy(pair: Pair, reset: boolean): void {
    if (!this.pairs.delete(pair)) return;
    for (const socket of [pair.client, pair.upstream]) {
      if (!socket || socket.destroyed) continue;
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    }
  }
}
