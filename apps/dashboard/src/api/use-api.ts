import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from './client';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True until the first answer for the current path; a background refresh keeps it false. */
  loading: boolean;
  /** Fetches the same path again without blanking what is shown (live updates, after an action). */
  reload(): void;
  /** Local edits from live events, so the screen changes before (or without) a refetch. */
  update(change: (current: T | undefined) => T | undefined): void;
}

/** GET `path` (null: nothing to fetch yet), again whenever the path changes. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [state, setState] = useState<{ path: string | null; data?: T; error?: ApiError; done: boolean }>({
    path,
    done: false,
  });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    api<T>(path, { signal: controller.signal }).then(
      (data) => setState({ path, data, done: true }),
      (error: unknown) => {
        if ((error as Error).name === 'AbortError') return;
        const apiError = error instanceof ApiError ? error : new ApiError(0, String(error));
        // A failed background refresh keeps the last good data on screen next to the error.
        setState((previous) => ({
          path,
          ...(previous.path === path && previous.data !== undefined ? { data: previous.data } : {}),
          error: apiError,
          done: true,
        }));
      },
    );
    return () => controller.abort();
  }, [path, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const update = useCallback(
    (change: (value: T | undefined) => T | undefined) =>
      setState((previous) => ({ ...previous, data: change(previous.data) })),
    [],
  );
  const samePath = state.path === path;
  return {
    data: samePath ? state.data : undefined,
    error: samePath ? state.error : undefined,
    loading: path !== null && (!samePath || !state.done),
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
