import { ACCESS_CODE, KKM_OFD_ID } from './sale';

/**
 * The few admin API calls the benchmark needs to build its organisation (docs/admin-api.md): the
 * same requests the dashboard or an office script makes.
 */
export class AdminApi {
  private token = '';

  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async login(email: string, password: string): Promise<void> {
    this.token = (await this.call<{ token: string }>('POST', '/api/auth/login', { email, password })).token;
  }

  createStore(name: string): Promise<{ id: string }> {
    return this.call('POST', '/api/stores', { name, timezone: 'Asia/Almaty' });
  }

  createCashCoreRegister(storeId: string, name: string, url: string): Promise<{ id: string }> {
    return this.call('POST', '/api/registers', {
      storeId,
      name,
      currency: 'KZT',
      device: { kind: 'cash-core', url, accessCode: ACCESS_CODE, kkmOfdId: KKM_OFD_ID },
      taxTable: [{ percent: 12, name: 'НДС 12%' }],
    });
  }

  createEnrollmentToken(storeId: string, name: string): Promise<{ token: string }> {
    return this.call('POST', '/api/enrollment-tokens', { storeId, name, ttlHours: 1 });
  }

  agents(): Promise<{ id: string; online: boolean }[]> {
    return this.call('GET', '/api/agents');
  }

  /** The newest fiscal document with the cloud's timings. */
  async latestDocument(): Promise<{
    requestedAt: string;
    completedAt: string | null;
    deviceMs: number | null;
  }> {
    const page = await this.call<{ items: { id: string }[] }>('GET', '/api/documents?limit=1');
    const newest = page.items[0];
    if (!newest) throw new Error('GET /api/documents: no document');
    return this.call('GET', `/api/documents/${newest.id}`);
  }

  createPosKey(registerId: string, name: string): Promise<{ key: string }> {
    return this.call('POST', '/api/pos-keys', { registerId, name });
  }
}
