import type { RegisterView, ShiftView } from '@kassa-relay/admin-api';
import { useI18n } from '../i18n/i18n';
import { Empty } from '../ui/state-views';

/** The running totals of the open shift, as the register reported them with its last document. */
export function ShiftTotals({ register, shift }: { register: RegisterView; shift: ShiftView | undefined }) {
  const { t, fmt } = useI18n();
  const money = (minor: number | null | undefined) => fmt.money(minor, register.currency);
  if (register.state.shiftOpen === false) return <Empty>{t('shift.closedNow')}</Empty>;
  if (!shift)
    return (
      <dl className="details">
        <dt>{t('register.cash')}</dt>
        <dd>{money(register.state.cashBalance)}</dd>
        <dt>{t('register.salesToday')}</dt>
        <dd>
          {money(register.today.salesSum)} ({register.today.salesCount})
        </dd>
        <dt>{t('register.returnsToday')}</dt>
        <dd>
          {money(register.today.returnsSum)} ({register.today.returnsCount})
        </dd>
      </dl>
    );
  return (
    <dl className="details" aria-label={t('register.currentShift')}>
      <dt>{t('shift.number')}</dt>
      <dd>{shift.number}</dd>
      <dt>{t('shift.openedAt')}</dt>
      <dd>{fmt.dateTime(shift.openedAt ?? register.state.shiftOpenedAt)}</dd>
      <dt>{t('shift.sales')}</dt>
      <dd>
        {money(shift.sumSales)} ({shift.countSales})
      </dd>
      <dt>{t('shift.returns')}</dt>
      <dd>
        {money(shift.sumReturns)} ({shift.countReturns})
      </dd>
      <dt>{t('shift.cashIn')}</dt>
      <dd>{money(shift.sumInsert)}</dd>
      <dt>{t('shift.cashOut')}</dt>
      <dd>{money(shift.sumRemove)}</dd>
      <dt>{t('register.cash')}</dt>
      <dd>{money(register.state.cashBalance ?? shift.cashBalance)}</dd>
    </dl>
  );
}
