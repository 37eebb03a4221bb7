/**
 * Polls `check` every `intervalMs` until it returns true; throws `timed out after <timeoutMs> ms
 * waiting for <what>` once `timeoutMs` has passed. A check that throws counts as "not yet" (a
 * server not listening yet, a row not there yet); if the last check threw, the timeout error
 * says so and carries it as `cause`.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 50,
): Promise<void> {
  await waitFor(check, timeoutMs, what, intervalMs);
}

/**
 * `waitUntil` for a check that finds something: polls until `check` answers a truthy value and
 * returns it (the document that appeared, the ack that arrived). Same timeout error, same
 * treatment of a check that throws.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let lastError: unknown;
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      if (lastError === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last check threw: ${reason})`, {
        cause: lastError,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
