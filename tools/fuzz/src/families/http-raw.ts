import { rawTcp, redact } from '../http';
import type { Prng } from '@kassa-relay/testing';
import type { Family, FuzzContext, FuzzInput, Outcome } from '../types';

const TARGETS = [
  '/',
  '//',
  '///',
  '//ws',
  '//evil.example/ws',
  '/\\\\host/ws',
  '/ws/../ws%',
  '/ws%00',
  '/ws?token=%00',
  '/ws#frag',
  '/WS',
  '/ws/',
  '/sale',
  '/sale/',
  '/sale?register=%',
  '/SALE',
  '/api',
  '/api/',
  '/api/stores/%',
  '/api/stores/%zz',
  '/api/stores/%c0%af',
  '/api/stores/..%2f..%2f',
  '/api/docs',
  '/api/docs/openapi.json',
  '/api/docs/%2e%2e/%2e%2e/etc/passwd',
  '/health',
  '/health/ready',
  '/metrics',
  '/socket.io/',
  '/socket.io/?EIO=4&transport=websocket',
  '/socket.io/?EIO=4&transport=polling&sid=%00',
  '/nowhere',
  '*',
  'http://127.0.0.1/ws',
  'http://evil.example/api/stores',
  'ws://127.0.0.1/ws',
  '/%',
  '/\u00ff\u00fe',
  '/ \u0000',
];

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'HEAD',
  'TRACE',
  'CONNECT',
  'PRI',
  'get',
  'G@T',
  'M'.repeat(100),
  'PROPFIND',
  '',
];

/**
 * Raw bytes on the cloud's HTTP port: odd request targets (`//` with Upgrade headers), bad and
 * oversize headers, conflicting lengths, broken chunked encoding, other protocols' prefaces.
 * What must not happen: a 5xx, a dead process; an upgrade that is neither taken nor refused.
 */
