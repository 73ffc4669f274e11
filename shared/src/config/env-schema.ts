import { z } from 'zod';

/**
 * Field builders for config read from environment variables. Every value arrives as a string,
 * so these coerce; each takes the `.describe()` text that becomes the fix in the error message.
 */
export const envString = (describe: string) => z.string().trim().min(1, 'must not be empty').describe(describe);

export const envInt = (describe: string, min = 0) => z.coerce.number().int().min(min).describe(describe);

export const envBool = (describe: string) => z.stringbool().describe(describe);

export const envList = (describe: string) =>
  z
    .string()
    .transform((s) => s.split(',').map((part) => part.trim()).filter((part) => part.length > 0))
    .pipe(z.array(z.string()).min(1, 'must list at least one value'))
    .describe(describe);

export const envEnum = <const T extends readonly [string, ...string[]]>(values: T, describe: string) =>
  z.enum(values).describe(describe);
