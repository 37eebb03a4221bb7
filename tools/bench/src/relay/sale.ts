import {
  buildTicket,
  CASH_CORE_PAYMENT_KINDS,
  DEFAULT_MEASURE_UNIT_CODE,
  DEFAULT_SECTION_CODE,
  DEFAULT_TAXATION_TYPE,
} from '@kassa-relay/drivers';
import { parseSaleRequest, saleRequestToCommand } from '@kassa-relay/protocol';
import { saleBody } from '@kassa-relay/testing';

/** The register every cash-core simulator starts with (seed 003's example). */
export const KKM_OFD_ID = 6923;
/** The simulators' administrator PIN, sent in `Authorization` as the agent does. */
export const ACCESS_CODE = '0000';

/**
 * The TradeOperation body the agent's cash-core driver sends for the benchmark's sale (`saleBody`): the same conversion
 * (seed 001 → canonical receipt in the cloud, canonical → seed 003 ticket in the driver) with the
 * driver's default options, so the direct baseline fiscalizes exactly what the chain does.
 */
export function tradeOperationRequest(): Record<string, unknown> {
  const parsed = parseSaleRequest(JSON.stringify(saleBody('direct')));
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
