import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';

/** The JSON Schema of what a client sends (zod's input side; coercions and defaults included). */
export const requestSchema = (schema: z.ZodType): Record<string, unknown> =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

/** `@ApiBody` from the same zod schema the route validates with. */
export const ApiZodBody = (schema: z.ZodType) => ApiBody({ schema: requestSchema(schema) });

/** One `@ApiQuery` per field of the zod object the route validates its query with. */
export function ApiZodQuery(schema: z.ZodObject) {
  return applyDecorators(
    ...Object.entries(schema.shape).map(([name, field]) => {
      const { description, ...fieldSchema } = requestSchema(field as z.ZodType);
      return ApiQuery({
        name,
        required: !(field as z.ZodType).safeParse(undefined).success,
        schema: fieldSchema,
        ...(typeof description === 'string' ? { description } : {}),
      });
    }),
  );
}
