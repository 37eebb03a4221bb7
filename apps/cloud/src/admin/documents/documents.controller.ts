import { Body, Controller, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { JwtClaims } from '../../security/secret-box';
import { ApiZodBody, ApiZodQuery } from '../api-docs';
import { AdminOnly, CurrentAdmin } from '../auth.guard';
import { ZodPipe } from '../zod-body';
import {
  DocumentsService,
  type ListDocumentsQuery,
  listDocumentsSchema,
  type ResolveDocumentBody,
  resolveDocumentSchema,
} from './documents.service';

@ApiTags('documents')
@ApiBearerAuth()
@Controller('api/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Get()
  @ApiOperation({
    summary: 'Fiscal documents, newest first; keyset pages: pass nextCursor as cursor for the next page',
  })
  @ApiZodQuery(listDocumentsSchema)
  list(@CurrentAdmin() admin: JwtClaims, @Query(new ZodPipe(listDocumentsSchema)) query: ListDocumentsQuery) {
    return this.documents.list(admin, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One document with its lines, payments, QR payload, error and device answer' })
  get(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.documents.get(admin, id);
  }

  @AdminOnly()
  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "An operator's decision on a document in doubt (done with its fiscal id, or notDone); audited, then sent to the agent as command.resolve; 409 NOT_IN_DOUBT",
  })
  @ApiZodBody(resolveDocumentSchema)
  resolve(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body(new ZodPipe(resolveDocumentSchema)) body: ResolveDocumentBody,
  ) {
    return this.documents.resolve(admin, id, body);
  }

  @Get(':id/image')
  @ApiProduces('image/png')
  @ApiOperation({
    summary: "The register's own receipt image (cash core); 404 when the register kind has none",
  })
  async image(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    const png = await this.documents.image(admin, id);
    return new StreamableFile(png, { type: 'image/png', length: png.length });
  }
}
