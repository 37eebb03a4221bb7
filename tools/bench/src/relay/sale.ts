import {
  buildTicket,
  CASH_CORE_PAYMENT_KINDS,
  DEFAULT_MEASURE_UNIT_CODE,
  DEFAULT_SECTION_CODE,
  DEFAULT_TAXATION_TYPE,
} from '@kassa-relay/drivers';
import { parseSaleRequest, saleRequestToCommand } from '@kassa-relay/protocol';

/** The register every cash-core simulator starts with (seed 003's example). */
export const KKM_OFD_ID = 6923;
/** The simulators' administrator PIN, sent in `Authorization` as the agent does. */
export const ACCESS_CODE = '0000';

/** One coffee, paid in cash: the seed 001 `/sale` body a POS sends; `docNumber` keeps each one unique. */
export function saleBody(docNumber: string): string {
  return JSON.stringify({
    docTime: '2026-11-23 10:00:00',
    docNumber,
    employeeName: 'Иванова А.',
    amount: 35_000,
    currency: 'KZT',
    items: [{ itemId: '1', itemName: 'Кофе', itemQty: 1000, itemAmount: 35_000 }],
    payments: { cashAmount: 35_000 },
  });
}

/**
 * The TradeOperation body the agent's cash-core driver sends for that sale: the same conversion
 * (seed 001 → canonical receipt in the cloud, canonical → seed 003 ticket in the driver) with the
 * driver's default options, so the direct baseline fiscalizes exactly what the chain does.
 */
export function tradeOperationRequest(): Record<string, unknown> {
  const parsed = parseSaleRequest(saleBody('direct'));
  if (!parsed.ok) throw new Error(`sale body rejected: ${parsed.answer.message}`);
  const converted = saleRequestToCommand(parsed.request, { paymentKinds: CASH_CORE_PAYMENT_KINDS });
  if (!converted.ok || converted.command.type !== 'receipt')
    throw new Error('sale did not convert to a receipt');
  const built = buildTicket(converted.command, {
    kkmOfdId: KKM_OFD_ID,
    taxationType: DEFAULT_TAXATION_TYPE,
    defaultSectionCode: DEFAULT_SECTION_CODE,
    defaultMeasureUnitCode: DEFAULT_MEASURE_UNIT_CODE,
    print: true,
  });
  if (!built.ok) throw new Error(`ticket not built: ${built.error.message}`);
  return built.plan.request;
}
