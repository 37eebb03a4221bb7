import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly, CurrentAdmin } from '../admin/auth.guard';
import { ZodPipe } from '../admin/zod-body';
import type { JwtClaims } from '../security/secret-box';
import { createPosKeySchema, listPosKeysSchema, PosKeysAdminService } from './pos-keys.service';

@ApiTags('pos-keys')
@ApiBearerAuth()
@Controller('api/pos-keys')
export class PosKeysController {
  constructor(private readonly posKeys: PosKeysAdminService) {}

  @Get()
  list(
    @CurrentAdmin() admin: JwtClaims,
    @Query(new ZodPipe(listPosKeysSchema)) query: z.infer<typeof listPosKeysSchema>,
  ) {
    return this.posKeys.list(admin, query);
  }

  @AdminOnly()
  @Post()
  @ApiOperation({ summary: 'Issue a POS key for one register; the key is shown only in this answer' })
  @ApiBody({ schema: z.toJSONSchema(createPosKeySchema) as object })
  create(
    @CurrentAdmin() admin: JwtClaims,
    @Body(new ZodPipe(createPosKeySchema)) body: z.infer<typeof createPosKeySchema>,
  ) {
    return this.posKeys.create(admin, body);
  }

  @AdminOnly()
  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a POS key: it stops working at once and its connections close' })
  revoke(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.posKeys.revoke(admin, id);
  }
}
