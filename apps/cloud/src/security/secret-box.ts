import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * AES-256-GCM for secrets the system must read back (operator PINs, register access codes: the
 * agent sends them to the cash core in clear). Format `v1.<iv>.<tag>.<ciphertext>`, base64url.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {}

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}

/**
 * POS keys and enrollment tokens are long random values looked up on every request, so they are
 * stored as SHA-256 (a salted slow hash cannot be looked up; 24 random bytes need no stretching).
 */
export const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export interface JwtClaims {
  sub: string;
  org: string;
  role: 'admin' | 'viewer';
  email: string;
  /** The user's token version when it was issued (AdminSessions); absent in tokens from before versions. */
  ver?: number;
  iat: number;
  exp: number;
}

/** HS256 JSON Web Tokens for the admin API (node:crypto; nothing else needed for one algorithm). */
export class JwtSigner {
  private readonly key: Buffer;
  constructor(secret: Buffer) {
    // A key of its own, derived from the master secret, so a token never reveals the PIN key.
    this.key = createHmac('sha256', secret).update('kassa-relay admin jwt').digest();
  }

  sign(claims: Omit<JwtClaims, 'iat' | 'exp'>, ttlSec: number): string {
    const iat = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ ...claims, iat, exp: iat + ttlSec })).toString('base64url');
    const signature = createHmac('sha256', this.key).update(`${header}.${body}`).digest('base64url');
    return `${header}.${body}.${signature}`;
  }

  /** The claims of a valid, unexpired token; undefined otherwise. */
  verify(token: string): JwtClaims | undefined {
    const [header, body, signature] = token.split('.');
    if (!header || !body || !signature) return undefined;
    const expected = createHmac('sha256', this.key).update(`${header}.${body}`).digest();
    const actual = Buffer.from(signature, 'base64url');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as JwtClaims;
      if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }
}
