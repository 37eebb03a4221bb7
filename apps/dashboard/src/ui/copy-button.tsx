import { useState } from 'react';
import { useI18n } from '../i18n/i18n';

/** Copies `text`; falls back to selecting it where the Clipboard API is not allowed (plain HTTP). */
export function CopyButton({ text, targetId }: { text: string; targetId?: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'yes' | 'select' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      const target = targetId ? document.getElementById(targetId) : null;
      if (target) window.getSelection()?.selectAllChildren(target);
      setCopied('select');
    }
    window.setTimeout(() => setCopied(null), 2500);
  };
  return (
    <button type="button" className="btn btn-small" onClick={() => void copy()}>
      <span aria-live="polite">
        {copied === 'yes' ? t('copy.done') : copied === 'select' ? t('copy.selected') : t('copy.action')}
      </span>
    </button>
  );
}
