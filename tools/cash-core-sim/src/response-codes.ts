/**
 * Seed 003, "Описание кодов ошибок": every `response_code` with its text constant and the seed's
 * description verbatim (codes the seed leaves undescribed carry an empty description). The
 * constant is what the simulator puts in `response_data` of an error answer.
 */
export const RESPONSE_CODES = {
  ok: { code: 0, description: 'операция выполнена успешно' },
  unknown_result: { code: 1, description: 'неизвестная ошибка' },
  invalid_fields: { code: 2, description: 'поля запроса заполнены некорректно' },
  method_not_found: { code: 3, description: 'метод не существует' },
  method_execution_exception: { code: 4, description: 'неизвестная ошибка при выполнении метода' },
  invalid_access_code: { code: 5, description: 'некорректный пин-код или токен' },
  settings_save_error: { code: 6, description: '' },
  kkm_save_error: { code: 7, description: '' },
  kkm_reginfo_request_error: { code: 8, description: 'ошибка запроса рег.данных кассы' },
  invalid_kkm_vendor_id: { code: 9, description: 'некорректный ЗНМ (серийный номер кассы)' },
  kkm_delete_error: { code: 10, description: 'ошибка удаления кассы' },
  access_code_incorrect: { code: 11, description: 'задан некорректный пин-код' },
  access_code_already_used: { code: 12, description: 'пин-код / email уже используется' },
  operator_save_error: { code: 13, description: 'ошибка сохранения оператора' },
  operator_update_error: { code: 14, description: '' },
  invalid_operator_code: { code: 15, description: 'некорректный ID оператора' },
  operator_delete_error: { code: 16, description: 'ошибка удаления оператора' },
  invalid_kkm_credentials: { code: 17, description: 'некорректные рег.данные кассы' },
  kkm_in_offline_mode_too_long: {
    code: 18,
    description: 'касса слишком долго находится в автономном режиме',
  },
  db_error: { code: 19, description: 'внутреннняя ошибка БД' },
  connection_error: { code: 20, description: 'ошибка связи с сервером ОФД' },
  protobuf_serialization_error: { code: 21, description: 'ошибка сериализации данных' },
  save_error: { code: 22, description: '' },
  send_error: { code: 23, description: '' },
  receive_error: { code: 24, description: '' },
  kkm_vendor_id_mismatch: { code: 25, description: '' },
  kkm_shift_state_is_opened: { code: 26, description: '' },
  kkm_status_is_ready_to_use: { code: 27, description: '' },
  protobuf_deserialization_error: { code: 28, description: 'ошибка десериализации данных' },
  operation_failed: { code: 29, description: 'операция завершилась неудачей' },
  forced_offline_mode: { code: 30, description: '' },
  shift_duration_is_too_long: { code: 31, description: '' },
  invalid_shift_number: { code: 32, description: '' },
  report_not_found: { code: 33, description: '' },
  invalid_report_type: { code: 34, description: 'некооректный тип отчёта' },
  kkm_shift_state_is_not_opened: { code: 35, description: '' },
  invalid_local_date: { code: 36, description: 'установлена некорректная дата' },
  operation_not_found: { code: 37, description: 'операция не найдена' },
  kkm_address_is_already_in_use: { code: 38, description: '' },
  invalid_operator_role: { code: 39, description: '' },
  kkm_ofd_id_is_already_in_use: { code: 40, description: '' },
  kkm_vendor_id_is_already_in_use: { code: 41, description: '' },
  invalid_kkm_token: { code: 42, description: 'некорректный токен кассы' },
  transaction_not_found: { code: 43, description: 'транзакция не найдена' },
  items_list_undefined: { code: 44, description: '' },
  items_list_is_empty: { code: 45, description: 'список товаров пуст' },
  item_commodity_undefined: { code: 46, description: 'товар не указан' },
  item_quantity_is_incorrect: { code: 47, description: 'значение количества в позиции указано некорректно' },
  item_discount_undefined: { code: 48, description: 'скидка на позицию не описана' },
  item_markup_undefined: { code: 49, description: 'наценка на позицию не описана' },
  unknown_item_type: { code: 50, description: 'неизвестный тип элемента' },
  amounts_undefined: { code: 51, description: '' },
  amounts_total_is_incorrect: { code: 52, description: 'итоговая сумма некорректна' },
  money_value_is_negative: { code: 53, description: 'сумма наличных отрицательна' },
  sum_to_pay_is_incorrect: { code: 54, description: 'сумма к оплате некорректна' },
  card_sum_is_greater_than_total: { code: 55, description: 'сумма оплаты картой больше итоговой' },
  paid_sum_is_incorrect: { code: 56, description: 'оплаченная сумма некорректна' },
  paid_sum_is_less_than_total: { code: 57, description: 'оплаченная сумма меньше итоговой' },
  not_enough_cash: { code: 58, description: 'недостаточно наличных в кассе' },
  discount_sum_must_be_less_than_total: {
    code: 59,
    description: 'сумма скидки должна быть меньше итоговой суммы',
  },
  taxation_type_is_incorrect: { code: 60, description: 'некорректный вид налогообложения' },
  invalid_kkm_ofd_id: { code: 61, description: 'некорректный ID кассы из ОФД' },
  kkm_is_blocked: { code: 62, description: 'касса заблокирована' },
  discount_sum_is_negative: { code: 63, description: 'сумма скидки отрицательна' },
  markup_sum_is_negative: { code: 64, description: 'сумма наценки отрицательна' },
  discount_and_markup_are_mutually_exclusive: {
    code: 65,
    description: 'скидка и наценка являются взаимоисключающими',
  },
  operation_in_progress: { code: 66, description: '' },
  kkm_has_offline_queue: { code: 67, description: 'касса содержит автономную очередь' },
  kkm_locked_due_to_values_conflict: { code: 68, description: '' },
  kkm_is_busy_too_long: { code: 69, description: 'Касса до сих пор выполняет предыдущую операцию' },
  kkm_is_not_initialized: { code: 70, description: '' },
  kkm_access_denied: { code: 71, description: 'у пользователя нет доступа к кассе' },
  kkm_invalid_bindings: { code: 72, description: 'у пользователя нет прав на использование кассы' },
  source_object_deserialization_error: { code: 73, description: 'ошибка десериализации объекта из запроса' },
  kkm_per_owner_limit_exceed: { code: 74, description: 'превышен лимит количества касс для пользователя' },
  kkm_operators_limit_exceed: { code: 75, description: 'превышен лимит количества пользователей на кассу' },
  kkm_shift_is_not_closed: { code: 76, description: 'касса с незакрытой сменой' },
  same_taxpayer_and_customer: { code: 77, description: 'ИИН (БИН) продавца и покупателя одинаковые' },
  invalid_ofd_uid: { code: 78, description: 'некорректный идентификатор ОФД' },
  license_period_expired: { code: 79, description: 'срок действия лицензии истёк' },
  license_activation_error: { code: 80, description: '' },
  measure_unit_code_is_empty: { code: 81, description: 'код единицы измерения не может быть пустым' },
  section_code_is_empty: { code: 82, description: 'код секции (номер отдела) не может быть пустым' },
  invalid_kkm_ofd: { code: 83, description: 'задан некорректный ОФД для кассы' },
  invalid_ofd_response: { code: 84, description: 'ОФД вернул сообщение об ошибке' },
  invalid_license_file: { code: 85, description: '' },
  db_error_duplicates: { code: 86, description: 'найдено больше одной записи' },
  invalid_activation_code: { code: 87, description: 'некорректный код активации' },
  items_taxes_and_ticket_taxes_are_mutually_exclusive: {
    code: 88,
    description: 'НДС на позицию и на весь чек являются взаимоисключающими',
  },
  tax_percentage_is_already_present: {
    code: 89,
    description: 'Налог с определённым процентом может встречаться не более одного раза',
  },
  invalid_license_key: { code: 90, description: 'некорректный лицензионный ключ' },
  ofd_list_is_empty: { code: 91, description: 'лицензия не содержит ни одного ОФД' },
  license_suspended: { code: 92, description: 'действие лицензии приостановлено' },
  license_online_check_error: { code: 93, description: 'ошибка онлайн-проверки лицензии' },
  item_price_is_incorrect: { code: 94, description: 'значение цены для позиции указано некорректно' },
  item_sum_is_incorrect: { code: 95, description: 'значение суммы для позиции указано некорректно' },
} as const satisfies Record<string, { code: number; description: string }>;

export type ResponseCodeName = keyof typeof RESPONSE_CODES;
export type ResponseCode = (typeof RESPONSE_CODES)[ResponseCodeName]['code'];

const NAME_BY_CODE = new Map<number, ResponseCodeName>(
  (Object.keys(RESPONSE_CODES) as ResponseCodeName[]).map((name) => [RESPONSE_CODES[name].code, name]),
);

/** The seed's text constant for a numeric code (`unknown_result` for codes outside the table). */
export function responseCodeName(code: number): ResponseCodeName {
  return NAME_BY_CODE.get(code) ?? 'unknown_result';
}

/**
 * A failed API call. Thrown anywhere below a method handler; the server turns it into the seed's
 * envelope `{ response_code, response_data: "<constant>[: detail]" }` and nothing is committed.
 */
export class CashCoreError extends Error {
  readonly code: number;
  readonly constant: ResponseCodeName;

  constructor(
    name: ResponseCodeName,
    readonly detail?: string,
  ) {
    super(detail ? `${name}: ${detail}` : name);
    this.name = 'CashCoreError';
    this.constant = name;
    this.code = RESPONSE_CODES[name].code;
  }
}
