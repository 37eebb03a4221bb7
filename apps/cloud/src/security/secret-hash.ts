import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
) => Promise<Buffer>;
const KEY_LENGTH = 32;

/**
 * One-way hash for secrets we only ever verify (admin passwords, POS keys, agent MQTT passwords):
 * `scrypt$<salt b64>$<hash b64>`. scrypt is in node:crypto — no native dependency.
 */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, KEY_LENGTH);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * The hash of a machine secret: an agent's MQTT password, 24 random bytes made by the cloud
 * (`newSecret`), never chosen by a person. A slow KDF adds nothing against guessing 192 random
 * bits, and a broker checks this on every CONNECT — a reconnect storm of 10,000 agents must not
 * cost 10,000 scrypt runs. `sha256$<salt>$<hex sha256(secret + salt)>`: the form EMQX's PostgreSQL
 * authenticator verifies itself (`password_hash_algorithm { name = sha256, salt_position = suffix }`,
 * deploy/emqx/emqx.conf).
 */
export function hashMachineSecret(secret: string): string {
  const salt = randomBytes(16).toString('hex');
  return `sha256$${salt}$${sha256Hex(secret + salt)}`;
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Checks a secret against `hashSecret`'s (scrypt) or `hashMachineSecret`'s (sha256) form. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, saltText, hashText] = stored.split('$');
  if (scheme === 'sha256' && saltText && hashText) {
    const actual = Buffer.from(sha256Hex(secret + saltText), 'hex');
    const expected = Buffer.from(hashText, 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
  if (scheme !== 'scrypt' || !saltText || !hashText) return false;
  const expected = Buffer.from(hashText, 'base64');
  const actual = await scrypt(secret, Buffer.from(saltText, 'base64'), expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A random secret for people to copy once (POS keys, MQTT passwords, enrollment tokens). */
export const newSecret = (bytes = 24): string => randomBytes(bytes).toString('base64url');
