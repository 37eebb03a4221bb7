import { z } from 'zod';
import type { PaymentKind } from '../canonical/receipt';
import type { RegisterKind } from '../canonical/results';
import { DecimalFormatError, decimalToScaled } from '../money/decimal';
import { percentToMilliPercent } from '../money/minor-units';
import type { TaxTableEntry } from '../ws/ws-convert';

/**
 * A register's settings as one schema, whoever holds them: the admin enters them (cloud admin API,
 * dashboard), the cloud stores them and sends them to the store agent (`registerSetupSchema`), and
 * the agent reads them from its config file. The limits are the admin's: the agent accepts all
 * the cloud can send and nothing a conversion further down would choke on.
 */

/** Payment kinds each register kind accepts (seed 002: cash, bank (card), tara, credit; seed 003: cash, card, mobile). */
export const REGISTER_PAYMENT_KINDS: Readonly<Record<RegisterKind, readonly PaymentKind[]>> = {
  ikkm: ['cash', 'card', 'tara', 'credit'],
  'cash-core': ['cash', 'card', 'mobile'],
};

const hasThousandths = (percent: number): boolean => {
  try {
    decimalToScaled(percent, 3);
    return true;
  } catch (error) {
    if (error instanceof DecimalFormatError) return false;
    throw error;
  }
};

export const taxTableEntrySchema = z.object({
  /**
   * Percent as people write it (12, 0, 16.5). Registers take thousandths of a percent, so a finer
   * percent is refused here rather than failing every sale that uses it.
   */
  percent: z.number().min(0).max(100).refine(hasThousandths, 'a tax percent has at most 3 decimal places'),
  name: z.string().max(100).optional(),
  /** The register's own tax code (iKKM `tax` parameter). */
  registerCode: z.string().max(20).optional(),
  /** "Без НДС": no tax line at all on the item (not a 0 % tax). */
  exempt: z.boolean().optional(),
});
export type TaxTableSetting = z.infer<typeof taxTableEntrySchema>;

/**
 * WS `tax_number` indexes it; absent or empty: the cloud's default for the register's kind and
 * country. No default here: in a change (`PATCH`) a table left out must stay absent, not become
 * an empty table that replaces the stored one; where absent means empty, the holder says so.
 */
export const taxTableSchema = z.array(taxTableEntrySchema).max(20);

/** The one percent → thousandths conversion: a stored table as POS requests are converted with it. */
export const taxTableEntries = (table: readonly TaxTableSetting[]): TaxTableEntry[] =>
  table.map((entry) => ({
    rate: percentToMilliPercent(entry.percent),
    ...(entry.name ? { name: entry.name } : {}),
    ...(entry.registerCode ? { registerCode: entry.registerCode } : {}),
    ...(entry.exempt ? { exempt: true } : {}),
  }));

const deviceUrl = z.url({ protocol: /^https?$/, message: 'device url must be http:// or https://' });

/** The iKKM's settings but its key: what an admin may see again. */
export const ikkmDeviceFields = {
  kind: z.literal('ikkm'),
  url: deviceUrl,
  inn: z
    .string()
    .regex(/^\d{12}$/, 'INN/BIN is 12 digits')
    .optional(),
  /** The device's clock zone (it reports local time without one); Kazakhstan: UTC+5 = 300. */
  utcOffsetMinutes: z.number().int().min(-720).max(840).optional(),
  minRequestIntervalMs: z.number().int().nonnegative().max(60_000).optional(),
  /**
   * Seed 002 (code -9) allows digits only: amounts go in whole tenge and one with tiyn is refused
   * before it is sent. Set when this device is known to accept decimal amounts.
   */
  acceptsDecimals: z.boolean().optional(),
};

/** The cash core's settings but its access code. */
export const cashCoreDeviceFields = {
  kind: z.literal('cash-core'),
  url: deviceUrl,
  kkmOfdId: z.number().int().positive(),
  /**
   * How long a fiscal call whose answer was lost may still be running on the core: no "not done"
   * verdict before it has passed (the driver's 120 s when absent).
   */
  processingWindowMs: z.number().int().positive().max(3_600_000).optional(),
};

/** The web-api key set on the iKKM; afterwards the agent keeps the rotating key itself. */
export const ikkmInitialKeySchema = z.string().regex(/^\d+$/, 'the iKKM web-api key is a number');
/** PIN or token the agent sends the cash core in `Authorization`. */
export const cashCoreAccessCodeSchema = z.string().min(1).max(200);

/** How the agent reaches a register's device, secret included (as an admin enters it). */
export const registerDeviceSchema = z.discriminatedUnion('kind', [
  z.object({ ...ikkmDeviceFields, initialKey: ikkmInitialKeySchema }),
  z.object({ ...cashCoreDeviceFields, accessCode: cashCoreAccessCodeSchema }),
]);
export type RegisterDevice = z.infer<typeof registerDeviceSchema>;
