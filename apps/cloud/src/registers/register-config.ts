import {
  type PaymentKind,
  percentToMilliPercent,
  type RegisterKind,
  type RegisterSetupInput,
  type TaxTableEntry,
} from '@kassa-relay/protocol';
import { z } from 'zod';
import type { SecretBox } from '../security/secret-box';

export const taxTableSchema = z
  .array(
    z.object({
      /** Percent as people write it (12, 0, 16.5). */
      percent: z.number().min(0).max(100),
      name: z.string().max(100).optional(),
      /** The register's own tax code (iKKM `tax` parameter). */
      registerCode: z.string().max(20).optional(),
      /** "Без НДС": no tax line at all on the item (not a 0 % tax). */
      exempt: z.boolean().optional(),
    }),
  )
  .max(20)
  .default([]);
export type StoredTaxTable = z.infer<typeof taxTableSchema>;

/**
 * The tax table a register gets when none is given (and what an empty stored table means), from
 * its kind and country (its currency: KZT Kazakhstan, RUB Russia). WS `tax_number` indexes it.
 * - Kazakhstan: 0 — VAT 12 %, 1 — without VAT. On an iKKM, VAT uses the device's default tax
 *   (set on the device when the web cash register is enabled, seed 002) and "Без НДС" its tax
 *   code 2 (seed 002's own taxes table: "1": "НДС", "2": "Без НДС"; check /dump/table/taxes).
 * - Russia: seed 000's own example order — 0 — VAT 20 %, 1 — VAT 10 %, then 2 — VAT 0 %,
 *   3 — without VAT.
 * Editable as any table (admin API, dashboard).
 */
export function defaultTaxTable(kind: RegisterKind, currency: 'KZT' | 'RUB'): StoredTaxTable {
  if (currency === 'RUB')
    return [
      { percent: 20, name: 'НДС 20%' },
      { percent: 10, name: 'НДС 10%' },
      { percent: 0, name: 'НДС 0%' },
      { percent: 0, name: 'Без НДС', exempt: true },
    ];
  return [
    { percent: 12, name: 'НДС 12%' },
    { percent: 0, name: 'Без НДС', exempt: true, ...(kind === 'ikkm' ? { registerCode: '2' } : {}) },
  ];
}

/** A stored table, or the default for the register's kind and country when it is empty (or absent). */
export const effectiveTaxTable = (
  stored: StoredTaxTable | undefined,
  kind: RegisterKind,
  currency: 'KZT' | 'RUB',
): StoredTaxTable => (stored && stored.length > 0 ? stored : defaultTaxTable(kind, currency));

const url = z.url({ protocol: /^https?$/, message: 'device url must be http:// or https://' });

/** How the agent reaches a register's device, as an admin enters it. Secrets are sealed before storage. */
export const registerDeviceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ikkm'),
    url,
    /** The web-api key set on the device; the agent keeps the rotating key afterwards. */
    initialKey: z.string().regex(/^\d+$/, 'the iKKM web-api key is a number'),
    inn: z
      .string()
      .regex(/^\d{12}$/, 'INN/BIN is 12 digits')
      .optional(),
    utcOffsetMinutes: z.number().int().min(-720).max(840).optional(),
    minRequestIntervalMs: z.number().int().nonnegative().max(60_000).optional(),
    /** The device takes amounts with tiyn (seed 002 -9 says digits only: off by default). */
    acceptsDecimals: z.boolean().optional(),
  }),
  z.object({
    kind: z.literal('cash-core'),
    url,
    /** PIN or token the agent sends in `Authorization`. */
    accessCode: z.string().min(1).max(200),
    kkmOfdId: z.number().int().positive(),
    /** How long a lost fiscal call may still be running on the core (the driver's 120 s when absent). */
    processingWindowMs: z.number().int().positive().max(3_600_000).optional(),
  }),
]);
export type RegisterDevice = z.infer<typeof registerDeviceSchema>;

