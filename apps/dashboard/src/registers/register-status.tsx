import type { RegisterView } from '@kassa-relay/admin-api';
import type { DeviceWarning } from '@kassa-relay/protocol';
import { useI18n } from '../i18n/i18n';
import { Badge, type Tone } from '../ui/badges';
import { deviceWarnings, hoursSince, type Presence, presence, shiftLevel } from './register-health';

const PRESENCE_TONE: Record<Presence, Tone> = {
  online: 'ok',
  unreachable: 'alarm',
  agentOffline: 'alarm',
  noAgent: 'muted',
};

export function PresenceBadge({
  register,
}: {
  register: Pick<RegisterView, 'agentId' | 'agentOnline' | 'state'>;
}) {
  const { tx } = useI18n();
  const value = presence(register);
  return <Badge tone={PRESENCE_TONE[value]}>{tx(`presence.${value}`, value)}</Badge>;
}

/** "Open 21 h 05 min" with the 20 h warning and the 24 h alarm, or "Closed". */
export function ShiftStatus({ register, now }: { register: RegisterView; now: number }) {
  const { t, fmt } = useI18n();
  const { shiftOpen, shiftOpenedAt, shiftNumber } = register.state;
  if (shiftOpen === null) return <span className="muted">{t('shift.unknown')}</span>;
  if (!shiftOpen) return <Badge tone="muted">{t('shift.closed')}</Badge>;
  const age = shiftLevel(shiftOpenedAt, now);
  const tone: Tone = age ? age.level : register.state.warnings.includes('shiftTooLong') ? 'alarm' : 'ok';
  const label = age ? t('shift.openFor', { duration: fmt.duration(age.ageMs) }) : t('shift.open');
  return (
    <span className={`shift-status shift-${tone}`}>
      <Badge tone={tone}>{label}</Badge>
      {shiftNumber !== null && <span className="muted small"> №{shiftNumber}</span>}
      {tone === 'warn' && <span className="small warn-text"> {t('shift.nearLimit')}</span>}
      {tone === 'alarm' && <span className="small alarm-text"> {t('shift.overLimit')}</span>}
    </span>
  );
}

const WARNING_TONE: Partial<Record<DeviceWarning, Tone>> = {
  paperOut: 'alarm',
  ofdBlocked: 'alarm',
  offlineTooLong: 'alarm',
  shiftTooLong: 'alarm',
  licenseProblem: 'alarm',
};

export function WarningChips({ register, now }: { register: RegisterView; now: number }) {
  const { t, tx } = useI18n();
  const warnings = deviceWarnings(register);
  const hours = hoursSince(register.state.offlineSince, now);
  const describe = (warning: DeviceWarning): string => {
    if (warning === 'offlineQueue')
      return t('warning.offlineQueueCount', { count: register.state.offlineQueue });
    if (warning === 'offlineTooLong' && hours !== null) return t('warning.offlineHours', { hours });
    return tx(`warning.${warning}`, warning);
  };
  if (warnings.length === 0 && !register.state.lastError) return null;
  return (
    <ul className="chips" aria-label={t('warning.label')}>
      {warnings.map((warning) => (
        <li key={warning}>
          <Badge tone={WARNING_TONE[warning] ?? 'warn'}>{describe(warning)}</Badge>
        </li>
      ))}
      {register.state.lastError && (
        <li>
          <Badge tone="alarm" title={register.state.lastError.message}>
            {tx(`errorCode.${register.state.lastError.code}`, register.state.lastError.message)}
          </Badge>
        </li>
      )}
    </ul>
  );
}
