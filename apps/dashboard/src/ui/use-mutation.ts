import { useState } from 'react';
import { ApiError } from '../api/client';

/** One state-changing call at a time, its error kept for the form that made it. */
export function useMutation() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = async <T>(call: () => PromiseLike<T>): Promise<{ ok: true; value: T } | { ok: false }> => {
    setBusy(true);
    setError(null);
    try {
      return { ok: true, value: await call() };
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure)));
      return { ok: false };
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(null) };
}
