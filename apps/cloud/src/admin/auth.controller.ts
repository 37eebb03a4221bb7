import { randomBytes } from 'node:crypto';
import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Inject,
  NotFoundException,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { adminRoutes, type Data, type loginAnswer, type signedInUser } from '@kassa-relay/admin-api';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { CloudConfig } from '../config/cloud-config';
import { CLOUD_CONFIG, LOGGER } from '../core/tokens';
import { Database } from '../platform/database';
import { AdminSessions } from '../security/admin-sessions';
import { clientAddress, LoginThrottle } from '../security/login-throttle';
import type { JwtClaims } from '../security/secret-box';
import { hashSecret, verifySecret } from '../security/secret-hash';
import { AuditLog } from './audit';
import { CurrentAdmin } from './auth.guard';
import { Endpoint } from './endpoint';

const routes = adminRoutes.auth;

const WRONG = 'wrong email or password';

/** 429 with Retry-After: the same answer whether the account exists or not. */
function tooMany(response: Response, retryAfterSec: number): HttpException {
  response.setHeader('Retry-After', String(retryAfterSec));
  const message = `too many failed sign-ins: try again in ${retryAfterSec} s`;
  return new HttpException(
    { statusCode: 429, error: 'Too Many Requests', message, retryAfterSec },
    HttpStatus.TOO_MANY_REQUESTS,
  );
}

@Controller()
export class AuthController {
  /** Checked against for an unknown e-mail, so that it takes as long as a known one. */
  private readonly dummyHash = hashSecret(randomBytes(16).toString('hex'));

  constructor(
    private readonly database: Database,
    private readonly sessions: AdminSessions,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditLog,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  // `passthrough`: the answer still goes through Nest (and the contract); `response` only sets Retry-After.
  @Endpoint(routes.login)
  async login(
    @Body() body: Data<typeof routes.login.body>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Data<typeof loginAnswer>> {
    const email = body.email.toLowerCase();
    const address = clientAddress(request, this.config.login.trustedProxyHops);
    const verdict = this.throttle.check(email, address);
    if (!verdict.allowed) throw tooMany(response, verdict.retryAfterSec);
    const user = await this.database.prisma.adminUser.findUnique({ where: { email } });
    const correct = await verifySecret(body.password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !correct) {
      const { accountLocked } = this.throttle.failure(email, address);
      this.logger.warn({ email, address, accountLocked, known: user !== null }, 'sign-in refused');
      if (accountLocked && user)
        await this.audit.record({ org: user.organisationId, email: user.email }, 'auth.locked', user.id, {
          address,
        });
      throw new UnauthorizedException(WRONG);
    }
    this.throttle.success(email);
    if (user.disabledAt) throw new ForbiddenException('this account is disabled: ask an administrator');
    const issued = this.sessions.issue(user);
    await this.audit.record({ org: user.organisationId, email: user.email }, 'auth.login', user.id, {
      address,
    });
    return { ...issued, user: { id: user.id, email: user.email, role: user.role } };
  }

  @Endpoint(routes.me)
  me(@CurrentAdmin() admin: JwtClaims): Data<typeof signedInUser> {
    return { id: admin.sub, email: admin.email, role: admin.role, organisationId: admin.org };
  }

  /**
   * Changes one's own password (the current one is needed, and wrong guesses count towards the
   * sign-in throttle). Every other session ends; the answer carries a new token for this one.
   */
  @Endpoint(routes.changePassword)
  async changePassword(
    @CurrentAdmin() admin: JwtClaims,
    @Body() body: Data<typeof routes.changePassword.body>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Data<typeof loginAnswer>> {
    const address = clientAddress(request, this.config.login.trustedProxyHops);
    const verdict = this.throttle.check(admin.email, address);
    if (!verdict.allowed) throw tooMany(response, verdict.retryAfterSec);
    const user = await this.database.prisma.adminUser.findUnique({ where: { id: admin.sub } });
    if (!user) throw new NotFoundException('user not found');
    if (!(await verifySecret(body.currentPassword, user.passwordHash))) {
      this.throttle.failure(admin.email, address);
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'currentPassword: wrong password',
      });
    }
    this.throttle.success(admin.email);
    if (body.newPassword === body.currentPassword)
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'newPassword: the same as the current one',
      });
    const passwordHash = await hashSecret(body.newPassword);
    const updated = await this.database.prisma.$transaction(async (tx) => {
      const row = await tx.adminUser.update({
        where: { id: user.id },
        data: { passwordHash, passwordChangedAt: new Date(), tokenVersion: { increment: 1 } },
      });
      await this.audit.record(admin, 'auth.passwordChange', user.id, { address }, tx);
      return row;
    });
    this.sessions.changed(user.id);
    const issued = this.sessions.issue(updated);
    return { ...issued, user: { id: updated.id, email: updated.email, role: updated.role } };
  }

  /** Log out everywhere: every token of this user stops working, this one included. */
  @Endpoint(routes.logoutAll)
  async logoutAll(@CurrentAdmin() admin: JwtClaims): Promise<void> {
    await this.database.prisma.$transaction(async (tx) => {
      await tx.adminUser.update({ where: { id: admin.sub }, data: { tokenVersion: { increment: 1 } } });
      await this.audit.record(admin, 'auth.logoutAll', admin.sub, undefined, tx);
    });
    this.sessions.changed(admin.sub);
  }
}
