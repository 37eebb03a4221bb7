import { Injectable, NotFoundException } from '@nestjs/common';
import type {
  createOperatorBody,
  Data,
  operatorSaved,
  operatorSyncError,
  operatorView,
  resetPinBody,
  updateOperatorBody,
} from '@kassa-relay/admin-api';
import type { OperatorRole } from '@kassa-relay/protocol';
import { AuditLog } from '../admin/audit';
import type { OperatorRole as DbOperatorRole } from '../generated/prisma/client';
import { Database } from '../platform/database';
import { type JwtClaims, SecretBox } from '../security/secret-box';
import { RegisterOperators, type SyncTarget } from './register-operators';

type OperatorView = Data<typeof operatorView>;
type OperatorSaved = Data<typeof operatorSaved>;
type SyncError = Data<typeof operatorSyncError>;

const toDbRole = (role: OperatorRole): DbOperatorRole => (role === 'seniorCashier' ? 'senior_cashier' : role);
const toApiRole = (role: DbOperatorRole): OperatorRole =>
  role === 'senior_cashier' ? 'seniorCashier' : role;

const operatorInclude = {
  registers: {
    include: { register: { select: { id: true, name: true, kind: true, agentId: true } } },
    orderBy: { register: { createdAt: 'asc' } },
  },
} as const;

type Link = {
  registerId: string;
  registerCode: number | null;
  register: { id: string; name: string; kind: 'ikkm' | 'cash_core'; agentId: string | null };
};
type OperatorRow = {
  id: string;
  name: string;
  role: DbOperatorRole;
  pinEncrypted: string | null;
  registers: (Link & { syncedAt: Date | null })[];
};

const target = (link: Link): SyncTarget => ({
  registerId: link.registerId,
  kind: link.register.kind,
  agentId: link.register.agentId,
});

function toView(row: OperatorRow): OperatorView {
  return {
    id: row.id,
    name: row.name,
    role: toApiRole(row.role),
    hasPin: row.pinEncrypted !== null,
    registers: row.registers.map((link) => ({
      registerId: link.registerId,
      registerName: link.register.name,
      registerCode: link.registerCode,
      syncedAt: link.syncedAt,
    })),
  };
}

/**
 * Cashiers of the organisation. The cloud is the source of truth for cash-core registers: every
 * change is pushed to each bound one (`operators.sync`) and the register's own code is kept so the
 * next change edits the same operator there. iKKM devices keep their own cashier list (read-only
 * here): binding one only records the link. A register that cannot be reached does not undo the
 * change; the answer names it in `syncErrors`.
 */
@Injectable()
export class OperatorsService {
  constructor(
    private readonly database: Database,
    private readonly box: SecretBox,
    private readonly registers: RegisterOperators,
    private readonly audit: AuditLog,
  ) {}

  async list(admin: JwtClaims): Promise<OperatorView[]> {
    const rows = await this.database.prisma.operator.findMany({
      where: { organisationId: admin.org },
      include: operatorInclude,
      orderBy: { name: 'asc' },
    });
    return rows.map(toView);
  }

  async create(admin: JwtClaims, body: Data<typeof createOperatorBody>): Promise<OperatorSaved> {
    await this.assertRegisters(admin, body.registerIds);
    // The operator and its audit entry commit together; the registers hear of it only after that.
    const created = await this.database.prisma.$transaction(async (tx) => {
      const row = await tx.operator.create({
        data: {
          organisationId: admin.org,
          name: body.name,
          role: toDbRole(body.role),
          pinEncrypted: body.pin ? this.box.seal(body.pin) : null,
          registers: { create: body.registerIds.map((registerId) => ({ registerId })) },
        },
        include: operatorInclude,
      });
      await this.audit.record(
        admin,
        'operator.create',
        row.id,
        { name: body.name, role: body.role, hasPin: body.pin !== undefined, registerIds: body.registerIds },
        tx,
      );
      return row;
    });
    const syncErrors = await this.pushToRegisters(admin, created, []);
    await this.recordSyncErrors(admin, created.id, syncErrors);
    return { ...(await this.view(created.id)), syncErrors };
  }