export function httpRawFamily(ctx: FuzzContext): Family {
  const key = () => ctx.registers[0]?.posKey ?? '';
  return {
    name: 'http',
    generate(prng: Prng, index: number): FuzzInput {
      const notes: string[] = [];
      const kind = prng.weighted<string>([
        ['upgrade', 30],
        ['headers', 25],
        ['framing', 20],
        ['line', 15],
        ['preface', 5],
        ['pipeline', 5],
      ]);
      let target = prng.pick(TARGETS);
      let method = 'GET';
      let version = 'HTTP/1.1';
      const headers: string[] = ['Host: 127.0.0.1'];
      let body = Buffer.alloc(0);
      let raw: Buffer | undefined;
      let isUpgrade = false;
      let upgradeValue = '';
      if (kind === 'upgrade') {
        isUpgrade = true;
        upgradeValue = prng.pick(['websocket', 'WebSocket', 'h2c', 'websocket, websocket', 'tls/1.2', '']);
        headers.push('Connection: Upgrade', `Upgrade: ${upgradeValue}`);
        if (prng.chance(0.8)) headers.push(`Sec-WebSocket-Version: ${prng.pick(['13', '8', '99', 'x', ''])}`);
        if (prng.chance(0.8))
          headers.push(
            `Sec-WebSocket-Key: ${prng.pick(['dGhlIHNhbXBsZSBub25jZQ==', '', 'short', 'x'.repeat(200)])}`,
          );
        if (prng.chance(0.3))
          headers.push(`Authorization: Bearer ${prng.chance(0.5) ? key() : `kr_pos_${prng.hex(20)}`}`);
        if (prng.chance(0.2))
          headers.push(
            'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=0; server_max_window_bits=99',
          );
        if (prng.chance(0.2)) version = 'HTTP/1.0';
        if (prng.chance(0.1)) method = prng.pick(['POST', 'PUT', 'OPTIONS']);
        notes.push(`upgrade ${method} ${target} ${version}`);
      } else if (kind === 'headers') {
        target = prng.pick([
          '/sale',
          '/api/stores',
          '/health',
          '/ws',
          '/socket.io/?EIO=4&transport=polling',
          '/',
        ]);
        method = target === '/sale' || target === '/api/stores' ? 'POST' : 'GET';
        const which = prng.pick([
          'no-colon',
          'nul',
          'obs-fold',
          'long',
          'many',
          'non-ascii',
          'space-name',
          'dup-host',
          'no-host',
          'bad-auth',
          'huge-cookie',
          'x-forwarded',
        ]);
        notes.push(`headers: ${which} on ${method} ${target}`);
        if (which === 'no-colon') headers.push('NoColonHere');
        else if (which === 'nul') headers.push('X-Nul: a\u0000b');
        else if (which === 'obs-fold') headers.push('X-Fold: a', ' continued');
        else if (which === 'long') headers.push(`X-Long: ${'a'.repeat(prng.pick([8_000, 17_000, 100_000]))}`);
        else if (which === 'many')
          for (let i = 0; i < prng.pick([100, 2_001, 5_000]); i += 1) headers.push(`X-H${i}: ${i}`);
        else if (which === 'non-ascii') headers.push('X-Utf: Касса\u00ff');
        else if (which === 'space-name') headers.push('Bad Name: x');
        else if (which === 'dup-host') headers.push('Host: evil.example');
        else if (which === 'no-host') headers.splice(0, 1);
        else if (which === 'bad-auth')
          headers.push(
            `Authorization: ${prng.pick(['Bearer', 'Bearer  ', 'Bearer \u0000', 'Basic ===', `Bearer ${'x'.repeat(9_000)}`])}`,
          );
        else if (which === 'huge-cookie') headers.push(`Cookie: ${'a=b; '.repeat(3_000)}`);
        else
          headers.push(
            `X-Forwarded-For: ${prng.pick(['', ',,,', '999.999.999.999', '::ffff:1.1.1.1, x, y', 'a'.repeat(1000)])}`,
          );
        if (method === 'POST') {
          body = Buffer.from('{"name":"x"}');
          headers.push('Content-Type: application/json', `Content-Length: ${body.length}`);
        }
      } else if (kind === 'framing') {
        target = prng.pick([
          '/sale',
          '/api/stores',
          '/api/auth/login',
          '/socket.io/?EIO=4&transport=polling',
        ]);
        method = 'POST';
        headers.push('Content-Type: application/json');
        const which = prng.pick([
          'cl-te',
          'two-cl',
          'negative-cl',
          'huge-cl',
          'bad-chunk',
          'huge-chunk',
          'chunk-ext',
          'te-junk',
          'cl-short',
          'te-identity',
        ]);
        notes.push(`framing: ${which} on ${target}`);
        const json = '{"docNumber":"1"}';
        if (which === 'cl-te') {
          headers.push(`Content-Length: ${json.length}`, 'Transfer-Encoding: chunked');
          body = Buffer.from(`${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`);
        } else if (which === 'two-cl') {
          headers.push(`Content-Length: ${json.length}`, `Content-Length: ${json.length + 5}`);
          body = Buffer.from(json);
        } else if (which === 'negative-cl') {
          headers.push('Content-Length: -1');
          body = Buffer.from(json);
        } else if (which === 'huge-cl') {
          headers.push(`Content-Length: ${prng.pick(['99999999999999999999', '1e9', '0x10', ' 17'])}`);
          body = Buffer.from(json);
        } else if (which === 'bad-chunk') {
          headers.push('Transfer-Encoding: chunked');
          body = Buffer.from(`zz\r\n${json}\r\n0\r\n\r\n`);
        } else if (which === 'huge-chunk') {
          headers.push('Transfer-Encoding: chunked');
          body = Buffer.from(`ffffffffffffffff\r\n${json}\r\n`);
        } else if (which === 'chunk-ext') {
          headers.push('Transfer-Encoding: chunked');
          body = Buffer.from(`${json.length.toString(16)};${'e'.repeat(5000)}=1\r\n${json}\r\n0\r\n\r\n`);
        } else if (which === 'te-junk') {
          headers.push(
            `Transfer-Encoding: ${prng.pick(['gzip, chunked', 'chunked, gzip', 'xchunked', 'chunked\u0000'])}`,
          );
          body = Buffer.from(`${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`);
        } else if (which === 'cl-short') {
          headers.push(`Content-Length: ${json.length - 4}`);
          body = Buffer.from(`${json}GET / HTTP/1.1\r\n\r\n`);
        } else {
          headers.push('Transfer-Encoding: identity');
          body = Buffer.from(json);
        }
      } else if (kind === 'line') {
        method = prng.pick(METHODS);
        version = prng.pick([
          'HTTP/1.1',
          'HTTP/1.0',
          'HTTP/0.9',
          'HTTP/2.0',
          'HTTP/1.1 extra',
          'HTTP/9.9',
          'http/1.1',
          '',
        ]);
        if (prng.chance(0.2)) target = `/${'a'.repeat(prng.pick([9_000, 20_000, 70_000]))}`;
        notes.push(`request line ${method.slice(0, 20)} ${target.slice(0, 40)} ${version}`);
      } else if (kind === 'preface') {
        raw = prng.pick([
          Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
          Buffer.from('16030100a5010000a10303', 'hex'),
          Buffer.from('\r\n\r\n\r\n'),
          Buffer.from('\u0010\u0000\u0004MQTT\u0004\u0002\u0000<'),
          prng.bytes(prng.int(1, 4096)),
        ]);
        notes.push(`preface ${raw.subarray(0, 12).toString('hex')}`);
      } else {
        const count = prng.int(2, 50);
        raw = Buffer.from(
          Array.from(
            { length: count },
            () =>
              `GET ${prng.pick(['/health', '//', '/ws', '/api/stores'])} HTTP/1.1\r\nHost: x\r\n${prng.chance(0.3) ? 'Connection: Upgrade\r\nUpgrade: websocket\r\n' : ''}\r\n`,
          ).join(''),
        );
        notes.push(`${count} pipelined requests`);
      }
      const payload =
        raw ??
        Buffer.concat([
          Buffer.from(`${method} ${target} ${version}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1'),
          body,
        ]);
      // An upgrade the cloud takes (/ws with a real key, socket.io) stays open: that is not a refusal missing.
      const mayStayOpen =
        isUpgrade &&
        (/^\/(ws|socket\.io)/.test(target) || target.startsWith('http') || target.startsWith('ws:'));
      return {
        index,
        family: 'http',
        kind: `http.${kind}`,
        notes,
        invalid: true,
        describe: () =>
          redact(
            `raw TCP to the HTTP port, ${payload.length} bytes:\n${JSON.stringify(payload.toString('latin1').slice(0, 1_500))}`,
            ctx,
          ),
        run: async (): Promise<Outcome> => {
          const result = await rawTcp(ctx.httpPort, payload, 2_000);
          const server = result.statuses.find((s) => s >= 500);
          if (server !== undefined)
            return {
              fiveXX: {
                route: `raw ${method.slice(0, 10)} ${target.split('?')[0]?.slice(0, 40)}`,
                status: server,
                body: result.text.slice(0, 300),
              },
              answer: `HTTP ${server}`,
            };
          // (An empty Upgrade header is no upgrade for Node: a plain request, answered and kept alive.)
          if (
            isUpgrade &&
            upgradeValue &&
            /^(\/\/|\/\\|\/nowhere|\/ws\/\.\.|\/ws%00)/.test(target) &&
            version === 'HTTP/1.1' &&
            method === 'GET'
          ) {
            // `//` and other targets nobody serves: an HTTP 4xx and the connection closed (hostile-input.test.ts).
            if (
              !result.statuses.some((s) => s >= 400 && s < 500) ||
              (!result.closed && !mayStayOpen && !/connection: close/i.test(result.text))
            )
              return {
                nonProtocol: {
                  kind: 'http.upgrade-not-refused',
                  detail: `${result.closed ? 'closed' : 'left open'}: ${result.text.slice(0, 120)}`,
                },
                answer: result.text.slice(0, 40),
              };
          }
          return {
            answer: result.statuses.length
              ? `HTTP ${result.statuses.join(',')}`
              : result.closed
                ? 'closed'
                : 'no answer',
          };
        },
      };
    },
  };
}
