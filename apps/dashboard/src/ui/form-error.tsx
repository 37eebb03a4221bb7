import type { ApiError } from '../api/client';
import { useI18n } from '../i18n/i18n';

/** The API's own validation message ("pin: PIN is 4–8 digits") next to the form that caused it. */
export function FormError({ error }: { error: ApiError | null }) {
  const { t } = useI18n();
  if (!error) return null;
  const text =
    error.status === 0
      ? t('error.network')
      : error.status === 403
        ? t('error.forbidden')
        : error.status === 409
          ? t('error.conflict', { message: error.message })
          : error.status >= 500
            ? t('error.server')
            : error.message;
  return (
    <p className="alert alert-error" role="alert">
      {text}
    </p>
  );
}
