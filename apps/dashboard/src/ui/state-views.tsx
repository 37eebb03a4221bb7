import type { ReactNode } from 'react';
import type { ApiError } from '../api/client';
import { useI18n } from '../i18n/i18n';

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label ?? t('state.loading')}
    </div>
  );
}

/** What went wrong in words a person can act on, with a retry. */
export function ErrorState({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useI18n();
  const text =
    error.status === 0
      ? t('error.network')
      : error.status === 403
        ? t('error.forbidden')
        : error.status === 404
          ? t('error.notFound')
          : error.status >= 500
            ? t('error.server')
            : error.message;
  return (
    <div className="state state-error alert alert-error" role="alert">
      <p>{text}</p>
      {error.status !== 0 && error.status < 500 && error.message && text !== error.message && (
        <p className="muted small">{error.message}</p>
      )}
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          {t('action.retry')}
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

/** Loading, error and content in one place, so every list treats the three the same way. */
export function Loaded<T>({
  state,
  children,
}: {
  state: { data: T | undefined; error: ApiError | undefined; loading: boolean; reload(): void };
  children: (data: T) => ReactNode;
}) {
  if (state.data !== undefined)
    return (
      <>
        {state.error && <ErrorState error={state.error} onRetry={state.reload} />}
        {children(state.data)}
      </>
    );
  if (state.error) return <ErrorState error={state.error} onRetry={state.reload} />;
  return <Loading />;
}
