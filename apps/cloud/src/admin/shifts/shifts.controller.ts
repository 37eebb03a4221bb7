import { Controller, Query } from '@nestjs/common';
import { adminRoutes, type Data } from '@kassa-relay/admin-api';
import type { JwtClaims } from '../../security/secret-box';
import { CurrentAdmin } from '../auth.guard';
import { Endpoint } from '../endpoint';
import { ShiftsService } from './shifts.service';

const routes = adminRoutes.shifts;

@Controller()
export class ShiftsController {
  constructor(private readonly shifts: ShiftsService) {}

  @Endpoint(routes.list)
  list(@CurrentAdmin() admin: JwtClaims, @Query() query: Data<typeof routes.list.query>) {
    return this.shifts.list(admin, query);
  }
}
