import { Code } from './answer-codes';
import { fail, ok, type Outcome } from './answers';

/** A web-api request after HTTP parsing: the path and every parameter from query and body. */
export interface WebApiRequest {
  method: string;
  /** Path without trailing slashes (the seed writes both `/apibank/?key=` and `/apicheck?key=`). */
  path: string;
  /** The path as received, for fault matching. */
  rawPath: string;
  params: ReadonlyMap<string, string>;
  /** Parameters that came in a POST body: `print` and `itemdata` are accepted only there. */
  bodyParams: ReadonlySet<string>;
}

/** Large enough for a long `print` text; a device has no business accepting more. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Turns the raw request into parameters. Form bodies (application/x-www-form-urlencoded, or no
 * content type) and query strings are both read, as the seed allows GET and POST. A parameter given
 * twice with different values is a request error (-7): the device could not know which one counts.
 *
 * The seed's own cash-in example has a typo, `/apideposit/key=[API-Key]&cash=[сумма]` (no `?`);
 * clients copy it, so a last path segment that looks like `name=value&…` is read as a query.
 */
export function parseWebApiRequest(input: {
  method: string;
  url: string;
  contentType: string | undefined;
  body: Buffer;
}): Outcome<WebApiRequest> {
  let url: URL;
  try {
    url = new URL(input.url, 'http://ikkm.local');
  } catch {
    return fail(Code.RequestError);
  }
  let path = url.pathname;
  const pairs: [string, string][] = [...url.searchParams];

  const lastSlash = path.lastIndexOf('/');
  const lastSegment = path.slice(lastSlash + 1);
  if (lastSlash > 0 && lastSegment.includes('=')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(lastSegment);
    } catch {
      return fail(Code.RequestError);
    }
    pairs.push(...new URLSearchParams(decoded));
    path = path.slice(0, lastSlash);
  }

  const bodyNames = new Set<string>();
  if (input.body.length > 0) {
    if (input.method !== 'POST') return fail(Code.RequestError);
    const type = (input.contentType ?? '').toLowerCase();
    if (
      type !== '' &&
      !type.startsWith('application/x-www-form-urlencoded') &&
      !type.startsWith('text/plain')
    ) {
      return fail(Code.RequestError);
    }
    for (const [name, value] of new URLSearchParams(input.body.toString('utf8'))) {
      pairs.push([name, value]);
      bodyNames.add(name);
    }
  }

  const params = new Map<string, string>();
  for (const [name, value] of pairs) {
    const previous = params.get(name);
    if (previous !== undefined && previous !== value) return fail(Code.RequestError);
    params.set(name, value);
  }
  // A parameter also present in the query is not "body only".
  for (const [name] of url.searchParams) bodyNames.delete(name);

  return ok({
    method: input.method,
    path: normalizePath(path),
    rawPath: url.pathname,
    params,
    bodyParams: bodyNames,
  });
}

function normalizePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}
