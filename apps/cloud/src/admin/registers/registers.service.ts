import { isDeepStrictEqual } from 'node:util';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type {
  createRegisterBody,
  Data,
  deviceChangeBody,
  listRegistersQuery,
  updateRegisterBody,
} from '@kassa-relay/admin-api';
import type { RegisterDevice } from '@kassa-relay/protocol';
import { AgentConfigs } from '../../agents/agent-configs';
import type { Prisma } from '../../generated/prisma/client';
import { Database } from '../../platform/database';
import {
  dbKind,
  defaultTaxTable,
  effectiveTaxTable,
  type StoredRegisterConfig,
  storeRegisterConfig,
  wireKind,
} from '../../registers/register-config';
import { RegisterDirectory } from '../../registers/register-directory';
import { type JwtClaims, SecretBox } from '../../security/secret-box';
import { AuditLog } from '../audit';
import {
  type RegisterDetails,
  registerInclude,
  type RegisterRow,
  type RegisterView,
  RegisterViews,
  withoutPassword,
} from './register-views';

/** Placeholder sealed and then replaced when a device change keeps the stored secret. */
const KEEP_SECRET = '0';

/** Registers as the office manages them: where each one is, how its agent reaches the device. */
@Injectable()
export class RegistersService {
  constructor(
    private readonly database: Database,
    private readonly views: RegisterViews,
    private readonly directory: RegisterDirectory,
    private readonly box: SecretBox,
    private readonly audit: AuditLog,
    private readonly agentConfigs: AgentConfigs,
  ) {}

  /** A register of the admin's organisation, or 404 (another organisation's id is unknown here). */
  async findRow(admin: JwtClaims, id: string): Promise<RegisterRow> {
    const row = await this.database.prisma.register.findFirst({
      where: { id, store: { organisationId: admin.org } },
      include: registerInclude,
    });
    if (!row) throw new NotFoundException(`register ${id} not found`);
    return row;
  }

  async list(admin: JwtClaims, query: Data<typeof listRegistersQuery>): Promise<RegisterView[]> {
    const where: Prisma.RegisterWhereInput = {
      store: { organisationId: admin.org },
      ...(query.storeId ? { storeId: query.storeId } : {}),
      ...(query.state === 'shiftOpen' ? { shiftOpen: true } : {}),
    };
    const rows = await this.database.prisma.register.findMany({
      where,
      include: registerInclude,
      orderBy: [{ store: { name: 'asc' } }, { name: 'asc' }, { id: 'asc' }],
    });
    const views = await this.views.views(rows);
    switch (query.state) {
      case 'online':
        return views.filter((view) => view.agentOnline);
      case 'offline':
        return views.filter((view) => !view.agentOnline);
      case 'warning':
        return views.filter((view) => view.state.warnings.length > 0 || view.state.lastError !== null);
      default:
        return views;
    }
  }

  async get(admin: JwtClaims, id: string): Promise<RegisterDetails> {
    return this.views.details(await this.findRow(admin, id));
  }

  async create(admin: JwtClaims, body: Data<typeof createRegisterBody>): Promise<RegisterView> {
    const prisma = this.database.prisma;
    const store = await prisma.store.findFirst({
      where: { id: body.storeId, organisationId: admin.org },
      select: { id: true },
    });
    if (!store) throw new NotFoundException(`store ${body.storeId} not found`);
    if (body.agentId) await this.checkAgent(admin, body.agentId, store.id);
    // The register and its audit entry commit together; the agent hears of it only after that.
    const row = await prisma.$transaction(async (tx) => {
      const created = await tx.register.create({
        data: {
          storeId: store.id,
          agentId: body.agentId ?? null,
          kind: dbKind(body.device.kind),
          name: body.name,
          ...(body.currency ? { currency: body.currency } : {}),
          ...(body.device.kind === 'ikkm' && body.device.inn ? { inn: body.device.inn } : {}),
          // No table given (or an empty one): the default for the register's kind and country.
          config: this.sealed(
            body.device,
            effectiveTaxTable(body.taxTable, body.device.kind, body.currency ?? 'KZT'),
          ),
        },
        include: registerInclude,
      });
      await this.audit.record(
        admin,
        'register.create',
        created.id,
        {
          storeId: created.storeId,
          name: created.name,
          kind: body.device.kind,
          url: withoutPassword(body.device.url),
          agentId: created.agentId,
        },
        tx,
      );
      return created;
    });
    this.directory.forget(row.id);
    await this.agentConfigs.publish(row.agentId);
    const [view] = await this.views.views([row]);
    return view!;
  }

