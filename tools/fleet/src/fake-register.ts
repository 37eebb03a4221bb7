import {
  canonicalError,
  type CanonicalCommand,
  changeDue,
  type CommandOutcome,
  type CommandResult,
  emptyShiftCounters,
  type RegisterHealth,
  type RegisterIdentity,
  type RegisterKind,
  type ShiftCounters,
} from '@kassa-relay/protocol';

/** A document the fake register "printed": what a test counts to find a sale printed twice. */
export interface PrintedDocument {
  commandId: string;
  registerId: string;
  /** The command type: receipt, shift.close, report.x, cash.in, receipt.reprint … */
  type: CanonicalCommand['type'];
  /** A receipt's operation (sale, saleReturn …). */
  operation?: string;
  fiscalId?: string;
  shiftNumber: number;
  checkNumber?: number;
  total?: number;
  /** The POS's document reference (`/sale` docNumber) a receipt carries. */
  externalNumber?: string;
  /** A reprint: a copy of an earlier document, never a second fiscal document. */
  copyOf?: string;
  at: string;
}

/**
 * A register that exists only in memory: enough state (shift number and counters, receipt and
 * document numbers, cash in the drawer) for every answer to look like one a real register gives and
 * to pass the cloud's result schemas, and nothing it would have to reach over a network.
 */
export class FakeRegister {
  private shift = { number: 0, open: false, openedAt: undefined as string | undefined };
  private counters: ShiftCounters = emptyShiftCounters();
  private lastZ: ShiftCounters | undefined;
  private documentNumber = 0;
  private checkNumber = 0;
  private cashBalance = 0;
  private lastReceipt: PrintedDocument | undefined;
  readonly identity: RegisterIdentity;

  constructor(
    readonly id: string,
    readonly kind: RegisterKind,
    /** Makes serial numbers and fiscal ids unique across the fleet. */
    serial: string,
  ) {
    this.identity = {
      kind,
      serialNumber: `FLEET${serial}`,
      registrationNumber: `0100${serial.padStart(8, '0')}`.slice(0, 12),
      inn: '123456789012',
      organization: 'ТОО «Флот»',
      registerName: `Fleet ${serial}`,
      currency: 'KZT',
      softwareVersion: 'fleet-1',
    };
  }

  health(now: Date): RegisterHealth {
    return {
      reachable: true,
      checkedAt: now.toISOString(),
      shift: this.shiftState(),
      ...(this.shift.open ? { shiftHoursLeft: 24 - this.hoursOpen(now) } : {}),
      cashBalance: this.cashBalance,
      offlineQueue: 0,
      warnings: [],
      identity: this.identity,
    };
  }

