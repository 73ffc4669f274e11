import { z } from 'zod';

/** True for the wrappers that say what happens when a variable is unset, not how its value parses. */
function isUnsetWrapper(schema: z.ZodType): schema is z.ZodDefault | z.ZodOptional | z.ZodPrefault {
  return schema instanceof z.ZodDefault || schema instanceof z.ZodOptional || schema instanceof z.ZodPrefault;
}

/** The schema a set value is parsed with: the field without `.default()`, `.optional()` and `.prefault()`. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  while (isUnsetWrapper(current)) current = current.unwrap() as z.ZodType;
  return current;
}

/**
 * `.describe()` text of a field. It sits on the innermost schema (`.optional()` and `.default()`
 * do not copy it), or on the input side of a pipe (`z.coerce.number().describe(…).pipe(…)`).
 */
export function descriptionOf(field: z.ZodType | undefined): string | undefined {
  let current = field;
  while (current) {
    if (current.description) return current.description;
    if (isUnsetWrapper(current)) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else return undefined;
  }
  return undefined;
}
