/**
 * Seed 002 "Коды Ответов iKKM". The body of every web-api answer is one number: a new key (> 0),
 * 0 (ready) or one of these codes. On an error the HTTP status is 400 and the HTTP status
 * description carries "a short reason" (seed line 89). The reasons are the seed's own Russian
 * descriptions, sent as UTF-8 bytes in the reason phrase (see `server.ts`); short English texts
 * are available with `reasonLanguage: 'en'`.
 */
export const Code = {
  /** неверный web-api ключ */
  WrongKey: -1,
  /** происходит регистрация или банковская операция */
  Busy: -2,
  /** смена привысила 24 часа */
  ShiftOver24h: -3,
  /** офлайн период более 72 часов */
  OfflineOver72h: -4,
  /** низкий заряд батареи ккм */
  LowBattery: -5,
  /** принтер не готов */
  PrinterNotReady: -6,
  /** ошибка запроса */
  RequestError: -7,
  /** ошибка метода (только /api или /apicheck) */
  MethodError: -8,
  /** ошибка значений параметров (передавать только цифры, кроме print) */
  ValueError: -9,
  /** сумма cash (bank, tara, credit) меньше sale (buy...) */
  PaymentLessThanAmount: -10,
  /** смена открыта другим кассиром */
  ShiftOfOtherCashier: -11,
  /** значение cash меньше чем расчетная итоговая сумма (налог сверху) */
  PaymentLessThanTotal: -12,
  /** банк или тара или кредит больше чем итоговая сумма (или чек уже оплачен наличностью) */
  NonCashExceedsTotal: -13,
  /** ошибка налога: указанный налог не найден */
  TaxError: -14,
  /** нет наличности в кассе (возврат продажи, покупка) */
  NoCashInDrawer: -15,
  /** операцию может проводить только старший кассир */
  SeniorCashierOnly: -16,
  /** ошибка обработки JSON запроса в itemdata */
  ItemdataError: -17,
  /** ошибка iKKM */
  DeviceError: -99,
} as const;

/** The seed's "описание" column, verbatim (spelling included). */
const REASONS_RU: ReadonlyMap<number, string> = new Map([
  [Code.WrongKey, 'неверный web-api ключ'],
  [Code.Busy, 'происходит регистрация или банковская операция'],
  [Code.ShiftOver24h, 'смена привысила 24 часа'],
  [Code.OfflineOver72h, 'офлайн период более 72 часов'],
  [Code.LowBattery, 'низкий заряд батареи ккм'],
  [Code.PrinterNotReady, 'принтер не готов'],
  [Code.RequestError, 'ошибка запроса'],
  [Code.MethodError, 'ошибка метода'],
  [Code.ValueError, 'ошибка значений параметров'],
  [Code.PaymentLessThanAmount, 'сумма cash (bank, tara, credit) меньше sale (buy...)'],
  [Code.ShiftOfOtherCashier, 'смена открыта другим кассиром'],
  [Code.PaymentLessThanTotal, 'значение cash меньше чем расчетная итоговая сумма'],
  [
    Code.NonCashExceedsTotal,
    'банк или тара или кредит больше чем итоговая сумма (или чек уже оплачен наличностью)',
  ],
  [Code.TaxError, 'ошибка налога'],
  [Code.NoCashInDrawer, 'нет наличности в кассе (возврат продажи, покупка)'],
  [Code.SeniorCashierOnly, 'операцию может проводить только старший кассир'],
  [Code.ItemdataError, 'ошибка обработки JSON запроса в itemdata'],
  [Code.DeviceError, 'ошибка iKKM'],
]);

const REASONS_EN: ReadonlyMap<number, string> = new Map([
  [Code.WrongKey, 'Wrong web-api key'],
  [Code.Busy, 'Registration or bank operation in progress'],
  [Code.ShiftOver24h, 'Shift exceeded 24 hours'],
  [Code.OfflineOver72h, 'Offline period over 72 hours'],
  [Code.LowBattery, 'Low battery'],
  [Code.PrinterNotReady, 'Printer not ready'],
  [Code.RequestError, 'Request error'],
  [Code.MethodError, 'Method error'],
  [Code.ValueError, 'Parameter value error'],
  [Code.PaymentLessThanAmount, 'Payment less than amount'],
  [Code.ShiftOfOtherCashier, 'Shift opened by another cashier'],
  [Code.PaymentLessThanTotal, 'Cash less than calculated total'],
  [Code.NonCashExceedsTotal, 'Bank, tara or credit exceeds total'],
  [Code.TaxError, 'Tax error'],
  [Code.NoCashInDrawer, 'No cash in drawer'],
  [Code.SeniorCashierOnly, 'Senior cashier only'],
  [Code.ItemdataError, 'Itemdata JSON error'],
  [Code.DeviceError, 'iKKM error'],
]);

/** -100…-199: the OFD blocked the register; the OFD's own code is −answer − 100. */
export const isOfdBlockCode = (code: number): boolean =>
  Number.isInteger(code) && code <= -100 && code >= -199;

/** The language of the reason phrases: the seed's Russian (default) or short English texts. */
export type ReasonLanguage = 'ru' | 'en';

/** The HTTP status description for an error answer. */
export function shortReason(code: number, language: ReasonLanguage = 'ru'): string {
  const known = (language === 'ru' ? REASONS_RU : REASONS_EN).get(code);
  if (known) return known;
  if (isOfdBlockCode(code))
    return language === 'ru'
      ? `ккм заблокирован ОФД (код ОФД ${-code - 100})`
      : `Blocked by OFD (OFD code ${-code - 100})`;
  return language === 'ru' ? 'ошибка iKKM' : 'iKKM error';
}
