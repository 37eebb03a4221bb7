import { Agent, request } from 'node:http';

/**
 * A POST over a kept-alive connection, the way a POS client talks to the cloud. Plain node:http
 * rather than fetch: the load generator shares the two cores with everything it measures, so it
 * uses the leaner client.
 */
export function postText(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body, 'utf8');
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': String(payload.length) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.href} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * One keep-alive pool; `sockets` bounds the connections (one per concurrent client). Idle sockets
 * are dropped after 4 s, before the server's 5 s keep-alive timeout closes them: otherwise a request
 * sent on a socket the server is closing at that moment fails with ECONNRESET, a client artefact.
 */
export const keepAliveAgent = (sockets: number): Agent =>
  new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, timeout: 4_000 });
