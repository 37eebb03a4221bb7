import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ApiRequest, createClient } from './client';
import { isoDateTime, route, successStatus } from './contract';
import { renderReference } from './reference';
import { apiRoutes } from './routes';

const routes = {
  things: {
    list: route({
      method: 'GET',
      path: '/api/things',
      tag: 'things',
      summary: 'List',
      query: z.object({ storeId: z.string().optional(), status: z.array(z.string()).optional() }),
      response: z.array(z.object({ id: z.string(), at: isoDateTime })),
    }),
    update: route({
      method: 'PATCH',
      path: '/api/stores/:storeId/things/:id',
      tag: 'things',
      summary: 'Change',
      body: z.object({ name: z.string() }),
      response: z.object({ id: z.string() }),
    }),
    remove: route({
      method: 'DELETE',
      path: '/api/things/:id',
      tag: 'things',
      summary: 'Delete',
      response: null,
    }),
  },
};

describe('the admin API client built on the contracts', () => {
  const sent: ApiRequest[] = [];
  const client = createClient(routes, async (request) => {
    sent.push(request);
    return request.answer === 'none' ? undefined : [];
  });

  it('fills path parameters in order, escaped, and sends the body of a route that has one', async () => {
    await client.things.update('store/1', 'thing 2', { name: 'x' });
    expect(sent.at(-1)).toEqual({
      method: 'PATCH',
      path: '/api/stores/store%2F1/things/thing%202',
      body: { name: 'x' },
      answer: 'json',
    });
  });

  it('writes a query from the values that are set (lists comma-separated) and keys the call by it', async () => {
    const call = client.things.list({ storeId: '', status: ['done', 'inDoubt'] });
    expect(call.key).toBe('GET /api/things?status=done%2CinDoubt');
    expect(sent.length).toBe(1); // not sent until awaited or run
    await call;
    expect(sent.at(-1)).toEqual({ method: 'GET', path: '/api/things?status=done%2CinDoubt', answer: 'json' });
  });

  it('sends a call once however often it is awaited; run() sends it again', async () => {
    const before = sent.length;
    const call = client.things.update('s', 't', { name: 'once' });
    await Promise.all([call, call]);
    await call;
    expect(sent.length - before).toBe(1);
    await call.run();
    expect(sent.length - before).toBe(2);
  });

  it('expects no answer from a 204 route', async () => {
    await client.things.remove('t1');
    expect(sent.at(-1)).toMatchObject({ method: 'DELETE', path: '/api/things/t1', answer: 'none' });
    expect(successStatus(routes.things.remove)).toBe(204);
  });
});

describe('contract schemas on the wire', () => {
  it('encode instants to ISO strings and decode them back', () => {
    const answer = routes.things.list.response;
    const at = new Date('2026-12-01T10:00:00.000Z');
    expect(answer.encode([{ id: 'a', at }])).toEqual([{ id: 'a', at: '2026-12-01T10:00:00.000Z' }]);
    expect(answer.decode([{ id: 'a', at: '2026-12-01T10:00:00.000Z' }])).toEqual([{ id: 'a', at }]);
  });

  it('refuse to encode an answer that does not fit, and drop fields outside the contract', () => {
    const answer = routes.things.list.response;
    expect(answer.safeEncode([{ id: 'a', at: 'yesterday' } as never]).success).toBe(false);
    expect(answer.encode([{ id: 'a', at: new Date(0), secret: 'x' } as never])).toEqual([
      { id: 'a', at: '1970-01-01T00:00:00.000Z' },
    ]);
  });

  it('every route has a unique method and path', () => {
    const seen = new Set<string>();
    const walk = (tree: Record<string, unknown>) => {
      for (const node of Object.values(tree)) {
        const contract = node as { method?: string; path?: string };
        if (typeof contract.method !== 'string') {
          walk(node as Record<string, unknown>);
          continue;
        }
        const key = `${contract.method} ${contract.path}`;
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
      }
    };
    walk(apiRoutes);
    expect(seen.size).toBeGreaterThan(30);
  });
});

describe('docs/admin-api-reference.md', () => {
  it('is what the contracts say (npm run docs:admin-api writes it)', () => {
    const written = readFileSync(resolve(__dirname, '../../../docs/admin-api-reference.md'), 'utf8');
    expect(written).toBe(renderReference(apiRoutes));
  });
});
