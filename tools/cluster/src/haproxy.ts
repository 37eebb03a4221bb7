import { existsSync } from 'node:fs';

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
 * to an instance was refused sent to another (`option redispatch`). The same shape as
 * deploy/haproxy/haproxy.cfg, on 127.0.0.1.
 */
export function haproxyConfig(listenPort: number, backends: Backend[]): string {
  return [
    'global',
    '  maxconn 4000',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    // A /sale may wait KASSA_POS_WAIT_MS (20 s by default) for the register; a WS stays open.
    '  timeout client 90s',
    '  timeout server 90s',
    '  timeout tunnel 1h',
    '  retries 3',
    '  option redispatch',
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
