import { existsSync } from 'node:fs';
import { connect } from 'node:net';

/** Debian's HAProxy (in /usr/sbin, which a non-root PATH may lack), else whatever PATH finds. */
export const HAPROXY = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';

/** One cloud instance as the load balancer sees it. */
export interface Backend {
  name: string;
  port: number;
}

/**
 * HAProxy in front of the cloud instances: round robin, no stickiness (any instance answers any
 * request; WebSocket upgrades — /ws, socket.io — are tunnelled to the instance they reached), an
 * instance out of rotation within ~2 s of failing `/health/ready`, and a request whose connection
 * to an instance was refused sent to another at each retry (`option redispatch 1`). The same shape as
 * deploy/haproxy/haproxy.cfg, on 127.0.0.1.
 */
export function haproxyConfig(listenPort: number, backends: Backend[], statsSocket: string): string {
  return [
    'global',
    '  maxconn 4000',
    // What HAProxy thinks of each instance (`haproxyServerStates`).
    `  stats socket ${statsSocket} mode 600 level user`,
    // Into haproxy.log (its stderr): each request with the server it went to, and each instance
    // found down or up again.
    '  log stderr format raw local0',
    '',
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    '  timeout connect 2s',
    // A /sale may wait KASSA_POS_WAIT_MS (20 s by default) for the register; a WS stays open.
    '  timeout client 90s',
    '  timeout server 90s',
    '  timeout tunnel 1h',
    '  retries 3',
    // Another instance at each retry (round robin does so already; `1` says it for any algorithm).
    '  option redispatch 1',
    '',
    'frontend kassa',
    `  bind 127.0.0.1:${listenPort}`,
    '  default_backend clouds',
    '',
    'backend clouds',
    '  balance roundrobin',
    '  option httpchk GET /health/ready',
    '  http-check expect status 200',
    ...backends.map(
      (backend) => `  server ${backend.name} 127.0.0.1:${backend.port} check inter 1s fall 2 rise 1`,
    ),
    '',
  ].join('\n');
}

/**
 * Each server's state as HAProxy has it ("UP", "DOWN", "UP 1/2", …), by name, from `show stat` on
 * its stats socket.
 */
export function haproxyServerStates(statsSocket: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = connect(statsSocket);
    // HAProxy answers one command and closes; one that does not within 2 s is taken as an error.
    socket.setTimeout(2_000, () => socket.destroy(new Error('HAProxy stats socket: no answer within 2 s')));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('show stat\n'));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const [header, ...rows] = text.trim().split('\n');
      const columns = (header ?? '').replace(/^# /, '').split(',');
      const [name, status] = [columns.indexOf('svname'), columns.indexOf('status')];
      resolve(
        new Map(rows.map((row) => row.split(',')).map((cells) => [cells[name] ?? '', cells[status] ?? ''])),
      );
    });
  });
}
