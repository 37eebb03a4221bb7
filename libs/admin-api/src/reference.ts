import type { z } from 'zod';
import { type RouteContract, type RouteTree, successStatus, wireJsonSchema } from './contract';
import { liveEvents } from './events';

/**
 * docs/admin-api-reference.md, written from the contracts: every route's roles, query, body and
 * answer as they are on the wire. The prose stays in docs/admin-api.md; the field lists live here
 * so they cannot drift from what the cloud validates and answers.
 */
export function renderReference(routes: RouteTree): string {
  const lines = [
    '# Admin API reference',
    '',
    '<!-- Written by `npm run docs:admin-api` from libs/admin-api; do not edit by hand. -->',
    '',
    'Every route, its roles and the shapes on the wire (JSON; instants are ISO 8601 strings; money in',
    'integer minor units). `?` marks an optional field. The same contracts validate requests in the',
    'cloud, shape its answers, produce the OpenAPI document at `/api/docs` and type the dashboard.',
    'The prose — what each call does to the registers — is in [admin-api.md](admin-api.md).',
    '',
  ];
  for (const [feature, node] of Object.entries(routes)) {
    lines.push(`## ${feature}`, '');
    for (const [name, contract] of Object.entries(node as RouteTree)) {
      const route = contract as RouteContract;
      const who = route.public ? 'no sign-in' : route.adminOnly ? 'role admin' : 'any signed-in user';
      lines.push(`### \`${route.method} ${route.path}\` — ${feature}.${name}`, '', `${route.summary}.`, '');
      lines.push(`- who: ${who}; success: ${successStatus(route)}`);
      if (route.query) lines.push(`- query: \`${shape(route.query)}\``);
      if (route.body) lines.push(`- body: \`${shape(route.body)}\``);
      else if (route.method !== 'GET') lines.push('- body: none (a body is refused with 400)');
      lines.push(
        `- answer: ${
          route.response === null
            ? 'none (204)'
            : route.response === 'image/png'
              ? '`image/png` (404 when there is none)'
              : `\`${shape(route.response)}\``
        }`,
        '',
      );
    }
  }
  lines.push('## Live events (socket.io `/admin`)', '');
  for (const [event, schema] of Object.entries(liveEvents))
    lines.push(`- \`${event}\`: \`${shape(schema as z.ZodType)}\``);
  lines.push('');
  return lines.join('\n');
}

type Json = Record<string, unknown>;

/** A JSON Schema as a one-line TypeScript-like shape, `$ref`s resolved. */
function shape(schema: z.ZodType): string {
  const root = wireJsonSchema(schema);
  const defs = (root.$defs ?? {}) as Record<string, Json>;
  const seen = new Set<string>();
  const render = (node: Json): string => {
    if (typeof node.$ref === 'string') {
      const name = node.$ref.split('/').at(-1)!;
      if (seen.has(name) || !defs[name]) return name;
      seen.add(name);
      const text = render(defs[name]);
      seen.delete(name);
      return text;
    }
    if (Array.isArray(node.enum)) return node.enum.map((value) => JSON.stringify(value)).join(' | ');
    if ('const' in node) return JSON.stringify(node.const);
    const union = (node.anyOf ?? node.oneOf) as Json[] | undefined;
    if (union) return union.map(render).join(' | ');
    if (Array.isArray(node.allOf)) return (node.allOf as Json[]).map(render).join(' & ');
    const type = node.type;
    if (Array.isArray(type)) return type.map((t) => render({ ...node, type: t })).join(' | ');
    switch (type) {
      case 'string':
        return node.format === 'date-time' ? 'instant' : 'string';
      case 'integer':
        return 'integer';
      case 'number':
      case 'boolean':
      case 'null':
        return type;
      case 'array': {
        const item = render((node.items ?? {}) as Json);
        return /[ |]/.test(item) && !item.startsWith('{') ? `(${item})[]` : `${item}[]`;
      }
      case 'object': {
        const properties = (node.properties ?? {}) as Record<string, Json>;
        const required = new Set((node.required ?? []) as string[]);
        const fields = Object.entries(properties).map(
          ([name, value]) => `${name}${required.has(name) ? '' : '?'}: ${render(value)}`,
        );
        if (fields.length === 0) return node.additionalProperties === false ? '{}' : 'object';
        return `{ ${fields.join(', ')} }`;
      }
      default:
        return 'any';
    }
  };
  return render(root);
}
