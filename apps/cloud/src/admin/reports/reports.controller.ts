import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { JwtClaims } from '../../security/secret-box';
import { ApiZodQuery } from '../api-docs';
import { CurrentAdmin } from '../auth.guard';
import { ZodPipe } from '../zod-body';
import { type SalesReportQuery, salesReportSchema, SalesReportService } from './sales-report.service';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/reports')
export class ReportsController {
  constructor(private readonly reports: SalesReportService) {}

  @Get('sales')
  @ApiOperation({
    summary: 'Sales and returns in 24 hourly buckets of a day or one bucket per day of a month',
  })
  @ApiZodQuery(salesReportSchema)
  sales(@CurrentAdmin() admin: JwtClaims, @Query(new ZodPipe(salesReportSchema)) query: SalesReportQuery) {
    return this.reports.sales(admin, query);
  }
}
