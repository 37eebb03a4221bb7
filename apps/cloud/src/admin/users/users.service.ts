import { ConflictException, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client';
import { Database } from '../../platform/database';
import type { JwtClaims } from '../../security/secret-box';
import { hashSecret } from '../../security/secret-hash';
import { AuditLog } from '../audit';

export const createUserSchema = z.object({
  email: z.email().max(200),
  password: z.string().min(8, 'password: at least 8 characters').max(200),
  role: z.enum(['admin', 'viewer']),
});

export interface UserView {
  id: string;
  email: string;
  role: 'admin' | 'viewer';
  createdAt: Date;
}

const userSelect = { id: true, email: true, role: true, createdAt: true } as const;

/** The people who sign in to the dashboard: `admin` changes things, `viewer` only looks. */
@Injectable()
export class UsersService {
  constructor(
    private readonly database: Database,
    private readonly audit: AuditLog,
  ) {}

  list(admin: JwtClaims): Promise<UserView[]> {
    return this.database.prisma.adminUser.findMany({
      where: { organisationId: admin.org },
      select: userSelect,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  async create(admin: JwtClaims, body: z.infer<typeof createUserSchema>): Promise<UserView> {
    const email = body.email.toLowerCase();
    const taken = () => new ConflictException(`e-mail ${email} is already taken`);
    if (await this.database.prisma.adminUser.findUnique({ where: { email }, select: { id: true } }))
      throw taken();
    let user: UserView;
    try {
      user = await this.database.prisma.adminUser.create({
        data: {
          organisationId: admin.org,
          email,
          passwordHash: await hashSecret(body.password),
          role: body.role,
        },
        select: userSelect,
      });
    } catch (error) {
      // Two admins adding the same address at once: the unique index decides.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw taken();
      throw error;
    }
    await this.audit.record(admin, 'user.create', user.id, { email, role: user.role });
    return user;
  }
}