  /**
   * Runs one command. `printed` gets what a real register would have put on paper; the caller
   * journals it once per command id, which is the whole point of counting duplicates.
   */
  execute(
    commandId: string,
    command: CanonicalCommand,
    now: Date,
  ): { outcome: CommandOutcome; printed?: PrintedDocument } {
    const at = now.toISOString();
    const done = (
      result: Omit<CommandResult, 'type'>,
      printed?: Omit<PrintedDocument, 'commandId' | 'registerId' | 'type' | 'at' | 'shiftNumber'>,
    ) => ({
      outcome: { ok: true as const, result: { type: command.type, ...result } },
      ...(printed
        ? {
            printed: {
              commandId,
              registerId: this.id,
              type: command.type,
              shiftNumber: this.shift.number,
              at,
              ...printed,
            },
          }
        : {}),
    });
    const failed = (code: Parameters<typeof canonicalError>[0], message?: string) => ({
      outcome: { ok: false as const, error: canonicalError(code, message) },
    });
    switch (command.type) {
      case 'shift.open': {
        if (this.shift.open) return failed('SHIFT_ALREADY_OPEN');
        this.openShift(at);
        this.documentNumber += 1;
        return done(
          { shiftNumber: this.shift.number, documentNumber: this.documentNumber, shift: this.shiftState() },
          {},
        );
      }
      case 'shift.close':
      case 'shift.forceClose': {
        if (!this.shift.open) return failed('SHIFT_NOT_OPEN');
        const counters = { ...this.counters, cashBalance: this.cashBalance };
        this.documentNumber += 1;
        this.shift.open = false;
        this.lastZ = counters;
        const result = done(
          {
            shiftNumber: this.shift.number,
            documentNumber: this.documentNumber,
            fiscalId: this.fiscalId(),
            counters,
            shift: { ...this.shiftState(), closedAt: at },
          },
          {},
        );
        this.counters = emptyShiftCounters();
        return result;
      }
      case 'receipt': {
        // As the iKKM does: the first receipt of the day opens the shift itself.
        if (!this.shift.open) this.openShift(at);
        const sale = command.operation === 'sale' || command.operation === 'buyReturn';
        const cash = command.payments
          .filter((payment) => payment.kind === 'cash')
          .reduce((sum, p) => sum + p.amount, 0);
        const change = changeDue(command);
        const cashNet = cash - change;
        if (!sale && cashNet > this.cashBalance) return failed('INSUFFICIENT_CASH');
        this.cashBalance += sale ? cashNet : -cashNet;
        if (sale) {
          this.counters.countSales += 1;
          this.counters.sumSales += command.total;
        } else {
          this.counters.countReturns += 1;
          this.counters.sumReturns += command.total;
        }
        this.documentNumber += 1;
        this.checkNumber += 1;
        const fiscalId = this.fiscalId();
        const result = done(
          {
            fiscalId,
            checkNumber: this.checkNumber,
            documentNumber: this.documentNumber,
            shiftNumber: this.shift.number,
            total: command.total,
            change,
            qrPayload: `https://consumer.oofd.kz?i=${fiscalId}&f=${this.identity.registrationNumber}&s=${command.total / 100}&t=${at}`,
            ...(command.cashier ? { cashier: command.cashier } : {}),
            ...(command.rrn ? { rrn: command.rrn } : {}),
          },
          {
            operation: command.operation,
            fiscalId,
            checkNumber: this.checkNumber,
            total: command.total,
            ...(command.externalNumber ? { externalNumber: command.externalNumber } : {}),
          },
        );
        this.lastReceipt = result.printed;
        return result;
      }
      case 'receipt.reprint': {
        const original = this.lastReceipt;
        const wanted = command.document;
        if (!original || ('fiscalId' in wanted && wanted.fiscalId !== original.fiscalId))
          return failed('NOT_FOUND', 'документ не найден');
        return done(
          {
            ...(original.fiscalId ? { fiscalId: original.fiscalId } : {}),
            ...(original.checkNumber !== undefined ? { checkNumber: original.checkNumber } : {}),
            shiftNumber: original.shiftNumber,
            ...(original.total !== undefined ? { total: original.total } : {}),
          },
          { ...(original.fiscalId ? { copyOf: original.fiscalId } : {}) },
        );
      }
      case 'cash.in':
      case 'cash.out': {
        if (!this.shift.open) this.openShift(at);
        if (command.type === 'cash.out' && command.amount > this.cashBalance)
          return failed('INSUFFICIENT_CASH');
        const inward = command.type === 'cash.in';
        this.cashBalance += inward ? command.amount : -command.amount;
        if (inward) {
          this.counters.countInsert += 1;
          this.counters.sumInsert += command.amount;
        } else {
          this.counters.countRemove += 1;
          this.counters.sumRemove += command.amount;
        }
        this.documentNumber += 1;
        return done(
          { documentNumber: this.documentNumber, shiftNumber: this.shift.number, total: command.amount },
          { total: command.amount },
        );
      }
      case 'report.x':
        if (!this.shift.open) return failed('SHIFT_NOT_OPEN');
        return done(
          {
            shiftNumber: this.shift.number,
            counters: { ...this.counters, cashBalance: this.cashBalance },
            shift: this.shiftState(),
          },
          {},
        );
      case 'report.z':
        if (!this.lastZ) return failed('NOT_FOUND', 'закрытых смен нет');
        return done({ shiftNumber: this.shift.number, counters: this.lastZ });
      case 'register.info':
        return done({ identity: this.identity, health: this.health(now), shift: this.shiftState() });
      case 'operators.list':
        return done({ operators: [{ code: 1, name: 'Администратор', role: 'administrator' }] });
      case 'operators.sync':
        return done({ operators: command.upsert });
      case 'payment.cancel':
        return done({ rrn: command.rrn, total: command.amount });
      case 'receipt.image':
        return failed('NOT_SUPPORTED', 'флот не рисует чеки');
      case 'command.resolve':
        return failed('NOT_FOUND', `команды ${command.commandId} нет в сомнении`);
    }
  }

  private openShift(at: string): void {
    this.shift = { number: this.shift.number + 1, open: true, openedAt: at };
    this.counters = emptyShiftCounters();
    this.checkNumber = 0;
  }

  private shiftState() {
    return {
      number: this.shift.number,
      open: this.shift.open,
      ...(this.shift.openedAt ? { openedAt: this.shift.openedAt } : {}),
    };
  }

  private hoursOpen(now: Date): number {
    const opened = this.shift.openedAt ? Date.parse(this.shift.openedAt) : now.getTime();
    return Math.max(0, (now.getTime() - opened) / 3_600_000);
  }

  /** Unique across the fleet: the register's serial, the shift and the document number. */
  private fiscalId(): string {
    return `${this.identity.serialNumber}-${this.shift.number}-${this.documentNumber}`;
  }
}
