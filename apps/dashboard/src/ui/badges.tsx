import type { ReactNode } from 'react';
import type { documentStatus, Wire } from '@kassa-relay/admin-api';
import { useI18n } from '../i18n/i18n';

export type Tone = 'ok' | 'warn' | 'alarm' | 'muted' | 'info';

export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

type DocumentStatus = Wire<typeof documentStatus>;

const STATUS_TONE: Record<DocumentStatus, Tone> = {
  done: 'ok',
  pending: 'info',
  failed: 'alarm',
  inDoubt: 'warn',
};

export function DocumentStatusBadge({ status }: { status: DocumentStatus }) {
  const { tx } = useI18n();
  return <Badge tone={STATUS_TONE[status] ?? 'muted'}>{tx(`docStatus.${status}`, status)}</Badge>;
}

/** "Receipt · sale", "X report", … */
export function useDocumentLabel(): (kind: string, operation?: string | null) => string {
  const { tx } = useI18n();
  return (kind, operation) =>
    kind === 'receipt' && operation ? tx(`operation.${operation}`, operation) : tx(`kind.${kind}`, kind);
}
