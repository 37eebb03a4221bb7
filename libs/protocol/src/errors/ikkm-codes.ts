import { type CanonicalError, type CanonicalErrorCode, canonicalError } from './canonical-error';

/** Seed 002 "Коды Ответов iKKM": every negative answer, its text and advised action, verbatim. */
export interface IkkmCodeInfo {
  code: number;
  text: string;
  action: string;
  canonical: CanonicalErrorCode;
}

const table: IkkmCodeInfo[] = [
  {
    code: -1,
    text: 'неверный web-api ключ',
    action: 'настроить новый ключ на iKKM',
    canonical: 'INVALID_DEVICE_KEY',
  },
  {
    code: -2,
    text: 'происходит регистрация или банковская операция',
    action: 'повторите запрос позже',
    canonical: 'REGISTER_BUSY',
  },
  {
    code: -3,
    text: 'смена привысила 24 часа',
    action: 'необходимо закрыть смену (выполняется на iKKM)',
    canonical: 'SHIFT_TOO_LONG',
  },
  {
    code: -4,
    text: 'офлайн период более 72 часов',
    action: 'решить проблему связи и разблокировать ккм',
    canonical: 'OFFLINE_TOO_LONG',
  },
  { code: -5, text: 'низкий заряд батареи ккм', action: 'зарядить ккм', canonical: 'LOW_BATTERY' },
  { code: -6, text: 'принтер не готов', action: 'проверить бумагу', canonical: 'PRINTER_NOT_READY' },
  {
    code: -7,
    text: 'ошибка запроса',
    action: 'проверьте передаваемые параметры',
    canonical: 'INVALID_REQUEST',
  },
  { code: -8, text: 'ошибка метода', action: 'только /api или /apicheck', canonical: 'INVALID_REQUEST' },
  {
    code: -9,
    text: 'ошибка значений параметров',
    action: 'передавать только цифры (кроме параметра print)',
    canonical: 'INVALID_REQUEST',
  },
  {
    code: -10,
    text: 'сумма cash (bank, tara, credit) меньше sale (buy...)',
    action: 'проверьте логику работы с API',
    canonical: 'PAYMENT_INSUFFICIENT',
  },
  {
    code: -11,
    text: 'смена открыта другим кассиром',
    action: 'закрыть смену',
    canonical: 'SHIFT_OPENED_BY_OTHER_CASHIER',
  },
  {
    code: -12,
    text: 'значение cash меньше чем расчетная итоговая сумма',
    action: 'может возникнуть если налог насчитывается поверх суммы',
    canonical: 'PAYMENT_INSUFFICIENT',
  },
  {
    code: -13,
    text: 'банк или тара или кредит больше чем итоговая сумма (или чек уже оплачен наличностью)',
    action: 'проверьте логику работы с API',
    canonical: 'PAYMENT_EXCEEDS_TOTAL',
  },
  { code: -14, text: 'ошибка налога', action: 'указанный налог не найден', canonical: 'TAX_ERROR' },
  {
    code: -15,
    text: 'нет наличности в кассе (возврат продажи, покупка)',
    action: 'проверьте передаваемые параметры',
    canonical: 'INSUFFICIENT_CASH',
  },
  {
    code: -16,
    text: 'операцию может проводить только старший кассир',
    action: 'проверить пользователя',
    canonical: 'ACCESS_DENIED',
  },
  {
    code: -17,
    text: 'ошибка обработки JSON запроса в itemdata',
    action: 'проверьте логику работы с API',
    canonical: 'INVALID_ITEMS',
  },
  {
    code: -99,
    text: 'ошибка iKKM',
    action: 'смотрите журнал событий на iKKM в меню состояние устройства',
    canonical: 'DEVICE_ERROR',
  },
];

export const IKKM_CODES: ReadonlyMap<number, IkkmCodeInfo> = new Map(
  table.map((entry) => [entry.code, entry]),
);

/** -100…-199: the OFD blocked the register; the OFD's own code is the answer minus -100. */
export const isIkkmOfdBlockCode = (code: number): boolean => code <= -100 && code >= -199;

export function ikkmCodeInfo(code: number): IkkmCodeInfo {
  const known = IKKM_CODES.get(code);
  if (known) return known;
  if (isIkkmOfdBlockCode(code)) {
    return {
      code,
      text: `ккм заблокирован ОФД (код ОФД ${-code - 100})`,
      action: 'см документацию ОФД (отнять100)',
      canonical: 'REGISTER_BLOCKED',
    };
  }
  return { code, text: `неизвестный код ответа iKKM ${code}`, action: '', canonical: 'DEVICE_ERROR' };
}

/**
 * The canonical error for an iKKM answer code. `statusText` is the HTTP status description the
 * device sent (its "short reason"); it is kept as the device text when present.
 */
export function ikkmError(code: number, statusText?: string): CanonicalError {
  const info = ikkmCodeInfo(code);
  const text = statusText && statusText.trim() !== '' ? statusText : info.text;
  return canonicalError(info.canonical, `${info.text} (iKKM ${code})`, { kind: 'ikkm', code, text });
}
