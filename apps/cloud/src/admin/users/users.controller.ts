import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { JwtClaims } from '../../security/secret-box';
import { ApiZodBody } from '../api-docs';
import { AdminOnly, CurrentAdmin } from '../auth.guard';
import { ZodPipe } from '../zod-body';
import { createUserSchema, resetPasswordSchema, updateUserSchema, UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: "The organisation's dashboard users (with disabled, passwordChangedAt)" })
  list(@CurrentAdmin() admin: JwtClaims) {
    return this.users.list(admin);
  }

  @AdminOnly()
  @Post()
  @ApiOperation({ summary: 'Add a dashboard user (role admin or viewer); 409 when the e-mail is taken' })
  @ApiZodBody(createUserSchema)
  create(
    @CurrentAdmin() admin: JwtClaims,
    @Body(new ZodPipe(createUserSchema)) body: z.infer<typeof createUserSchema>,
  ) {
    return this.users.create(admin, body);
  }

  @AdminOnly()
  @Patch(':id')
  @ApiOperation({
    summary:
      "Change a user's role or disable / enable them (a disabled user's tokens stop working at once); 409 LAST_ADMIN for the last active admin, 409 SELF to disable yourself",
  })
  @ApiZodBody(updateUserSchema)
  update(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body(new ZodPipe(updateUserSchema)) body: z.infer<typeof updateUserSchema>,
  ) {
    return this.users.update(admin, id, body);
  }

  @AdminOnly()
  @Post(':id/password')
  @HttpCode(200)
  @ApiOperation({ summary: "Set another user's password (≥ 8 characters); their sessions end" })
  @ApiZodBody(resetPasswordSchema)
  resetPassword(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body(new ZodPipe(resetPasswordSchema)) body: z.infer<typeof resetPasswordSchema>,
  ) {
    return this.users.resetPassword(admin, id, body);
  }

  @AdminOnly()
  @Post(':id/revoke-sessions')
  @HttpCode(200)
  @ApiOperation({ summary: 'End every session of a user: all their tokens stop working' })
  revokeSessions(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.users.revokeSessions(admin, id);
  }
}