  async update(admin: JwtClaims, id: string, body: Data<typeof updateOperatorBody>): Promise<OperatorSaved> {
    const existing = await this.find(admin, id);
    if (body.registerIds) await this.assertRegisters(admin, body.registerIds);
    const wanted = body.registerIds ? new Set(body.registerIds) : undefined;
    const unbound = wanted ? existing.registers.filter((link) => !wanted.has(link.registerId)) : [];
    const added = wanted
      ? [...wanted].filter((registerId) => !existing.registers.some((l) => l.registerId === registerId))
      : [];
    const updated = await this.database.prisma.$transaction(async (tx) => {
      const row = await tx.operator.update({
        where: { id },
        data: {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.role !== undefined ? { role: toDbRole(body.role) } : {}),
          ...(body.pin !== undefined ? { pinEncrypted: this.box.seal(body.pin) } : {}),
          registers: {
            ...(unbound.length > 0
              ? { deleteMany: { registerId: { in: unbound.map((link) => link.registerId) } } }
              : {}),
            ...(added.length > 0 ? { create: added.map((registerId) => ({ registerId })) } : {}),
          },
        },
        include: operatorInclude,
      });
      await this.audit.record(
        admin,
        'operator.update',
        id,
        {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.role !== undefined ? { role: body.role } : {}),
          ...(body.pin !== undefined ? { pinChanged: true } : {}),
          ...(body.registerIds ? { registerIds: body.registerIds } : {}),
        },
        tx,
      );
      return row;
    });
    const syncErrors = await this.pushToRegisters(admin, updated, unbound);
    await this.recordSyncErrors(admin, id, syncErrors);
    return { ...(await this.view(id)), syncErrors };
  }

  async resetPin(admin: JwtClaims, id: string, body: Data<typeof resetPinBody>): Promise<OperatorSaved> {
    await this.find(admin, id);
    const updated = await this.database.prisma.$transaction(async (tx) => {
      const row = await tx.operator.update({
        where: { id },
        data: { pinEncrypted: this.box.seal(body.pin) },
        include: operatorInclude,
      });
      await this.audit.record(admin, 'operator.resetPin', id, undefined, tx);
      return row;
    });
    const syncErrors = await this.pushToRegisters(admin, updated, []);
    await this.recordSyncErrors(admin, id, syncErrors);
    return { ...(await this.view(id)), syncErrors };
  }

  /** Deleted from the cash-core registers first; the operator is deleted here whatever they say. */
  async remove(admin: JwtClaims, id: string): Promise<void> {
    const existing = await this.find(admin, id);
    const syncErrors = await this.pushToRegisters(admin, { ...existing, registers: [] }, existing.registers);
    await this.database.prisma.$transaction(async (tx) => {
      await tx.operator.delete({ where: { id } });
      await this.audit.record(admin, 'operator.delete', id, { name: existing.name, syncErrors }, tx);
    });
  }

  /**
   * Registers that could not be brought up to date after a committed change: an entry of its own
   * (the change itself is audited with it, in its transaction; the registers are reached after).
   */
  private async recordSyncErrors(admin: JwtClaims, id: string, syncErrors: SyncError[]): Promise<void> {
    if (syncErrors.length > 0) await this.audit.record(admin, 'operator.syncErrors', id, { syncErrors });
  }

  private async view(id: string): Promise<OperatorView> {
    return toView(
      await this.database.prisma.operator.findUniqueOrThrow({ where: { id }, include: operatorInclude }),
    );
  }

  private async find(admin: JwtClaims, id: string): Promise<OperatorRow> {
    const row = await this.database.prisma.operator.findFirst({
      where: { id, organisationId: admin.org },
      include: operatorInclude,
    });
    if (!row) throw new NotFoundException(`operator ${id} not found`);
    return row;
  }

  private async assertRegisters(admin: JwtClaims, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const found = await this.database.prisma.register.findMany({
      where: { id: { in: ids }, store: { organisationId: admin.org } },
      select: { id: true },
    });
    const missing = ids.filter((id) => !found.some((r) => r.id === id));
    if (missing.length > 0) throw new NotFoundException(`register ${missing.join(', ')} not found`);
  }

  /**
   * Brings every bound cash-core register to the operator as stored and deletes it from the
   * registers it was unbound from; the registers are asked in parallel.
   */
  private async pushToRegisters(
    admin: JwtClaims,
    operator: OperatorRow,
    unbound: Link[],
  ): Promise<SyncError[]> {
    const actor = `admin:${admin.email}`;
    const pinInClear = operator.pinEncrypted ? this.box.open(operator.pinEncrypted) : undefined;
    const wanted = {
      name: operator.name,
      role: toApiRole(operator.role),
      ...(pinInClear ? { pin: pinInClear } : {}),
    };
    const errors: SyncError[] = [];
    const upserts = operator.registers
      .filter((link) => link.register.kind === 'cash_core')
      .map(async (link) => {
        const known = link.registerCode ?? undefined;
        let outcome = await this.registers.upsert(
          target(link),
          { ...wanted, ...(known !== undefined ? { code: known } : {}) },
          actor,
        );
        // Someone deleted it on the register itself: create it again.
        if (!outcome.ok && outcome.notFound && known !== undefined)
          outcome = await this.registers.upsert(target(link), wanted, actor);
        if (!outcome.ok) return void errors.push({ registerId: link.registerId, message: outcome.message });
        // Without a code the driver matched by name (the first one): the same choice finds it here.
        const listed = outcome.operators ?? [];
        const synced =
          listed.find((o) => known !== undefined && o.code === known) ??
          listed.find((o) => o.name === operator.name);
        // updateMany: the link may have been removed meanwhile by another change; nothing to record then.
        await this.database.prisma.operatorRegister.updateMany({
          where: { operatorId: operator.id, registerId: link.registerId },
          data: { registerCode: synced?.code ?? link.registerCode, syncedAt: new Date() },
        });
      });
    const deletions = unbound
      .filter((link) => link.register.kind === 'cash_core' && link.registerCode !== null)
      .map(async (link) => {
        const outcome = await this.registers.remove(target(link), link.registerCode!, actor);
        if (!outcome.ok) errors.push({ registerId: link.registerId, message: outcome.message });
      });
    await Promise.all([...upserts, ...deletions]);
    return errors;
  }
}
