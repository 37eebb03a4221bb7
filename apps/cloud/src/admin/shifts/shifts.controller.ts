import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { JwtClaims } from '../../security/secret-box';
import { ApiZodQuery } from '../api-docs';
import { CurrentAdmin } from '../auth.guard';
import { ZodPipe } from '../zod-body';
import { listShiftsSchema, ShiftsService } from './shifts.service';

@ApiTags('shifts')
@ApiBearerAuth()
@Controller('api/shifts')
export class ShiftsController {
  constructor(private readonly shifts: ShiftsService) {}

  @Get()
  @ApiOperation({ summary: 'Shifts of the organisation with their counters and Z reports, newest first' })
  @ApiZodQuery(listShiftsSchema)
  list(
    @CurrentAdmin() admin: JwtClaims,
    @Query(new ZodPipe(listShiftsSchema)) query: z.infer<typeof listShiftsSchema>,
  ) {
    return this.shifts.list(admin, query);
  }
}
