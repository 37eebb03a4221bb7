/**
 * The admin API (docs/admin-api.md) as an office script calls it: signed in as one user, every
 * call must succeed (an error answer throws with its status and the start of its body). A 401
 * signs in again once: a restarted cloud may have forgotten the session.
 */
export class AdminApi {
  private signedInToken = '';

  constructor(
    readonly baseUrl: string,
    private readonly credentials: { email: string; password: string },
    private readonly timeoutMs = 30_000,
  ) {}

  /** The session's bearer token (for requests made by hand). */
  get token(): string {
    return this.signedInToken;
  }

  async login(): Promise<void> {
    this.signedInToken = (
      await this.call<{ token: string }>('POST', '/api/auth/login', this.credentials, { signedIn: false })
    ).token;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body?: object): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  patch<T>(path: string, body: object): Promise<T> {
    return this.call<T>('PATCH', path, body);
  }

  /** One call; `signedIn: false` sends no token (login, an agent's own enrollment). */
  call<T>(method: string, path: string, body?: object, options: { signedIn?: boolean } = {}): Promise<T> {
    return this.request<T>(method, path, body, options.signedIn ?? true, true);
  }

  private async request<T>(
    method: string,
    path: string,
    body: object | undefined,
    signedIn: boolean,
    relogin: boolean,
  ): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(signedIn && this.signedInToken ? { authorization: `Bearer ${this.signedInToken}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    if (response.status === 401 && signedIn && relogin) {
      await this.login();
      return this.request<T>(method, path, body, signedIn, false);
    }
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
