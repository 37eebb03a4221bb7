import type { ApiErrorBody } from '../api/client';
import { useI18n } from '../i18n/i18n';

/** A canonical error in plain words, with the device's own answer underneath when it gave one. */
export function DeviceErrorText({ error }: { error: ApiErrorBody }) {
  const { t, tx } = useI18n();
  return (
    <>
      <strong>{tx(`errorCode.${error.code}`, error.message || error.code)}</strong>
      {error.message && tx(`errorCode.${error.code}`, '') !== error.message && (
        <span className="muted"> — {error.message}</span>
      )}
      {error.device && (
        <span className="device-answer">
          {t('error.deviceSaid', { text: error.device.text, code: error.device.code })}
        </span>
      )}
    </>
  );
}
