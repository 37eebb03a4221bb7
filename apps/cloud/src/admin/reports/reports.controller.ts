import { Controller, Query } from '@nestjs/common';
import { adminRoutes, type Data } from '@kassa-relay/admin-api';
import type { JwtClaims } from '../../security/secret-box';
import { CurrentAdmin } from '../auth.guard';
import { Endpoint } from '../endpoint';
import { SalesReportService } from './sales-report.service';

const routes = adminRoutes.reports;

@Controller()
export class ReportsController {
  constructor(private readonly reports: SalesReportService) {}

  @Endpoint(routes.sales)
  sales(@CurrentAdmin() admin: JwtClaims, @Query() query: Data<typeof routes.sales.query>) {
    return this.reports.sales(admin, query);
  }
}
