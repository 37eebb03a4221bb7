import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AdminSessions } from '../security/admin-sessions';
import type { JwtClaims } from '../security/secret-box';

const PUBLIC = 'kassa:public';
/** Where `@Endpoint` keeps a handler's admin API contract. */
export const CONTRACT = 'kassa:contract';
const WRITES = 'kassa:writes';

/** No token needed (login, enrollment). */
export const Public = () => SetMetadata(PUBLIC, true);
/** Changes something: role `admin` only; `viewer` sees everything and changes nothing. */
export const AdminOnly = () => SetMetadata(WRITES, true);

export type AdminRequest = Request & { admin: JwtClaims };

/** The signed-in admin (JWT claims). */
export const CurrentAdmin = createParamDecorator(
  (_: unknown, context: ExecutionContext): JwtClaims =>
    context.switchToHttp().getRequest<AdminRequest>().admin,
);

/**
 * Every /api route needs `Authorization: Bearer <token>` unless marked @Public: a token whose user
 * is active and whose version is current (AdminSessions: revoked, disabled or outdated tokens are a
 * 401); the role is the user's role now, not when the token was issued.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: AdminSessions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const header = request.headers.authorization ?? '';
    const claims = header.startsWith('Bearer ')
      ? await this.sessions.authenticate(header.slice(7).trim())
      : undefined;
    if (!claims)
      throw new UnauthorizedException('sign in: Authorization: Bearer <token from POST /api/auth/login>');
    request.admin = claims;
    if (this.reflector.getAllAndOverride<boolean>(WRITES, targets) && claims.role !== 'admin')
      throw new ForbiddenException('role viewer may not change anything');
    return true;
  }
}
