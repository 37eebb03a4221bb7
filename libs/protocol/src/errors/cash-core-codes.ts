import { type CanonicalError, type CanonicalErrorCode, canonicalError } from './canonical-error';

/**
 * Seed 003 "Описание кодов ошибок": every `response_code` 0–95 with its constant and description
 * verbatim (codes the seed leaves without a description carry an empty one), and its canonical error.
 */
export interface CashCoreCodeInfo {
  code: number;
  constant: string;
  description: string;
  canonical: CanonicalErrorCode | null;
  /** What an operator should do, when the seed's description alone would mislead. */
  advice?: string;
}

export const CASH_CORE_CODES: readonly CashCoreCodeInfo[] = [
  { code: 0, constant: 'ok', description: 'операция выполнена успешно', canonical: null },
  { code: 1, constant: 'unknown_result', description: 'неизвестная ошибка', canonical: 'DEVICE_ERROR' },
  {
    code: 2,
    constant: 'invalid_fields',
    description: 'поля запроса заполнены некорректно',
    canonical: 'INVALID_REQUEST',
  },
  { code: 3, constant: 'method_not_found', description: 'метод не существует', canonical: 'INVALID_REQUEST' },
  {
    code: 4,
    constant: 'method_execution_exception',
    description: 'неизвестная ошибка при выполнении метода',
    canonical: 'DEVICE_ERROR',
  },
  {
    code: 5,
    constant: 'invalid_access_code',
    description: 'некорректный пин-код или токен',
    canonical: 'INVALID_CREDENTIALS',
  },
  { code: 6, constant: 'settings_save_error', description: '', canonical: 'DEVICE_ERROR' },
  { code: 7, constant: 'kkm_save_error', description: '', canonical: 'DEVICE_ERROR' },
  {
    code: 8,
    constant: 'kkm_reginfo_request_error',
    description: 'ошибка запроса рег.данных кассы',
    canonical: 'OFD_ERROR',
  },
  {
    code: 9,
    constant: 'invalid_kkm_vendor_id',
    description: 'некорректный ЗНМ (серийный номер кассы)',
    canonical: 'REGISTER_NOT_CONFIGURED',
  },
  { code: 10, constant: 'kkm_delete_error', description: 'ошибка удаления кассы', canonical: 'DEVICE_ERROR' },
  {
    code: 11,
    constant: 'access_code_incorrect',
    description: 'задан некорректный пин-код',
    canonical: 'INVALID_CREDENTIALS',
  },
  {
    code: 12,
    constant: 'access_code_already_used',
    description: 'пин-код / email уже используется',
    canonical: 'INVALID_REQUEST',
  },
  {
    code: 13,
    constant: 'operator_save_error',
    description: 'ошибка сохранения оператора',
    canonical: 'DEVICE_ERROR',
  },
  { code: 14, constant: 'operator_update_error', description: '', canonical: 'DEVICE_ERROR' },
  {
    code: 15,
    constant: 'invalid_operator_code',
    description: 'некорректный ID оператора',
    canonical: 'NOT_FOUND',
  },
  {
    code: 16,
    constant: 'operator_delete_error',
    description: 'ошибка удаления оператора',
    canonical: 'DEVICE_ERROR',
  },
  {
    code: 17,
    constant: 'invalid_kkm_credentials',
    description: 'некорректные рег.данные кассы',
    canonical: 'REGISTER_NOT_CONFIGURED',
  },
  {
    code: 18,
    constant: 'kkm_in_offline_mode_too_long',
    description: 'касса слишком долго находится в автономном режиме',
    canonical: 'OFFLINE_TOO_LONG',
  },
  { code: 19, constant: 'db_error', description: 'внутреннняя ошибка БД', canonical: 'DEVICE_ERROR' },
  {
    code: 20,
    constant: 'connection_error',
    description: 'ошибка связи с сервером ОФД',
    canonical: 'OFD_ERROR',
  },
  {
    code: 21,
    constant: 'protobuf_serialization_error',
    description: 'ошибка сериализации данных',
    canonical: 'DEVICE_ERROR',
  },
  { code: 22, constant: 'save_error', description: '', canonical: 'DEVICE_ERROR' },
  { code: 23, constant: 'send_error', description: '', canonical: 'OFD_ERROR' },
  { code: 24, constant: 'receive_error', description: '', canonical: 'OFD_ERROR' },
  { code: 25, constant: 'kkm_vendor_id_mismatch', description: '', canonical: 'REGISTER_NOT_CONFIGURED' },
  { code: 26, constant: 'kkm_shift_state_is_opened', description: '', canonical: 'SHIFT_ALREADY_OPEN' },
  { code: 27, constant: 'kkm_status_is_ready_to_use', description: '', canonical: 'DEVICE_ERROR' },
  {
    code: 28,
    constant: 'protobuf_deserialization_error',
    description: 'ошибка десериализации данных',
    canonical: 'DEVICE_ERROR',
  },
  {
    code: 29,
    constant: 'operation_failed',
    description: 'операция завершилась неудачей',
    canonical: 'DEVICE_ERROR',
  },
  { code: 30, constant: 'forced_offline_mode', description: '', canonical: 'OFD_ERROR' },
  { code: 31, constant: 'shift_duration_is_too_long', description: '', canonical: 'SHIFT_TOO_LONG' },
  { code: 32, constant: 'invalid_shift_number', description: '', canonical: 'INVALID_REQUEST' },
  { code: 33, constant: 'report_not_found', description: '', canonical: 'NOT_FOUND' },
  {
    code: 34,
    constant: 'invalid_report_type',
    description: 'некооректный тип отчёта',
    canonical: 'INVALID_REQUEST',
  },
  { code: 35, constant: 'kkm_shift_state_is_not_opened', description: '', canonical: 'SHIFT_NOT_OPEN' },
  {
    code: 36,
    constant: 'invalid_local_date',
    description: 'установлена некорректная дата',
    canonical: 'DEVICE_ERROR',
  },
  { code: 37, constant: 'operation_not_found', description: 'операция не найдена', canonical: 'NOT_FOUND' },
  { code: 38, constant: 'kkm_address_is_already_in_use', description: '', canonical: 'INVALID_REQUEST' },
  { code: 39, constant: 'invalid_operator_role', description: '', canonical: 'INVALID_REQUEST' },
  { code: 40, constant: 'kkm_ofd_id_is_already_in_use', description: '', canonical: 'INVALID_REQUEST' },
  { code: 41, constant: 'kkm_vendor_id_is_already_in_use', description: '', canonical: 'INVALID_REQUEST' },
  {
    // The register's token at the OFD (KKMObject / SaveKKM `ofd_token`, "Токен кассы в ОФД";
    // KKMObject `is_invalid_token`), not the operator's PIN or authorization token (that is 5).
    code: 42,
    constant: 'invalid_kkm_token',
    description: 'некорректный токен кассы',
    canonical: 'REGISTER_NOT_CONFIGURED',
    advice:
      'ОФД не принимает токен кассы: получите новый токен кассы в личном кабинете ОФД и сохраните его в кассовом ядре (поле «Токен кассы в ОФД», SaveKKM ofd_token); PIN-код кассира здесь ни при чём',
  },
  {
    code: 43,
    constant: 'transaction_not_found',
    description: 'транзакция не найдена',
    canonical: 'NOT_FOUND',
  },
  { code: 44, constant: 'items_list_undefined', description: '', canonical: 'INVALID_ITEMS' },
  {
    code: 45,
    constant: 'items_list_is_empty',
    description: 'список товаров пуст',
    canonical: 'INVALID_ITEMS',
  },
  {
    code: 46,
    constant: 'item_commodity_undefined',
    description: 'товар не указан',
    canonical: 'INVALID_ITEMS',
  },
  {
    code: 47,
    constant: 'item_quantity_is_incorrect',
    description: 'значение количества в позиции указано некорректно',
    canonical: 'INVALID_ITEMS',
  },
  {
    code: 48,
    constant: 'item_discount_undefined',
    description: 'скидка на позицию не описана',
    canonical: 'INVALID_DISCOUNT',
  },
  {
    code: 49,
    constant: 'item_markup_undefined',
    description: 'наценка на позицию не описана',
    canonical: 'INVALID_DISCOUNT',
  },
  {
    code: 50,
    constant: 'unknown_item_type',
    description: 'неизвестный тип элемента',
    canonical: 'INVALID_ITEMS',
  },
  { code: 51, constant: 'amounts_undefined', description: '', canonical: 'TOTAL_MISMATCH' },
  {
    code: 52,
    constant: 'amounts_total_is_incorrect',
    description: 'итоговая сумма некорректна',
    canonical: 'TOTAL_MISMATCH',
  },
  {
    code: 53,
    constant: 'money_value_is_negative',
    description: 'сумма наличных отрицательна',
    canonical: 'INVALID_REQUEST',
  },
  {
    code: 54,
    constant: 'sum_to_pay_is_incorrect',
    description: 'сумма к оплате некорректна',
    canonical: 'TOTAL_MISMATCH',
  },
  {
    code: 55,
    constant: 'card_sum_is_greater_than_total',
    description: 'сумма оплаты картой больше итоговой',
    canonical: 'PAYMENT_EXCEEDS_TOTAL',
  },
  {
    code: 56,
    constant: 'paid_sum_is_incorrect',
    description: 'оплаченная сумма некорректна',
    canonical: 'PAYMENT_INSUFFICIENT',
  },
  {
    code: 57,
    constant: 'paid_sum_is_less_than_total',
    description: 'оплаченная сумма меньше итоговой',
    canonical: 'PAYMENT_INSUFFICIENT',
  },
  {
    code: 58,
    constant: 'not_enough_cash',
    description: 'недостаточно наличных в кассе',
    canonical: 'INSUFFICIENT_CASH',
  },
  {
    code: 59,
    constant: 'discount_sum_must_be_less_than_total',
    description: 'сумма скидки должна быть меньше итоговой суммы',
    canonical: 'INVALID_DISCOUNT',
  },
  {
    code: 60,
    constant: 'taxation_type_is_incorrect',
    description: 'некорректный вид налогообложения',
    canonical: 'TAX_ERROR',
  },
  {
    code: 61,
    constant: 'invalid_kkm_ofd_id',
    description: 'некорректный ID кассы из ОФД',
    canonical: 'REGISTER_NOT_CONFIGURED',
  },
  { code: 62, constant: 'kkm_is_blocked', description: 'касса заблокирована', canonical: 'REGISTER_BLOCKED' },
  {
    code: 63,
    constant: 'discount_sum_is_negative',
    description: 'сумма скидки отрицательна',
    canonical: 'INVALID_DISCOUNT',
  },
  {
    code: 64,
    constant: 'markup_sum_is_negative',
    description: 'сумма наценки отрицательна',
    canonical: 'INVALID_DISCOUNT',
  },
  {
    code: 65,
    constant: 'discount_and_markup_are_mutually_exclusive',
    description: 'скидка и наценка являются взаимоисключающими',
    canonical: 'INVALID_DISCOUNT',
  },
  { code: 66, constant: 'operation_in_progress', description: '', canonical: 'REGISTER_BUSY' },
  {
    code: 67,
    constant: 'kkm_has_offline_queue',
    description: 'касса содержит автономную очередь',
    canonical: 'OFD_ERROR',
  },
  { code: 68, constant: 'kkm_locked_due_to_values_conflict', description: '', canonical: 'REGISTER_BLOCKED' },
  {
    code: 69,
    constant: 'kkm_is_busy_too_long',
    description: 'Касса до сих пор выполняет предыдущую операцию',
    canonical: 'REGISTER_BUSY',
  },
  { code: 70, constant: 'kkm_is_not_initialized', description: '', canonical: 'REGISTER_NOT_CONFIGURED' },
  {
    code: 71,
    constant: 'kkm_access_denied',
    description: 'у пользователя нет доступа к кассе',
    canonical: 'ACCESS_DENIED',
  },
  {
    code: 72,
    constant: 'kkm_invalid_bindings',
    description: 'у пользователя нет прав на использование кассы',
    canonical: 'ACCESS_DENIED',
  },
  {
    code: 73,
    constant: 'source_object_deserialization_error',
    description: 'ошибка десериализации объекта из запроса',
    canonical: 'INVALID_REQUEST',
  },
  {
    code: 74,
    constant: 'kkm_per_owner_limit_exceed',
    description: 'превышен лимит количества касс для пользователя',
    canonical: 'LICENSE_ERROR',
  },
  {
    code: 75,
    constant: 'kkm_operators_limit_exceed',
    description: 'превышен лимит количества пользователей на кассу',
    canonical: 'LICENSE_ERROR',
  },
  {
    code: 76,
    constant: 'kkm_shift_is_not_closed',
    description: 'касса с незакрытой сменой',
    canonical: 'SHIFT_ALREADY_OPEN',
  },
  {
    code: 77,
    constant: 'same_taxpayer_and_customer',
    description: 'ИИН (БИН) продавца и покупателя одинаковые',
    canonical: 'SAME_TAXPAYER_AND_CUSTOMER',
  },
  {
    code: 78,
    constant: 'invalid_ofd_uid',
    description: 'некорректный идентификатор ОФД',
    canonical: 'INVALID_REQUEST',
  },
  {
    code: 79,
    constant: 'license_period_expired',
    description: 'срок действия лицензии истёк',
    canonical: 'LICENSE_ERROR',
  },
  { code: 80, constant: 'license_activation_error', description: '', canonical: 'LICENSE_ERROR' },
  {
    code: 81,
    constant: 'measure_unit_code_is_empty',
    description: 'код единицы измерения не может быть пустым',
    canonical: 'INVALID_ITEMS',
  },
  {
    code: 82,
    constant: 'section_code_is_empty',
    description: 'код секции (номер отдела) не может быть пустым',
    canonical: 'INVALID_ITEMS',
  },
  {
    code: 83,
    constant: 'invalid_kkm_ofd',
    description: 'задан некорректный ОФД для кассы',
    canonical: 'REGISTER_NOT_CONFIGURED',
  },
  {
    code: 84,
    constant: 'invalid_ofd_response',
    description: 'ОФД вернул сообщение об ошибке',
    canonical: 'OFD_ERROR',
  },
  { code: 85, constant: 'invalid_license_file', description: '', canonical: 'LICENSE_ERROR' },
  {
    code: 86,
    constant: 'db_error_duplicates',
    description: 'найдено больше одной записи',
    canonical: 'DEVICE_ERROR',
  },
  {
    code: 87,
    constant: 'invalid_activation_code',
    description: 'некорректный код активации',
    canonical: 'LICENSE_ERROR',
  },
  {
    code: 88,
    constant: 'items_taxes_and_ticket_taxes_are_mutually_exclusive',
    description: 'НДС на позицию и на весь чек являются взаимоисключающими',
    canonical: 'TAX_ERROR',
  },
  {
    code: 89,
    constant: 'tax_percentage_is_already_present',
    description: 'Налог с определённым процентом может встречаться не более одного раза',
    canonical: 'TAX_ERROR',
  },
  {
    code: 90,
    constant: 'invalid_license_key',
    description: 'некорректный лицензионный ключ',
    canonical: 'LICENSE_ERROR',
  },
  {
    code: 91,
    constant: 'ofd_list_is_empty',
    description: 'лицензия не содержит ни одного ОФД',
    canonical: 'LICENSE_ERROR',
  },
  {
    code: 92,
    constant: 'license_suspended',
    description: 'действие лицензии приостановлено',
    canonical: 'LICENSE_ERROR',
  },
  {
    code: 93,
    constant: 'license_online_check_error',
    description: 'ошибка онлайн-проверки лицензии',
    canonical: 'LICENSE_ERROR',
  },
  {
    code: 94,
    constant: 'item_price_is_incorrect',
    description: 'значение цены для позиции указано некорректно',
    canonical: 'INVALID_ITEMS',
  },
  {
    code: 95,
    constant: 'item_sum_is_incorrect',
    description: 'значение суммы для позиции указано некорректно',
    canonical: 'INVALID_ITEMS',
  },
];

