import {
  applyDecorators,
  BadRequestException,
  type CallHandler,
  Delete,
  type ExecutionContext,
  Get,
  HttpCode,
  Inject,
  Injectable,
  InternalServerErrorException,
  type NestInterceptor,
  Patch,
  Post,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ApiBearerAuth,
  ApiBody,
  ApiNoContentResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import type { Logger } from 'pino';
import { map, type Observable } from 'rxjs';
import { z } from 'zod';
import { issuesText, type RouteContract, successStatus, wireJsonSchema } from '@kassa-relay/admin-api';
import { LOGGER } from '../core/tokens';
import { AdminOnly, CONTRACT, Public } from './auth.guard';

const METHODS = { GET: Get, POST: Post, PATCH: Patch, DELETE: Delete } as const;

/** The contract a handler serves, if it serves one (the guard and the interceptor read it). */
export const contractOf = (reflector: Reflector, context: ExecutionContext): RouteContract | undefined =>
  reflector.get<RouteContract | undefined>(CONTRACT, context.getHandler());

/**
 * A handler serves one route of `@kassa-relay/admin-api`: its method, path, status, roles and
 * OpenAPI description all come from the contract, and `ContractInterceptor` validates what comes in
 * and shapes what goes out with the contract's schemas. The handler's `@Body()` / `@Query()` are
 * the decoded values.
 */
export function Endpoint(contract: RouteContract) {
  const decorators = [
    SetMetadata(CONTRACT, contract),
    METHODS[contract.method](contract.path),
    HttpCode(successStatus(contract)),
    ApiTags(contract.tag),
    ApiOperation({ summary: contract.summary }),
    ...(contract.public ? [Public()] : [ApiBearerAuth()]),
    ...(contract.adminOnly ? [AdminOnly()] : []),
    ...(contract.body ? [ApiBody({ schema: wireJsonSchema(contract.body) })] : []),
    ...Object.entries(contract.query?.shape ?? {}).map(([name, field]) => {
      const { description, ...schema } = wireJsonSchema(field as z.ZodType);
      return ApiQuery({
        name,
        required: !(field as z.ZodType).safeParse(undefined).success,
        schema,
        ...(typeof description === 'string' ? { description } : {}),
      });
    }),
    ...(contract.response === null
      ? [ApiNoContentResponse()]
      : contract.response === 'image/png'
        ? [ApiProduces('image/png')]
        : [ApiResponse({ status: successStatus(contract), schema: wireJsonSchema(contract.response) })]),
  ];
  return applyDecorators(...decorators);
}

/**
 * The one place admin API input is validated and answers are shaped, for every route with a
 * contract: a body or query that does not fit is a 400 naming the fields; an answer is encoded
 * through its schema (dates to ISO strings, fields outside the contract dropped). An answer that
 * does not fit is the cloud's own bug: logged with the route and answered 500, never sent half-made.
 */
@Injectable()
export class ContractInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const contract = contractOf(this.reflector, context);
    if (!contract) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    // No body at all reads as `{}` (a change with nothing in it says so); a JSON `null` is refused.
    if (contract.body)
      request.body = decode(contract.body, request.body === undefined ? {} : request.body, 'body');
    // An action that takes no body (revoke sessions, log out everywhere, disable an agent…) with
    // one is a malformed request: refused, never carried out as if the body were not there.
    else if (hasContent(request.body))
      throw new BadRequestException(
        `${contract.method} ${contract.path} takes no request body (send none, or {})`,
      );
    // Express 5 computes `query` in a getter: the decoded value shadows it on this request.
    if (contract.query)
      Object.defineProperty(request, 'query', {
        value: decode(contract.query, request.query ?? {}, 'query'),
        enumerable: true,
      });
    const response = contract.response;
    if (response === null || response === 'image/png') return next.handle();
    return next.handle().pipe(
      map((value: unknown) => {
        const shaped = response.safeEncode(value);
        if (shaped.success) return shaped.data;
        this.logger.error(
          { route: `${contract.method} ${contract.path}`, issues: shaped.error.issues.slice(0, 10) },
          'an answer does not fit its admin API contract',
        );
        throw new InternalServerErrorException('the answer does not fit the admin API contract');
      }),
    );
  }
}

function decode(schema: z.ZodType, value: unknown, where: string): unknown {
  const parsed = schema.safeDecode(value);
  if (parsed.success) return parsed.data;
  throw new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: issuesText(parsed.error, where),
  });
}

const hasContent = (body: unknown): boolean =>
  body !== undefined &&
  body !== null &&
  !(typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) &&
  !(typeof body === 'string' && body.trim() === '');
