import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type {
  createUserBody,
  Data,
  resetPasswordBody,
  updateUserBody,
  userView,
} from '@kassa-relay/admin-api';
import { Prisma } from '../../generated/prisma/client';
import { Database } from '../../platform/database';
import { AdminSessions } from '../../security/admin-sessions';
import type { JwtClaims } from '../../security/secret-box';
import { hashSecret } from '../../security/secret-hash';
import { AuditLog } from '../audit';

type UserView = Data<typeof userView>;

const userSelect = {
  id: true,
  email: true,
  role: true,
  createdAt: true,
  disabledAt: true,
  passwordChangedAt: true,
} as const satisfies Prisma.AdminUserSelect;
type UserRow = Prisma.AdminUserGetPayload<{ select: typeof userSelect }>;

const toView = (row: UserRow): UserView => ({
  id: row.id,
  email: row.email,
  role: row.role,
  createdAt: row.createdAt,
  disabled: row.disabledAt !== null,
  disabledAt: row.disabledAt,
  passwordChangedAt: row.passwordChangedAt,
});

function conflict(code: string, message: string): ConflictException {
  return new ConflictException({ statusCode: 409, message, error: { code, message } });
}

type Tx = Prisma.TransactionClient;

/**
 * The people who sign in to the dashboard: `admin` changes things, `viewer` only looks. Every
 * change commits with its audit entry in one transaction, and anything that ends sessions raises
 * the user's token version (AdminSessions) in that same transaction.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly database: Database,
    private readonly audit: AuditLog,
    private readonly sessions: AdminSessions,
  ) {}

  async list(admin: JwtClaims): Promise<UserView[]> {
    const rows = await this.database.prisma.adminUser.findMany({
      where: { organisationId: admin.org },
      select: userSelect,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toView);
  }

  async create(admin: JwtClaims, body: Data<typeof createUserBody>): Promise<UserView> {
    const email = body.email.toLowerCase();
    const taken = () => conflict('EMAIL_TAKEN', `e-mail ${email} is already taken`);
    if (await this.database.prisma.adminUser.findUnique({ where: { email }, select: { id: true } }))
      throw taken();
    const passwordHash = await hashSecret(body.password);
    try {
      const user = await this.database.prisma.$transaction(async (tx) => {
        const row = await tx.adminUser.create({
          data: { organisationId: admin.org, email, passwordHash, role: body.role },
          select: userSelect,
        });
        await this.audit.record(admin, 'user.create', row.id, { email, role: row.role }, tx);
        return row;
      });
      return toView(user);
    } catch (error) {
      // Two admins adding the same address at once: the unique index decides.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw taken();
      throw error;
    }
  }

  /**
   * Role change and disable / enable. The organisation keeps at least one active admin: the last
   * one can be neither demoted nor disabled (409 LAST_ADMIN), and nobody disables themselves
   * (409 SELF). Disabling ends the user's sessions at once.
   */
  async update(admin: JwtClaims, id: string, body: Data<typeof updateUserBody>): Promise<UserView> {
    if (body.disabled === true && id === admin.sub)
      throw conflict('SELF', 'you cannot disable yourself: another admin can');
    const user = await this.database.prisma.$transaction(async (tx) => {
      const target = await this.lockAndFind(tx, admin, id);
      const wasActiveAdmin = target.role === 'admin' && target.disabledAt === null;
      const staysActiveAdmin =
        (body.role ?? target.role) === 'admin' && (body.disabled ?? target.disabledAt !== null) === false;
      if (wasActiveAdmin && !staysActiveAdmin) {
        const others = await tx.adminUser.count({
          where: { organisationId: admin.org, role: 'admin', disabledAt: null, id: { not: id } },
        });
        if (others === 0)
          throw conflict(
            'LAST_ADMIN',
            'this is the last active admin of the organisation: make another user admin first',
          );
      }
      const disabling = body.disabled === true && target.disabledAt === null;
      const enabling = body.disabled === false && target.disabledAt !== null;
      const row = await tx.adminUser.update({
        where: { id },
        data: {
          ...(body.role !== undefined ? { role: body.role } : {}),
          ...(disabling ? { disabledAt: new Date(), tokenVersion: { increment: 1 } } : {}),
          ...(enabling ? { disabledAt: null } : {}),
        },
        select: userSelect,
      });
      await this.audit.record(
        admin,
        'user.update',
        id,
        {
          email: row.email,
          ...(body.role !== undefined && body.role !== target.role
            ? { role: { from: target.role, to: body.role } }
            : {}),
          ...(disabling ? { disabled: true } : {}),
          ...(enabling ? { disabled: false } : {}),
        },
        tx,
      );
      return row;
    });
    this.sessions.changed(id);
    return toView(user);
  }

  /** An admin sets another user's password; every session of that user ends. */
  async resetPassword(admin: JwtClaims, id: string, body: Data<typeof resetPasswordBody>): Promise<UserView> {
    if (id === admin.sub)
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'your own password: POST /api/auth/password (it needs the current one)',
      });
    const passwordHash = await hashSecret(body.password);
    const user = await this.database.prisma.$transaction(async (tx) => {
      await this.lockAndFind(tx, admin, id);
      const row = await tx.adminUser.update({
        where: { id },
        data: { passwordHash, passwordChangedAt: new Date(), tokenVersion: { increment: 1 } },
        select: userSelect,
      });
      await this.audit.record(admin, 'user.resetPassword', id, { email: row.email }, tx);
      return row;
    });
    this.sessions.changed(id);
    return toView(user);
  }

  /** Every token of the user stops working (they sign in again). */
  async revokeSessions(admin: JwtClaims, id: string): Promise<UserView> {
    const user = await this.database.prisma.$transaction(async (tx) => {
      await this.lockAndFind(tx, admin, id);
      const row = await tx.adminUser.update({
        where: { id },
        data: { tokenVersion: { increment: 1 } },
        select: userSelect,
      });
      await this.audit.record(admin, 'user.revokeSessions', id, { email: row.email }, tx);
      return row;
    });
    this.sessions.changed(id);
    return toView(user);
  }

  /**
   * Locks the organisation's user rows for this transaction (two admins demoting each other at
   * once: one waits, then sees the other's change) and finds the user, or 404.
   */
  private async lockAndFind(tx: Tx, admin: JwtClaims, id: string) {
    await tx.$queryRaw`SELECT id FROM "AdminUser" WHERE "organisationId" = ${admin.org} ORDER BY id FOR UPDATE`;
    const target = await tx.adminUser.findFirst({
      where: { id, organisationId: admin.org },
      select: { id: true, role: true, disabledAt: true },
    });
    if (!target) throw new NotFoundException(`user ${id} not found`);
    return target;
  }
}
