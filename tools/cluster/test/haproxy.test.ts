import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  type ChildProgram,
  freePort,
  ProcessGroup,
  productEnv,
  tempDir,
  waitUntil,
} from '@kassa-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAPROXY, haproxyConfig, haproxyServerStates } from '../src/haproxy';

/**
 * The load balancer of `npm run cluster`, `bench:cluster` and the cluster test, against one live
 * instance (a plain HTTP server answering /health/ready) and two ports nobody listens on.
 */
describe('HAProxy as the cluster configures it', () => {
  const dir = tempDir('kassa-haproxy-test-');
  const processes = new ProcessGroup();
  const statsSocket = join(dir.path, 'haproxy.sock');
  let live: Server;
  let url: string;
  let haproxy: ChildProgram;
  const reached: string[] = [];

  beforeAll(async () => {
    live = createServer((request, response) => {
      reached.push(`${request.method} ${request.url}`);
      response.end('ok');
    });
    await new Promise<void>((resolve) => live.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const configFile = join(dir.path, 'haproxy.cfg');
    writeFileSync(
      configFile,
      haproxyConfig(
        port,
        [
          { name: 'cloud-1', port: (live.address() as AddressInfo).port },
          { name: 'cloud-2', port: await freePort() },
          { name: 'cloud-3', port: await freePort() },
        ],
        statsSocket,
      ),
    );
    haproxy = processes.start({
      name: 'haproxy',
      command: HAPROXY,
      args: ['-f', configFile, '-db'],
      logFile: join(dir.path, 'haproxy.log'),
      env: productEnv(),
    });
    url = `http://127.0.0.1:${port}`;
  }, 30_000);

  afterAll(async () => {
    await processes.stopAll();
    await new Promise((resolve) => live.close(resolve));
    dir.remove();
  });

  /** Until HAProxy's first checks have found cloud-1 up and the other two down ("UP 1/2" before). */
  const checked = () =>
    waitUntil(
      async () => {
        const states = await haproxyServerStates(statsSocket);
        return (
          states.get('cloud-1') === 'UP' &&
          states.get('cloud-2') === 'DOWN' &&
          states.get('cloud-3') === 'DOWN'
        );
      },
      10_000,
      'HAProxy to find cloud-1 up, cloud-2 and cloud-3 down',
    );

  it('tells on its stats socket which instances its checks found down, and which up', async () => {
    await checked();
    const states = await haproxyServerStates(statsSocket);
    expect([...states.entries()].filter(([name]) => name.startsWith('cloud-'))).toEqual([
      ['cloud-1', 'UP'],
      ['cloud-2', 'DOWN'],
      ['cloud-3', 'DOWN'],
    ]);
    expect(haproxy.child.exitCode).toBeNull();
  });

  it('once they are found down, sends every request to the instance that is up', async () => {
    await checked();
    reached.length = 0;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        fetch(`${url}/sale?n=${n}`, { method: 'POST', body: '{}' }).then((response) => response.status),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 30 }, () => 200));
    expect(reached.filter((line) => line.startsWith('POST /sale'))).toHaveLength(30);
  });
});
