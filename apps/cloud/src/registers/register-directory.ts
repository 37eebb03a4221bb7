import { REGISTER_PAYMENT_KINDS } from '@kassa-relay/protocol';
import type { PrismaClient } from '../generated/prisma/client';
import type { RegisterRoute } from '../pos/register-route';
import { routeTaxTable, type StoredRegisterConfig, wireKind } from './register-config';

export interface DirectoryEntry {
  route: RegisterRoute;
  organisationId: string;
  storeId: string;
  /** The register's agent was disabled in the office: nothing is routed to it. */
  agentDisabled: boolean;
}

/**
 * Register → route (agent, kind, tax table, identity). Cached: every POS request needs it; any
 * change through the admin API calls `forget`.
 */
export class RegisterDirectory {
  private readonly cache = new Map<string, { entry: DirectoryEntry | null; at: number }>();
  private static readonly TTL_MS = 30_000;

  constructor(private readonly prisma: PrismaClient) {}

  async find(registerId: string): Promise<DirectoryEntry | null> {
    const cached = this.cache.get(registerId);
    if (cached && Date.now() - cached.at < RegisterDirectory.TTL_MS) return cached.entry;
    const register = await this.prisma.register.findUnique({
      where: { id: registerId },
      include: { store: { select: { organisationId: true } }, agent: { select: { disabledAt: true } } },
    });
    const entry: DirectoryEntry | null =
      register && register.agentId
        ? {
            organisationId: register.store.organisationId,
            storeId: register.storeId,
            agentDisabled: register.agent?.disabledAt != null,
            route: {
              registerId: register.id,
              storeId: register.storeId,
              agentId: register.agentId,
              kind: wireKind(register.kind),
              taxTable: routeTaxTable(register.config as unknown as StoredRegisterConfig, {
                kind: wireKind(register.kind),
                currency: register.currency,
              }),
              currency: register.currency,
              paymentKinds: REGISTER_PAYMENT_KINDS[wireKind(register.kind)],
              ...(register.serialNumber
                ? {
                    identity: {
                      kind: wireKind(register.kind),
                      serialNumber: register.serialNumber,
                      currency: register.currency,
                      ...(register.inn ? { inn: register.inn } : {}),
                      ...(register.registrationNumber
                        ? { registrationNumber: register.registrationNumber }
                        : {}),
                    },
                  }
                : {}),
            },
          }
        : null;
    this.cache.set(registerId, { entry, at: Date.now() });
    return entry;
  }

  forget(registerId?: string): void {
    if (registerId) this.cache.delete(registerId);
    else this.cache.clear();
  }
}
