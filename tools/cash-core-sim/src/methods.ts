import { getDocumentImage } from './document-image';
import type { MethodDefinition } from './method-context';
import { moneyPlacement } from './money-placement';
import { deleteOperator, getOperatorList, saveOperator } from './operators';
import {
  activateLicense,
  deleteKkm,
  getKkmList,
  getOfdList,
  getPrinterList,
  getVendorId,
  ping,
  saveKkm,
} from './registers';
import { zxReport } from './reports';
import { tradeOperation } from './trade-operation';
import { getTransaction, getTransactionList } from './transactions';

/** Every method of seed 003, served at `/<name>` (names are case-sensitive, as the seed writes them). */
export const METHODS: ReadonlyMap<string, MethodDefinition> = new Map(
  [
    ping,
    activateLicense,
    getOfdList,
    getKkmList,
    getVendorId,
    saveKkm,
    deleteKkm,
    getOperatorList,
    saveOperator,
    deleteOperator,
    tradeOperation,
    moneyPlacement,
    zxReport,
    getTransactionList,
    getTransaction,
    getPrinterList,
    getDocumentImage,
  ].map((method) => [method.name, method]),
);
