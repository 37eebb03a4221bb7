import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { JwtClaims } from '../../security/secret-box';
import { ApiZodQuery } from '../api-docs';
import { CurrentAdmin } from '../auth.guard';
import { ZodPipe } from '../zod-body';
import { DocumentsService, type ListDocumentsQuery, listDocumentsSchema } from './documents.service';

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
