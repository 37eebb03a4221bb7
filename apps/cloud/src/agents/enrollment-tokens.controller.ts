import { Body, Controller, Get, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { AdminOnly, CurrentAdmin } from '../admin/auth.guard';
import { ZodPipe } from '../admin/zod-body';
import type { JwtClaims } from '../security/secret-box';
import { createEnrollmentTokenSchema, EnrollmentService } from './enrollment.service';

@ApiTags('agents')
@ApiBearerAuth()
@Controller('api/enrollment-tokens')
export class EnrollmentTokensController {
  constructor(private readonly enrollment: EnrollmentService) {}

  @Get()
  list(@CurrentAdmin() admin: JwtClaims) {
    return this.enrollment.listTokens(admin);
  }

  @AdminOnly()
  @Post()
  @ApiOperation({ summary: 'Create a one-time enrollment token for a store; shown only in this answer' })
  @ApiBody({ schema: z.toJSONSchema(createEnrollmentTokenSchema) as object })
  create(
    @CurrentAdmin() admin: JwtClaims,
    @Body(new ZodPipe(createEnrollmentTokenSchema)) body: z.infer<typeof createEnrollmentTokenSchema>,
    @Req() request: Request,
  ) {
    // The address the office reached the cloud at (behind a proxy: X-Forwarded-Proto/Host, trusted).
    return this.enrollment.createToken(admin, body, `${request.protocol}://${request.host}`);
  }
}
