import {
  type RegisterDevice,
  type RegisterKind,
  type RegisterSetupInput,
  type TaxTableEntry,
  taxTableEntries,
  type TaxTableSetting,
} from '@kassa-relay/protocol';
import type { SecretBox } from '../security/secret-box';

export type StoredTaxTable = TaxTableSetting[];

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
  taxTable: StoredTaxTable;
}

export const dbKind = (kind: RegisterKind): 'ikkm' | 'cash_core' =>
  kind === 'cash-core' ? 'cash_core' : 'ikkm';
export const wireKind = (kind: 'ikkm' | 'cash_core'): RegisterKind =>
  kind === 'cash_core' ? 'cash-core' : 'ikkm';

export function storeRegisterConfig(
  device: RegisterDevice,
  taxTable: StoredTaxTable,
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

/**
 * The table POS requests are converted with. `register` given: an empty stored table is the
 * default for the register's kind and country (registers created before defaults existed).
 */
export const routeTaxTable = (
  config: StoredRegisterConfig,
  register?: { kind: RegisterKind; currency: 'KZT' | 'RUB' },
): TaxTableEntry[] =>
  taxTableEntries(
    register ? effectiveTaxTable(config.taxTable, register.kind, register.currency) : (config.taxTable ?? []),
  );
