import { randomBytes } from 'node:crypto';
import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  NotFoundException,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CloudConfig } from '../config/cloud-config';
import { CLOUD_CONFIG, LOGGER } from '../core/tokens';
import { Database } from '../platform/database';
import { AdminSessions } from '../security/admin-sessions';
import { clientAddress, LoginThrottle } from '../security/login-throttle';
import type { JwtClaims } from '../security/secret-box';
import { hashSecret, verifySecret } from '../security/secret-hash';
import { ApiZodBody } from './api-docs';
import { CurrentAdmin, Public } from './auth.guard';
import { AuditLog } from './audit';
import { passwordSchema } from './users/users.service';
import { ZodPipe } from './zod-body';

export const loginSchema = z.object({
  email: z.string().min(3).max(200),
  password: z.string().min(1).max(200),
});
export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: passwordSchema,
});

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

@ApiTags('auth')
@Controller('api/auth')
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

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Sign in; returns a bearer token. 401 wrong e-mail or password; 429 (Retry-After) after too many failures for the account or the address; 403 a disabled account',
  })
  @ApiBody({ schema: z.toJSONSchema(loginSchema) as object })
  async login(
    @Body(new ZodPipe(loginSchema)) body: z.infer<typeof loginSchema>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
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

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user (role as it is now)' })
  me(@CurrentAdmin() admin: JwtClaims) {
    return { id: admin.sub, email: admin.email, role: admin.role, organisationId: admin.org };
  }

  /**
   * Changes one's own password (the current one is needed, and wrong guesses count towards the
   * sign-in throttle). Every other session ends; the answer carries a new token for this one.
   */
  @Post('password')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Change your own password (needs the current one); every other session ends, the answer has a new token for this one',
  })
  @ApiZodBody(changePasswordSchema)
  async changePassword(
    @CurrentAdmin() admin: JwtClaims,
    @Body(new ZodPipe(changePasswordSchema)) body: z.infer<typeof changePasswordSchema>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
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
  @Post('logout-all')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Log out everywhere: every token of yours stops working, this one included' })
  async logoutAll(@CurrentAdmin() admin: JwtClaims): Promise<void> {
    await this.database.prisma.$transaction(async (tx) => {
      await tx.adminUser.update({ where: { id: admin.sub }, data: { tokenVersion: { increment: 1 } } });
      await this.audit.record(admin, 'auth.logoutAll', admin.sub, undefined, tx);
    });
    this.sessions.changed(admin.sub);
  }
}
