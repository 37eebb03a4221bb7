import { adminRoutes, type ApiRequest, createClient, enrollmentRoutes } from '@kassa-relay/admin-api';

/** The admin API routes an office script calls, with the store PC's enrollment beside them. */
export const toolRoutes = { ...adminRoutes, enrollment: enrollmentRoutes };

/** Sign-in and enrollment carry no session: a 401 there is a wrong credential, not an expiry. */
const publicPaths = new Set<string>([adminRoutes.auth.login.path, enrollmentRoutes.enroll.path]);
const isPublic = (request: ApiRequest): boolean => request.method === 'POST' && publicPaths.has(request.path);

/**
 * The admin API (docs/admin-api.md) as an office script calls it: signed in as one user, every
 * call must succeed (an error answer throws with its status and the start of its body). A 401
 * signs in again once: a restarted cloud may have forgotten the session.
 *
 * `api` is the typed client of the contract (`@kassa-relay/admin-api`):
 * `await admin.api.stores.create(body)`. Requests that deliberately leave the contract (the
 * fuzzer's hostile input) do not come here: they go raw, through tools/fuzz's own sender.
 */
export class AdminApi {
  private signedInToken = '';

  /** Every admin route, typed by the contract; sign-in and enrollment go without the session. */
  readonly api = createClient(toolRoutes, (request) => this.send(request, true));

  constructor(
    readonly baseUrl: string,
    private readonly credentials: { email: string; password: string },
    private readonly timeoutMs = 30_000,
  ) {}

  /** The session's bearer token (for requests made by hand, outside the contract). */
  get token(): string {
    return this.signedInToken;
  }

  async login(): Promise<void> {
    this.signedInToken = (await this.api.auth.login(this.credentials)).token;
  }

  private async send(request: ApiRequest, relogin: boolean): Promise<unknown> {
    const { method, path, body, answer } = request;
    const signedIn = !isPublic(request);
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(signedIn && this.signedInToken ? { authorization: `Bearer ${this.signedInToken}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (answer === 'binary' && response.ok) return response.blob();
    const text = await response.text();
    if (response.status === 401 && signedIn && relogin) {
      await this.login();
      return this.send(request, false);
    }
    if (answer === 'binary' && response.status === 404) return null;
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return answer === 'none' || !text ? undefined : JSON.parse(text);
  }
}