const byCode: ReadonlyMap<number, CashCoreCodeInfo> = new Map(
  CASH_CORE_CODES.map((entry) => [entry.code, entry]),
);

export const CASH_CORE_OK = 0;

/** Constant name → code, for the simulator and for readable driver code (`CASH_CORE_CODE.not_enough_cash`). */
export const CASH_CORE_CODE: Readonly<Record<string, number>> = Object.fromEntries(
  CASH_CORE_CODES.map((entry) => [entry.constant, entry.code]),
);

export function cashCoreCodeInfo(code: number): CashCoreCodeInfo {
  return (
    byCode.get(code) ?? {
      code,
      constant: 'unknown',
      description: `неизвестный код ответа ${code}`,
      canonical: 'DEVICE_ERROR',
    }
  );
}

/**
 * Codes that, answered to a call that may change fiscal state (TradeOperation, MoneyPlacement,
 * ZXReport, SaveOperator, DeleteOperator), do not prove that nothing happened: 1 unknown_result,
 * 4 method_execution_exception, 19 db_error, 22 save_error, 24 receive_error, 29 operation_failed,
 * 66 operation_in_progress and 69 kkm_is_busy_too_long ("Касса до сих пор выполняет предыдущую
 * операцию"). The outcome is unknown: the command is reconciled, never sent again blindly. To a
 * read they are what the table says (66/69 REGISTER_BUSY: nothing happened, ask again).
 */
