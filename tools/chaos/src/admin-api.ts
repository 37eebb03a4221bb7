/** The admin API calls the soak makes (docs/admin-api.md), as an office or its operator would. */
export class AdminApi {
  private token = '';

  constructor(
    private readonly baseUrl: string,
    private readonly credentials: { email: string; password: string },
  ) {}

  async login(): Promise<void> {
    this.token = (
      await this.call<{ token: string }>('POST', '/api/auth/login', this.credentials, false)
    ).token;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: object): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  patch<T>(path: string, body: object): Promise<T> {
    return this.call<T>('PATCH', path, body);
  }

  private async call<T>(method: string, path: string, body?: object, relogin = true): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    if (response.status === 401 && relogin) {
      await this.login();
      return this.call<T>(method, path, body, false);
    }
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

export interface DocumentView {
  id: string;
  registerId: string;
  kind: string;
  operation: string | null;
  status: 'pending' | 'done' | 'failed' | 'inDoubt';
  total: number | null;
  fiscalId: string | null;
  checkNumber: number | null;
  documentNumber: number | null;
  requestedAt: string;
  completedAt: string | null;
  doubtSince: string | null;
}

export interface DocumentDetail extends DocumentView {
  error: { code: string; message: string } | null;
  doubt: {
    since: string;
    attempts: number | null;
    needs: 'deviceKey' | 'operator' | null;
    evidence: { at: string; text: string }[];
  } | null;
}

/** Every document matching `query` (all pages, newest first). */
export async function allDocuments(api: AdminApi, query: string): Promise<DocumentView[]> {
  const out: DocumentView[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const answer: { items: DocumentView[]; nextCursor: string | null } = await api.get(
      `/api/documents?limit=200&${query}${suffix}`,
    );
    out.push(...answer.items);
    if (!answer.nextCursor) break;
    cursor = answer.nextCursor;
  }
  return out;
}
