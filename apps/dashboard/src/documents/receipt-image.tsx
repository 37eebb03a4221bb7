import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { Loading } from '../ui/state-views';

/** The register's own picture of the receipt (cash core), fetched with the admin's token. */
export function ReceiptImage({ documentId }: { documentId: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<{ url?: string; missing?: boolean; failed?: boolean }>({});
  useEffect(() => {
    const controller = new AbortController();
    let url: string | undefined;
    api.documents
      .image(documentId)
      .run(controller.signal)
      .then(
        (blob) => {
          if (!blob) return setState({ missing: true });
          url = URL.createObjectURL(blob);
          setState({ url });
        },
        (error: Error) => error.name !== 'AbortError' && setState({ failed: true }),
      );
    return () => {
      controller.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [documentId]);
  if (state.url) return <img className="receipt-image" src={state.url} alt={t('document.imageAlt')} />;
  if (state.missing) return <p className="muted">{t('document.noImage')}</p>;
  if (state.failed) return <p className="alert alert-error">{t('document.imageFailed')}</p>;
  return <Loading />;
}
