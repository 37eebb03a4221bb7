import { Body, Controller, Req } from '@nestjs/common';
import { adminRoutes, type Data } from '@kassa-relay/admin-api';
import type { Request } from 'express';
import { CurrentAdmin } from '../admin/auth.guard';
import { Endpoint } from '../admin/endpoint';
import type { JwtClaims } from '../security/secret-box';
import { EnrollmentService } from './enrollment.service';

const routes = adminRoutes.agents;

@Controller()
export class EnrollmentTokensController {
  constructor(private readonly enrollment: EnrollmentService) {}

  @Endpoint(routes.listEnrollmentTokens)
  list(@CurrentAdmin() admin: JwtClaims) {
    return this.enrollment.listTokens(admin);
  }

  @Endpoint(routes.createEnrollmentToken)
  create(
    @CurrentAdmin() admin: JwtClaims,
    @Body() body: Data<typeof routes.createEnrollmentToken.body>,
    @Req() request: Request,
  ) {
    // The address the office reached the cloud at (behind a proxy: X-Forwarded-Proto/Host, trusted).
    return this.enrollment.createToken(admin, body, `${request.protocol}://${request.host}`);
  }
}