/** `Register.config` in the database. */
export interface StoredRegisterConfig {
  url: string;
  /** Sealed initial key (iKKM) or access code (cash core). */
  secret: string;
  inn?: string;
  kkmOfdId?: number;
  utcOffsetMinutes?: number;
  minRequestIntervalMs?: number;
  acceptsDecimals?: boolean;
  processingWindowMs?: number;
  taxTable: z.infer<typeof taxTableSchema>;
}

export const dbKind = (kind: RegisterKind): 'ikkm' | 'cash_core' =>
  kind === 'cash-core' ? 'cash_core' : 'ikkm';
export const wireKind = (kind: 'ikkm' | 'cash_core'): RegisterKind =>
  kind === 'cash_core' ? 'cash-core' : 'ikkm';

export function storeRegisterConfig(
  device: RegisterDevice,
  taxTable: z.infer<typeof taxTableSchema>,
  box: SecretBox,
): StoredRegisterConfig {
  if (device.kind === 'ikkm') {
    return {
      url: device.url,
      secret: box.seal(device.initialKey),
      ...(device.inn ? { inn: device.inn } : {}),
      ...(device.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: device.utcOffsetMinutes } : {}),
      ...(device.minRequestIntervalMs !== undefined
        ? { minRequestIntervalMs: device.minRequestIntervalMs }
        : {}),
      ...(device.acceptsDecimals !== undefined ? { acceptsDecimals: device.acceptsDecimals } : {}),
      taxTable,
    };
  }
  return {
    url: device.url,
    secret: box.seal(device.accessCode),
    kkmOfdId: device.kkmOfdId,
    ...(device.processingWindowMs !== undefined ? { processingWindowMs: device.processingWindowMs } : {}),
    taxTable,
  };
}

/** The register entry of an agent's config file, enrollment answer and `config` message. */
export function agentRegisterConfig(
  register: { id: string; kind: 'ikkm' | 'cash_core'; config: unknown },
  box: SecretBox,
): RegisterSetupInput {
  const config = register.config as StoredRegisterConfig;
  const secret = box.open(config.secret);
  const base = { id: register.id, url: config.url, taxTable: config.taxTable };
  if (register.kind === 'ikkm') {
    return {
      ...base,
      kind: 'ikkm',
      initialKey: secret,
      ...(config.inn ? { inn: config.inn } : {}),
      ...(config.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: config.utcOffsetMinutes } : {}),
      minRequestIntervalMs: config.minRequestIntervalMs ?? 1000,
      ...(config.acceptsDecimals ? { acceptsDecimals: true } : {}),
    };
  }
  return {
    ...base,
    kind: 'cash-core',
    accessCode: secret,
    kkmOfdId: config.kkmOfdId as number,
    ...(config.processingWindowMs !== undefined ? { processingWindowMs: config.processingWindowMs } : {}),
  };
}

/** Payment kinds each register kind accepts (seed 002: cash, bank, tara, credit; seed 003: cash, card, mobile). */
export const PAYMENT_KINDS: Record<RegisterKind, readonly PaymentKind[]> = {
  ikkm: ['cash', 'card', 'tara', 'credit'],
  'cash-core': ['cash', 'card', 'mobile'],
};

/**
 * The table POS requests are converted with. `register` given: an empty stored table is the
 * default for the register's kind and country (registers created before defaults existed).
 */
export const routeTaxTable = (
  config: StoredRegisterConfig,
  register?: { kind: RegisterKind; currency: 'KZT' | 'RUB' },
): TaxTableEntry[] =>
  (register
    ? effectiveTaxTable(config.taxTable, register.kind, register.currency)
    : (config.taxTable ?? [])
  ).map((entry) => ({
    rate: percentToMilliPercent(entry.percent),
    ...(entry.name ? { name: entry.name } : {}),
    ...(entry.registerCode ? { registerCode: entry.registerCode } : {}),
    ...(entry.exempt ? { exempt: true } : {}),
  }));