export const CASH_CORE_OUTCOME_UNKNOWN_CODES: ReadonlySet<number> = new Set([1, 4, 19, 22, 24, 29, 66, 69]);

/**
 * The canonical error for a non-zero `response_code`; `deviceText` is any text the core answered
 * with. `fiscal`: the answer is to a call that may change fiscal state, so the codes of
 * `CASH_CORE_OUTCOME_UNKNOWN_CODES` are RESULT_UNKNOWN (the device's code and text kept).
 */
export function cashCoreError(
  code: number,
  deviceText?: string,
  options: { fiscal?: boolean } = {},
): CanonicalError {
  const info = cashCoreCodeInfo(code);
  const text = deviceText && deviceText.trim() !== '' ? deviceText : info.description || info.constant;
  const device = { kind: 'cash-core' as const, code, constant: info.constant, text };
  const what = `${info.description || info.constant} (cash core ${code} ${info.constant})`;
  if (options.fiscal && CASH_CORE_OUTCOME_UNKNOWN_CODES.has(code)) {
    return canonicalError(
      'RESULT_UNKNOWN',
      `${what}: результат операции на кассе неизвестен, повторно не отправляется — нужна сверка`,
      device,
    );
  }
  return canonicalError(
    info.canonical ?? 'DEVICE_ERROR',
    info.advice ? `${what}: ${info.advice}` : what,
    device,
  );
}
