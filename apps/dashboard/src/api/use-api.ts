import { useCallback, useEffect, useRef, useState } from 'react';
import type { Call } from '@kassa-relay/admin-api';
import { ApiError } from './client';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True until the first answer for the current request; a background refresh keeps it false. */
  loading: boolean;
  /** Makes the same request again without blanking what is shown (live updates, after an action). */
  reload(): void;
  /** Local edits from live events, so the screen changes before (or without) a refetch. */
  update(change: (current: T | undefined) => T | undefined): void;
}

/**
 * Makes `call` (null: nothing to fetch yet), again whenever it is a different request (its key):
 * `useApi(api.registers.get(id))`.
 */
export function useApi<T>(call: Call<T> | null): ApiState<T> {
  const key = call?.key ?? null;
  const latest = useRef(call);
  latest.current = call;
  const [state, setState] = useState<{ key: string | null; data?: T; error?: ApiError; done: boolean }>({
    key,
    done: false,
  });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const current = latest.current;
    if (key === null || !current) return;
    const controller = new AbortController();
    current.run(controller.signal).then(
      (data) => setState({ key, data, done: true }),
      (error: unknown) => {
        if ((error as Error).name === 'AbortError') return;
        const apiError = error instanceof ApiError ? error : new ApiError(0, String(error));
        // A failed background refresh keeps the last good data on screen next to the error.
        setState((previous) => ({
          key,
          ...(previous.key === key && previous.data !== undefined ? { data: previous.data } : {}),
          error: apiError,
          done: true,
        }));
      },
    );
    return () => controller.abort();
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const update = useCallback(
    (change: (value: T | undefined) => T | undefined) =>
      setState((previous) => ({ ...previous, data: change(previous.data) })),
    [],
  );
  const sameKey = state.key === key;
  return {
    data: sameKey ? state.data : undefined,
    error: sameKey ? state.error : undefined,
    loading: key !== null && (!sameKey || !state.done),
    reload,
    update,
  };
}

/** Runs `fn` at most once per `ms`, trailing: a burst of live events becomes one refetch. */
export function useDebounced(fn: () => void, ms = 250): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, ms);
  }, [ms]);
}
