import { lakeTypeOfIceberg, type IcebergSchema } from '@spotify-pipeline/shared/iceberg';
import type { ExtraColumnType } from './event-validator.js';

/**
 * The validator's memory of what type each new column (a field beyond the contract) has: a line
 * whose field has another type is a breaking change, quarantined, never coerced.
 *
 * The table decides: the memory is seeded from the table's schema at start and takes the table's
 * type whenever a schema is adopted (after each schema change this process makes, and after a
 * ColumnTypeConflict when another replica added the column first). Between those, the first type
 * this process saw wins, so the lines of one batch are judged consistently; the writer then
 * commits that type to the table before any file holding the column is written.
 */
export class ExtraColumnTypes {
  /** Column → lake type, or the Iceberg type's JSON for a type no JSON scalar becomes (nothing matches it). */
  private readonly types = new Map<string, string>();

  constructor(
    private readonly builtIn: ReadonlySet<string>,
    /**
     * Most new columns a table may grow (ETL_MAX_NEW_COLUMNS): a line inventing fields without end
     * (12,000 once) made a lake manifest over the message limit and a table no engine plans well.
     */
    readonly maxColumns = 100,
  ) {}

  /** New columns known (from the table or seen in the data). */
  get size(): number {
    return this.types.size;
  }

  get(name: string): string | undefined {
    return this.types.get(name);
  }

  /** The known type of `name` when it is not `type`. */
  conflict(name: string, type: ExtraColumnType): string | undefined {
    const known = this.types.get(name);
    return known !== undefined && known !== type ? known : undefined;
  }

  /** Records a type first seen in the data; a type already known (from the table or earlier lines) stays. */
  remember(name: string, type: ExtraColumnType): void {
    if (!this.types.has(name)) this.types.set(name, type);
  }

  /** The table's column types replace what this process guessed: the table is the authority. */
  adoptTable(schema: IcebergSchema): void {
    for (const field of schema.fields) {
      if (this.builtIn.has(field.name)) continue;
      this.types.set(field.name, lakeTypeOfIceberg(field.type) ?? JSON.stringify(field.type));
    }
  }
}
