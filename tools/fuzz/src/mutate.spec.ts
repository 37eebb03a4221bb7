import { describe, expect, it } from 'vitest';
import { Prng } from '@kassa-relay/testing';
import { mutateText } from './mutate';

describe('mutateText', () => {
  it('mutates a body already past the receiver’s limit without failing (the long run hit it twice)', () => {
    const limit = 1024;
    const text = JSON.stringify({ padding: 'x'.repeat(4 * limit) });
    for (let i = 0; i < 2_000; i++) {
      const mutation = mutateText(new Prng(`oversize-${i}`), text, limit);
      expect(mutation.body).toBeInstanceOf(Buffer);
    }
  });
});
