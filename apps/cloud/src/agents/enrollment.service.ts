import { randomBytes } from 'node:crypto';
import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import type {
  agentEnrollment,
  createEnrollmentTokenBody,
  Data,
  enrollBody,
  enrollmentToken,
  enrollmentTokenCreated,
} from '@kassa-relay/admin-api';
import { AuditLog } from '../admin/audit';
import type { CloudConfig } from '../config/cloud-config';
import { CLOUD_CONFIG } from '../core/tokens';
import { Database } from '../platform/database';
import { Messaging } from '../platform/messaging';
import { agentRegisterConfig } from '../registers/register-config';
import { agentConfigKey } from './agent-configs';
import { RegisterDirectory } from '../registers/register-directory';
import { type JwtClaims, SecretBox, tokenHash } from '../security/secret-box';
import { hashMachineSecret, newSecret } from '../security/secret-hash';

const REFUSED = 'unknown, used or expired enrollment token: create a new one in the dashboard';

/**
 * One-time enrollment: the office creates a token for a store, the store PC runs
 * `kassa-agent enroll` with it and gets its own agent id, MQTT account and the registers of its
 * store. Tokens and MQTT passwords are shown once; the database keeps hashes.
 */
@Injectable()
export class EnrollmentService {
  constructor(
    private readonly database: Database,
    private readonly messaging: Messaging,
    private readonly directory: RegisterDirectory,
    private readonly box: SecretBox,
    private readonly audit: AuditLog,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
  ) {}

  async createToken(
    admin: JwtClaims,
    body: Data<typeof createEnrollmentTokenBody>,
    cloudUrl: string,
  ): Promise<Data<typeof enrollmentTokenCreated>> {
    const store = await this.database.prisma.store.findFirst({
      where: { id: body.storeId, organisationId: admin.org },
      select: { id: true },
    });
    if (!store) throw new NotFoundException(`store ${body.storeId} not found`);
    const token = `kr_enroll_${newSecret()}`;
    // The token and its audit entry commit together or not at all.
    const row = await this.database.prisma.$transaction(async (tx) => {
      const created = await tx.enrollmentToken.create({
        data: {
          organisationId: admin.org,
          storeId: store.id,
          ...(body.name ? { name: body.name } : {}),
          tokenHash: tokenHash(token),
          expiresAt: new Date(Date.now() + body.ttlHours * 3_600_000),
        },
      });
      await this.audit.record(
        admin,
        'enrollmentToken.create',
        created.id,
        { storeId: store.id, ttlHours: body.ttlHours, ...(body.name ? { name: body.name } : {}) },
        tx,
      );
      return created;
    });
    return {
      id: row.id,
      token,
      expiresAt: row.expiresAt,
      command: `kassa-agent enroll --cloud ${cloudUrl} --token ${token}`,
    };
  }

  async listTokens(admin: JwtClaims): Promise<Data<typeof enrollmentToken>[]> {
    const rows = await this.database.prisma.enrollmentToken.findMany({
      where: { organisationId: admin.org },
      orderBy: { createdAt: 'desc' },
    });
    return rows.map((row) => ({
      id: row.id,
      storeId: row.storeId,
      name: row.name,
      expiresAt: row.expiresAt,
      usedAt: row.usedAt,
      agentId: row.agentId,
    }));
  }

  /**
   * Spends the token (once, before it expires), creates the agent and binds to it every register
   * of the store that has no agent yet. A store with nothing to bind is refused before the token is
   * spent: an agent without registers could not even start. The answer is everything
   * `kassa-agent enroll` writes into the agent's config file.
   */
  async enroll(
    body: Data<typeof enrollBody>,
    requestHost: string | undefined,
  ): Promise<Data<typeof agentEnrollment>> {
    const prisma = this.database.prisma;
    const token = await prisma.enrollmentToken.findUnique({ where: { tokenHash: tokenHash(body.token) } });
    if (!token || token.usedAt || token.expiresAt.getTime() <= Date.now())
      throw new UnauthorizedException(REFUSED);
    const noRegisters = () =>
      new ConflictException(
        'the store has no register without an agent: add its registers in the dashboard, then enroll again (the token is still valid)',
      );
    if ((await prisma.register.count({ where: { storeId: token.storeId, agentId: null } })) === 0)
      throw noRegisters();

    const agentId = `agent-${randomBytes(6).toString('hex')}`;
    const password = newSecret();
    // A machine secret: hashed for a check on every broker CONNECT (and by EMQX itself), not scrypt.
    const passwordHash = hashMachineSecret(password);
    // The broker account first: an agent on record must be able to log in. If recording it fails
    // below, the account goes again.
    await this.messaging.accounts.create(agentId, password);
    const registers = await prisma
      .$transaction(async (tx) => {
        // Two enrollments racing on one token: the row lock lets exactly one of them claim it.
        const claimed = await tx.enrollmentToken.updateMany({
          where: { id: token.id, usedAt: null, expiresAt: { gt: new Date() } },
          data: { usedAt: new Date() },
        });
        if (claimed.count !== 1) throw new UnauthorizedException(REFUSED);
        await tx.agent.create({
          data: {
            id: agentId,
            storeId: token.storeId,
            // `--name`, else the name the admin gave the token, else the PC's host name.
            name: body.name ?? token.name ?? body.hostname ?? agentId,
            mqttUsername: agentId,
            mqttPasswordHash: passwordHash,
          },
        });
        await tx.enrollmentToken.update({ where: { id: token.id }, data: { agentId } });
        await tx.register.updateMany({
          where: { storeId: token.storeId, agentId: null },
          data: { agentId },
        });
        const bound = await tx.register.findMany({
          where: { agentId },
          select: { id: true, kind: true, config: true },
          orderBy: { createdAt: 'asc' },
        });
        // Another agent of the same store took them first: undo, keep the token.
        if (bound.length === 0) throw noRegisters();
        return bound;
      })
      .catch(async (error: unknown) => {
        await this.messaging.accounts.remove(agentId).catch(() => undefined);
        throw error;
      });
    for (const register of registers) this.directory.forget(register.id);
    await this.audit.record(
      { org: token.organisationId, email: `enrollment-token:${token.id}` },
      'agent.enroll',
      agentId,
      { storeId: token.storeId, registerIds: registers.map((r) => r.id) },
    );
    return {
      agentId,
      mqtt: {
        url: this.messaging.publicUrl(this.config, requestHost),
        username: agentId,
        password,
      },
      configKey: Buffer.from(await agentConfigKey(this.config.secretKey, agentId)).toString('base64'),
      registers: registers.map((register) => agentRegisterConfig(register, this.box)),
    };
  }
}
