import { Body, Controller, Get, HttpCode, Inject, Post, UnauthorizedException } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CloudConfig } from '../config/cloud-config';
import { CLOUD_CONFIG } from '../core/tokens';
import { Database } from '../platform/database';
import { type JwtClaims, JwtSigner } from '../security/secret-box';
import { verifySecret } from '../security/secret-hash';
import { CurrentAdmin, Public } from './auth.guard';
import { AuditLog } from './audit';
import { ZodPipe } from './zod-body';

export const loginSchema = z.object({
  email: z.string().min(3).max(200),
  password: z.string().min(1).max(200),
});

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly database: Database,
    private readonly jwt: JwtSigner,
    private readonly audit: AuditLog,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in; returns a bearer token' })
  @ApiBody({ schema: z.toJSONSchema(loginSchema) as object })
  async login(@Body(new ZodPipe(loginSchema)) body: z.infer<typeof loginSchema>) {
    const user = await this.database.prisma.adminUser.findUnique({
      where: { email: body.email.toLowerCase() },
    });
    if (!user || !(await verifySecret(body.password, user.passwordHash)))
      throw new UnauthorizedException('wrong email or password');
    const claims = { sub: user.id, org: user.organisationId, role: user.role, email: user.email } as const;
    const token = this.jwt.sign(claims, this.config.jwtTtlSec);
    await this.audit.record({ org: user.organisationId, email: user.email }, 'auth.login');
    return {
      token,
      expiresInSec: this.config.jwtTtlSec,
      user: { id: user.id, email: user.email, role: user.role },
    };
  }

  @Get('me')
  @ApiBearerAuth()
  me(@CurrentAdmin() admin: JwtClaims) {
    return { id: admin.sub, email: admin.email, role: admin.role, organisationId: admin.org };
  }
}
