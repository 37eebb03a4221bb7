import { headerText, redact, sendHttp, showBody } from '../http';
import { hostileString, type JsonLike, mutateJson, percentEncode, serialize } from '../mutate';
import { adminBodyProblems, exampleOf, type OpenApiOperation } from '../openapi';
import type { Prng } from '@kassa-relay/testing';
import type { Family, FuzzContext, FuzzInput, Outcome } from '../types';

/** The cloud's admin body limit (apps/cloud/src/core/raw-body.ts). */
export const ADMIN_LIMIT_BYTES = 1024 * 1024;

/**
 * Operations whose body can never be right from the fuzzer: it knows no unused enrollment token,
 * and mutations never produce the admin's own password. Schema-valid bodies are sent to them too.
 */
const NEVER_VALID = new Set(['POST /api/auth/login', 'POST /api/agents/enroll', 'POST /api/auth/password']);

/** Routes the fuzzer leaves alone: /sale is a family of its own. */
const SKIPPED = new Set(['POST /sale']);

interface AdminRequest {
  method: string;
  template: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/**
 * The admin API, driven by its own OpenAPI document: every operation, its path ids (real ones,
 * unknown ones, junk), its query parameters, its body made valid from the schema and then
 * mutated until the schema refuses it; tokens missing, forged or of a viewer.
 */
export function adminFamily(ctx: FuzzContext, viewerToken: string): Family {
  const operations = ctx.operations.filter((op) => !SKIPPED.has(`${op.method} ${op.path}`));

  const hint = (field: string): JsonLike | undefined => {
    if (field === 'storeId') return ctx.decoyStoreId;
    if (field === 'registerId' || field === 'registerIds') return ctx.registers[0]?.id ?? null;
    if (field === 'agentId') return ctx.forgers[0]?.agentId;
    if (field === 'email') return 'fuzz-target@example.kz';
    if (field === 'password' || field === 'newPassword' || field === 'currentPassword')
      return 'not-the-password-42';
    if (field === 'token') return `kr_enroll_not-a-token`;
    if (field === 'url') return 'http://127.0.0.1:9/';
    if (field === 'timezone' || field === 'tz') return 'Asia/Almaty';
    if (field === 'date') return '2026-01-02';
    return undefined;
  };

  /** Ids for `{id}` that exist (for this route's kind of object), do not, or are not ids at all. */
  const pathIds = (prng: Prng, template: string): { id: string; real: boolean } => {
    const real: string[] = template.startsWith('/api/stores')
      ? [ctx.decoyStoreId]
      : template.startsWith('/api/users')
        ? [ctx.spareUserId]
        : template.startsWith('/api/operators')
          ? [ctx.spareOperatorId]
          : template.startsWith('/api/registers')
            ? [
                ...ctx.forgers.map((f) => f.registerId),
                ctx.owner.registerId,
                ...ctx.registers.map((r) => r.id),
              ]
            : template.startsWith('/api/documents')
              ? ctx.documents.map((d) => d.id)
              : template.startsWith('/api/agents')
                ? [...ctx.forgers.map((f) => f.agentId), ctx.owner.agentId]
                : [];
    const which = prng.weighted<string>([
      ['real', real.length ? 4 : 0],
      ['uuid', 3],
      ['junk', 3],
    ]);
    if (which === 'real') return { id: prng.pick(real), real: true };
    if (which === 'uuid')
      return {
        id: `${prng.hex(8)}-${prng.hex(4)}-4${prng.hex(3)}-a${prng.hex(3)}-${prng.hex(12)}`,
        real: false,
      };
    const junk = prng.pick([
      '%00',
      '%ED%A0%80',
      '..',
      '%2e%2e%2f',
      'x'.repeat(prng.pick([65, 1000, 9000])),
      '%20',
      "1'%20OR%20'1'='1",
      '-1',
      '0',
      '9'.repeat(40),
      'null',
      'undefined',
      '__proto__',
      '%25',
      percentEncode('Касса'),
      '%F0%9F%98%80',
      '%FF',
    ]);
    return { id: junk, real: false };
  };

  const queryValue = (prng: Prng, op: OpenApiOperation, name: string): string => {
    const schema = op.parameters.find((p) => p.name === name)?.schema ?? {};
    if (prng.chance(0.4))
      return percentEncode(serialize(exampleOf(prng, schema, hint, name)).replace(/^"|"$/g, ''));
    const hostile = prng.pick<() => string>([
      () => percentEncode(hostileString(prng).value.slice(0, 3000)),
      () =>
        prng.pick([
          '1e309',
          '-1',
          '0',
          '1.5',
          'NaN',
          'Infinity',
          '99999999999999999999999',
          '-9007199254740993',
          '0x10',
        ]),
      () => prng.pick(['%00', '%', '%zz', '%ED%A0%80', '']),
      () =>
        prng.pick([
          '2026-13-45',
          '2026-02-30T25:00:00Z',
          '9999-99-99',
          '0000-00-00',
          '2026-01-02T10:00:00+99:99',
        ]),
      () => prng.pick(['Mars/Olympus', 'Europe/../../etc', '+99:00', 'UTC\u0000']).replace(/\u0000/, '%00'),
      () => 'a,'.repeat(prng.pick([10, 1000])),
      () => Buffer.from(prng.bytes(12)).toString('base64url'),
    ]);
    return hostile();
  };

  const run = async (request: AdminRequest, invalid: boolean, silentAgent: boolean): Promise<Outcome> => {
    const answer = await sendHttp({
      port: ctx.httpPort,
      method: request.method,
      path: request.path,
      headers: request.headers,
      ...(request.body ? { body: request.body } : {}),
      fresh: (request.body?.length ?? 0) > ADMIN_LIMIT_BYTES,
      timeoutMs: 60_000,
    });
    const route = `${request.method} ${request.template}`;
    if ('error' in answer) {
      if ((request.body?.length ?? 0) > ADMIN_LIMIT_BYTES) return { answer: `connection: ${answer.error}` };
      return {
        nonProtocol: { kind: 'admin.no-answer', detail: `${route}: ${answer.error}` },
        answer: answer.error,
      };
    }
    const text = answer.body.toString('utf8');
    // A forger agent the cloud believes online (it said so) never answers a command: 504 is the honest answer.
    if (answer.status === 504 && silentAgent) return { answer: 'HTTP 504 (the forger agent never answers)' };
    if (answer.status >= 500)
      return {
        fiveXX: { route, status: answer.status, body: text.slice(0, 300) },
        answer: `HTTP ${answer.status}`,
      };
    const isRead = request.method === 'GET' || request.method === 'HEAD';
    if (answer.status < 300) {
      if (invalid && !isRead)
        return {
          accepted: true,
          nonProtocol: {
            kind: 'admin.accepted-invalid',
            detail: `${route}: HTTP ${answer.status} ${text.slice(0, 200)}`,
          },
          answer: `HTTP ${answer.status}`,
        };
      return { accepted: !isRead, answer: `HTTP ${answer.status}` };
    }
    if (answer.status >= 400 && request.template.startsWith('/api/') && request.method !== 'HEAD') {
      // Refusals are JSON `{ statusCode, message }`, as Nest's own errors are (Node's parser answers below that).
      let json: { statusCode?: unknown; message?: unknown } | undefined;
      try {
        json = JSON.parse(text) as typeof json;
      } catch {
        json = undefined;
      }
      if (
        !json ||
        json.statusCode !== answer.status ||
        (typeof json.message !== 'string' && !Array.isArray(json.message))
      )
        if (!(answer.status === 431 || (answer.status === 400 && text === '')))
          return {
            nonProtocol: {
              kind: 'admin.refusal-shape',
              detail: `${route}: HTTP ${answer.status} ${text.slice(0, 200)}`,
            },
            answer: `HTTP ${answer.status}`,
          };
    }
    return { answer: `HTTP ${answer.status}` };
  };

  return {
    name: 'admin',
    generate(prng: Prng, index: number): FuzzInput {
      const op = prng.pick(operations);
      const key = `${op.method} ${op.path}`;
      const notes: string[] = [key];
      let realIds = true;
      let path = op.path.replace(/\{(\w+)\}/g, () => {
        const id = pathIds(prng, op.path);
        realIds &&= id.real;
        if (!id.real) notes.push(`path id ${id.id.slice(0, 40)}`);
        return id.id;
      });
      const query: string[] = [];
      let queryValid = true;
      for (const parameter of op.parameters.filter((p) => p.in === 'query'))
        if (parameter.required || prng.chance(0.5)) {
          const value = queryValue(prng, op, parameter.name);
          query.push(`${parameter.name}=${value}`);
          let decoded: string | undefined;
          try {
            decoded = decodeURIComponent(value);
          } catch {
            decoded = undefined;
          }
          // Only a value the schema refuses as text for sure (strings: too long, NUL…) makes the query invalid.
          if (
            decoded === undefined ||
            adminBodyProblems(
              parameter.schema.type === 'string' ? parameter.schema : undefined,
              Buffer.from(JSON.stringify(decoded)),
            ).length > 0
          )
            queryValid = false;
        } else if (parameter.required) queryValid = false;
      if (prng.chance(0.1)) {
        query.push(prng.pick(['a[b]=1', 'limit=1&limit=2', '__proto__[x]=1', 'x'.repeat(3000), '&&&', '=']));
      }
      if (query.length) path += `?${query.join('&')}`;
      // Auth: mostly the admin's token (so the body is what is judged), else missing, forged, a viewer's.
      const auth = prng.weighted<string>([
        ['admin', 80],
        ['none', 5],
        ['garbage', 4],
        ['alg-none', 3],
        ['viewer', 5],
        ['pos-key', 3],
      ]);
      const headers: Record<string, string> = {};
      if (auth === 'admin') headers['authorization'] = `Bearer ${ctx.adminToken}`;
      else if (auth === 'garbage')
        headers['authorization'] =
          `Bearer ${prng.pick(['x', `${ctx.adminToken}x`, ctx.adminToken.split('.').reverse().join('.'), 'a.b.c'])}`;
      else if (auth === 'alg-none')
        headers['authorization'] =
          `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: ctx.spareUserId, org: ctx.organisationId, email: 'spare@example.kz', role: 'admin', v: 0, exp: 4102444800 })).toString('base64url')}.`;
      else if (auth === 'viewer') headers['authorization'] = `Bearer ${viewerToken}`;
      else if (auth === 'pos-key') headers['authorization'] = `Bearer ${ctx.registers[0]?.posKey ?? ''}`;
      if (auth !== 'admin') notes.push(`auth: ${auth}`);
      // A viewer may read, and manage its own sign-in (log out everywhere, change its password).
      const authorised =
        auth === 'admin' ||
        (auth === 'viewer' && (op.method === 'GET' || op.path.startsWith('/api/auth/'))) ||
        !op.secured;

      let body: Buffer | undefined;
      const hasBody = op.method !== 'GET' && op.method !== 'DELETE' && op.method !== 'HEAD';
      if (hasBody) {
        headers['content-type'] = prng.chance(0.9)
          ? 'application/json'
          : prng.pick([
              'text/plain',
              'application/x-www-form-urlencoded',
              'application/json; charset=utf-16',
            ]);
        const example = op.body ? exampleOf(prng, op.body, hint) : {};
        const mustRefuse = authorised && realIds && !NEVER_VALID.has(key);
        for (let attempt = 0; attempt < 6; attempt += 1) {
          const mutated = mutateJson(prng, example, {
            knownKeys: Object.keys(op.body?.properties ?? {}),
            limitBytes: ADMIN_LIMIT_BYTES,
          });
          body = mutated.body;
          notes.splice(
            1,
            notes.length - 1,
            ...notes.slice(1).filter((n) => n.startsWith('path') || n.startsWith('auth')),
            ...mutated.notes,
          );
          if (!mustRefuse || adminBodyProblems(op.body, body).length > 0) break;
        }
        if (mustRefuse && adminBodyProblems(op.body, body).length === 0) {
          // Still acceptable after the mutations: a string PostgreSQL cannot store makes it refused for sure.
          body = Buffer.from(
            serialize({
              ...(typeof example === 'object' && example !== null && !Array.isArray(example) ? example : {}),
              name: 'x\u0000',
            }),
          );
          notes.push('a NUL-containing name added');
        }
      }
      const readOnly = op.method === 'GET' || op.method === 'HEAD';
      const bodyRefused = hasBody && adminBodyProblems(op.body, body).length > 0;
      // A read with real ids may still reach a register (GET …/device-operators sends a command and
      // records it): valid reads run apart, as controls. A valid write is not sent at all.
      const valid = readOnly
        ? authorised && realIds && queryValid
        : authorised && realIds && !NEVER_VALID.has(key) && !bodyRefused;
      const request: AdminRequest = {
        method: op.method,
        template: op.path,
        path,
        headers,
        ...(body ? { body } : {}),
      };
      return {
        index,
        family: 'admin',
        kind: `admin.${op.method} ${op.path}`,
        notes,
        invalid: !valid,
        ...(valid && !readOnly ? { skipped: true } : {}),
        describe: () =>
          redact(
            `${op.method} ${path.length > 600 ? `${path.slice(0, 600)}…` : path} HTTP/1.1\n${headerText(headers, ctx)}\n\n${showBody(body)}`,
            ctx,
          ),
        run: () =>
          run(
            request,
            !valid,
            ctx.forgers.some((f) => path.includes(f.registerId)),
          ),
      };
    },
  };
}
