import { z } from 'zod';

/**
 * The register list on the retained `config` topic carries device secrets (iKKM keys, cash-core
 * PINs). A broker keeps retained messages, often on disk: the list travels sealed with a key only
 * the cloud and that agent know (AES-256-GCM, Web Crypto — the same in Node and browsers). The
 * cloud derives each agent's key from its own secret key (HKDF-SHA256, info = the agent id); the
 * agent is given it once, at enrollment (`configKey` in its config file).
 */
export const sealedConfigSchema = z.object({
  alg: z.literal('A256GCM'),
  /** 12 random bytes, base64. */
  iv: z.string().min(1),
  /** Ciphertext with its 16-byte tag appended, base64. */
  data: z.string().min(1),
});
export type SealedConfig = z.infer<typeof sealedConfigSchema>;

const HKDF_SALT = new TextEncoder().encode('kassa-relay agent config v1');

const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const fromBase64 = (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(text, 'base64'));
/** Web Crypto takes only buffers backed by a plain ArrayBuffer (not a shared one): copy into one. */
const own = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

/** The agent's config key (32 bytes) from the cloud's secret key. */
export async function deriveAgentConfigKey(cloudSecret: Uint8Array, agentId: string): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', own(cloudSecret), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info: new TextEncoder().encode(agentId) },
    base,
    256,
  );
  return new Uint8Array(bits);
}

const aesKey = (key: Uint8Array, usage: 'encrypt' | 'decrypt') =>
  crypto.subtle.importKey('raw', own(key), 'AES-GCM', false, [usage]);

/** Seals any JSON value; the agent id is bound as additional data (a list cannot move to another agent). */
export async function sealConfig(value: unknown, key: Uint8Array, agentId: string): Promise<SealedConfig> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(agentId) },
    await aesKey(key, 'encrypt'),
    new TextEncoder().encode(JSON.stringify(value)),
  );
  return { alg: 'A256GCM', iv: toBase64(iv), data: toBase64(new Uint8Array(data)) };
}

/** Opens a sealed value; throws when the key or the agent id is wrong or the data was altered. */
export async function openConfig(sealed: SealedConfig, key: Uint8Array, agentId: string): Promise<unknown> {
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64(sealed.iv), additionalData: new TextEncoder().encode(agentId) },
    await aesKey(key, 'decrypt'),
    fromBase64(sealed.data),
  );
  return JSON.parse(new TextDecoder().decode(plain)) as unknown;
}
