import type { z } from 'zod';
import { PatchbayError } from '../core/errors.ts';

/** Parses input with a zod schema; every problem is reported together as VALIDATION_FAILED. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
  throw new PatchbayError('VALIDATION_FAILED', `Invalid request: ${issues.join('; ')}.`, { details: { issues } });
}
