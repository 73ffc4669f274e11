import { z } from 'zod';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { partitionPrefix, type HourPartition } from '../pipeline/lake-keys.js';
import type { LakeStore } from '../sink/lake-store.js';

/**
 * `<table>/dt=…/hour=…/_live-generation.json`: which compacted generation an hour partition is read
 * from, for writers that do not follow `pipeline.lake-files` themselves (any worker may write late
 * rows into any hour). The leading underscore keeps Athena and Hive from reading it as data.
 *
 * The compactor writes it after its compaction's transaction committed (never before: a marker
 * naming a generation that never became live would send late rows where no catalog reads), and
 * rewrites it from its ledger whenever the two differ (after a crash between commit and marker, or
 * when another member takes the partition over). A late file written in the short window where the
 * marker is stale is therefore outside the live folder; the compactor's ledger sees it
 * (LakeLedger.misplaced) and compacts the partition again at once, into a folder holding it.
 */
const markerV1 = z.object({ generation: z.string().regex(/^[0-9a-f]{16}$/), written_at_ms: z.number().int() });

export const liveGenerationKey = (table: string, p: HourPartition): string => `${partitionPrefix(table, p)}_live-generation.json`;

export class LiveGenerationMarkers {
  constructor(private readonly store: LakeStore) {}

  /** The live generation of the partition, undefined before its first compaction. */
  async read(table: string, p: HourPartition): Promise<string | undefined> {
    const key = liveGenerationKey(table, p);
    const body = await this.store.get(key);
    if (!body) return undefined;
    const parsed = markerV1.safeParse(safeJson(body.toString('utf8')));
    // Guessing here could write late rows where no reader looks: refuse, and let the batch retry.
    if (!parsed.success) throw new PipelineError('INTERNAL', `live-generation marker ${key} is not valid: ${parsed.error.message}`, { retriable: false });
    return parsed.data.generation;
  }

  async write(table: string, p: HourPartition, generation: string, nowMs: number): Promise<void> {
    const body = Buffer.from(JSON.stringify({ generation, written_at_ms: nowMs }) + '\n');
    await this.store.put(liveGenerationKey(table, p), body, 'application/json');
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