  async update(admin: JwtClaims, id: string, body: Data<typeof updateRegisterBody>): Promise<RegisterView> {
    const existing = await this.findRow(admin, id);
    const stored = existing.config as unknown as StoredRegisterConfig;
    if (body.device && body.device.kind !== wireKind(existing.kind))
      throw new BadRequestException(
        `device.kind: this register is ${wireKind(existing.kind)}; a register's kind cannot change (create a new register)`,
      );
    if (body.agentId) await this.checkAgent(admin, body.agentId, existing.storeId);
    const taxTable = body.taxTable ?? this.taxTableAfterCurrencyChange(existing, stored, body.currency);
    // A new currency moves a table that was still the old country's default (never edited).
    const tableMoved = !isDeepStrictEqual(taxTable, stored.taxTable ?? []);
    const config = body.device
      ? this.changedDevice(body.device, taxTable, stored)
      : body.taxTable || tableMoved
        ? { ...stored, taxTable }
        : undefined;
    const details = {
      fields: Object.keys(body).filter((key) => body[key as keyof typeof body] !== undefined),
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.agentId !== undefined ? { agentId: body.agentId } : {}),
      ...(body.device
        ? {
            device: {
              url: withoutPassword(body.device.url),
              secretChanged: (body.device.kind === 'ikkm' ? body.device.initialKey : body.device.accessCode)
                ? true
                : false,
            },
          }
        : {}),
    };
    const row = await this.database.prisma.$transaction(async (tx) => {
      const updated = await tx.register.update({
        where: { id },
        data: {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.currency !== undefined ? { currency: body.currency } : {}),
          ...(body.agentId !== undefined ? { agentId: body.agentId } : {}),
          ...(config ? { config: config as unknown as Prisma.InputJsonValue } : {}),
        },
        include: registerInclude,
      });
      await this.audit.record(admin, 'register.update', id, details, tx);
      return updated;
    });
    // POS requests route through the directory's cache: the next one must see the change.
    this.directory.forget(id);
    // The agent that drove it and the one that drives it now (the same one, mostly).
    if (config || body.agentId !== undefined) await this.agentConfigs.publish(existing.agentId, row.agentId);
    const [view] = await this.views.views([row]);
    return view!;
  }

  /**
   * The stored table, unless the currency changes and the table is still the old country's
   * default (never edited): then the new country's default.
   */
  private taxTableAfterCurrencyChange(
    existing: RegisterRow,
    stored: StoredRegisterConfig,
    currency: 'KZT' | 'RUB' | undefined,
  ): StoredRegisterConfig['taxTable'] {
    const table = stored.taxTable ?? [];
    if (!currency || currency === existing.currency) return table;
    const kind = wireKind(existing.kind);
    // A deep comparison: PostgreSQL's jsonb gives the stored rows back with their keys sorted.
    const wasDefault =
      table.length === 0 || isDeepStrictEqual(table, defaultTaxTable(kind, existing.currency));
    return wasDefault ? defaultTaxTable(kind, currency) : table;
  }

  /** An agent of the organisation that runs in the register's store. */
  private async checkAgent(admin: JwtClaims, agentId: string, storeId: string): Promise<void> {
    const agent = await this.database.prisma.agent.findFirst({
      where: { id: agentId, store: { organisationId: admin.org } },
      select: { storeId: true },
    });
    if (!agent) throw new NotFoundException(`agent ${agentId} not found`);
    if (agent.storeId !== storeId)
      throw new BadRequestException(`agentId: agent ${agentId} runs in another store`);
  }

  private sealed(device: RegisterDevice, taxTable: StoredRegisterConfig['taxTable']): Prisma.InputJsonValue {
    return storeRegisterConfig(device, taxTable, this.box) as unknown as Prisma.InputJsonValue;
  }

  private changedDevice(
    device: Data<typeof deviceChangeBody>,
    taxTable: StoredRegisterConfig['taxTable'],
    stored: StoredRegisterConfig,
  ): StoredRegisterConfig {
    const secret = device.kind === 'ikkm' ? device.initialKey : device.accessCode;
    const complete: RegisterDevice =
      device.kind === 'ikkm'
        ? { ...device, initialKey: device.initialKey ?? KEEP_SECRET }
        : { ...device, accessCode: device.accessCode ?? KEEP_SECRET };
    const config = storeRegisterConfig(complete, taxTable, this.box);
    return secret === undefined ? { ...config, secret: stored.secret } : config;
  }
}
