import { Body, Controller, Param, Req } from '@nestjs/common';
import { adminRoutes, type Data, enrollmentRoutes } from '@kassa-relay/admin-api';
import type { Request } from 'express';
import { CurrentAdmin } from '../admin/auth.guard';
import { Endpoint } from '../admin/endpoint';
import type { JwtClaims } from '../security/secret-box';
import { AgentsService } from './agents.service';
import { EnrollmentService } from './enrollment.service';

const routes = adminRoutes.agents;

@Controller()
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly enrollment: EnrollmentService,
  ) {}

  @Endpoint(routes.list)
  list(@CurrentAdmin() admin: JwtClaims) {
    return this.agents.list(admin);
  }

  /** Called by `kassa-agent enroll` on the store PC: the one-time token is its credential. */
  @Endpoint(enrollmentRoutes.enroll)
  enroll(@Body() body: Data<typeof enrollmentRoutes.enroll.body>, @Req() request: Request) {
    return this.enrollment.enroll(body, request.host);
  }

  @Endpoint(routes.disable)
  disable(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.agents.disable(admin, id);
  }
}
