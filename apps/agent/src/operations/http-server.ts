import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentMetrics } from './metrics';

export interface HealthReport {
  status: 'ok' | 'degraded';
  agentId: string;
  version: string;
  uptimeSec: number;
  link: 'up' | 'down';
  journalDepth: number;
  /** Commands in doubt: a fiscal call was sent and its outcome is not proven yet. */
  inDoubt: { commandId: string; registerId: string; since: string; needs?: string }[];
  outbox: { count: number; bytes: number; oldestAgeSec: number | null };
  registers: {
    id: string;
    kind: string;
    reachable: boolean | null;
    shiftOpen: boolean | null;
    lastError: string | null;
  }[];
  alerts: { kind: string; message: string }[];
}

/** `GET /health` (JSON) and `GET /metrics` (Prometheus text) on the loopback interface. */
export async function startOperationsServer(
  host: string,
  port: number,
  health: () => HealthReport,
  metrics: AgentMetrics,
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/health') {
      const report = health();
      response.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify(report));
      return;
    }
    if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => {
          response.writeHead(200, { 'content-type': metrics.registry.contentType });
          response.end(text);
        })
        .catch((error: Error) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(error.message);
        });
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'not found', paths: ['/health', '/metrics'] }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
