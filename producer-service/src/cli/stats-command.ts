import { existsSync } from 'node:fs';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { Env } from '@spotify-pipeline/shared/config';
import { EXIT_CONFIG } from '@spotify-pipeline/shared/lifecycle';
import { readConfig } from '../config.js';
import { readNdjsonFile, readTopic, type SourceCounts } from '../stats/event-sources.js';
import { ListeningStats, type StatsEvent } from '../stats/listening-stats.js';
import { renderJson, renderText } from '../stats/stats-report.js';

/** `producer-service stats <ndjson|topic> [--track-features <ndjson|topic>] [--format text|json]`. */
export interface StatsCommand {
  input: string;
  tracks?: string;
  format: 'text' | 'json';
}

export interface StatsIo {
  env: Env;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * Reads an NDJSON file (`.gz` too) or, when no file has that name, a topic (KAFKA_* settings), and
 * prints every figure of docs/spotify-data.md measured on it: target, value, and whether it is within
 * ±20%. `--track-features` (Track records: the tracks topic or an NDJSON of them) adds the audio features
 * "calmer music late at night" needs. Returns the exit code: 0, or 78 for a bad setting.
 */
export async function runStatsCommand(command: StatsCommand, io: StatsIo): Promise<number> {
  const read = async (source: string, onRecord: (record: Record<string, unknown>) => void): Promise<SourceCounts> => {
    if (existsSync(source)) return readNdjsonFile(source, onRecord);
    return readTopic(readConfig(io.env).kafka, source, onRecord);
  };
  try {
    let energyByTrackUri: Map<string, number> | undefined;
    if (command.tracks) {
      const energies = new Map<string, number>();
      await read(command.tracks, (record) => {
        if (typeof record.uri === 'string' && typeof record.energy === 'number') energies.set(record.uri, record.energy);
      });
      energyByTrackUri = energies;
    }
    const stats = new ListeningStats({ energyByTrackUri });
    const counts = await read(command.input, (record) => {
      if (typeof record.ts === 'string' && typeof record.ms_played === 'number' && typeof record.user_id === 'string') stats.add(record as unknown as StatsEvent);
    });
    const report = stats.report();
    io.stdout.write(command.format === 'json' ? renderJson(report, command.input) : renderText(report, command.input));
    if (counts.notJson > 0) io.stderr.write(`producer-service stats: ${counts.notJson} of ${counts.records} records were not JSON objects and were skipped\n`);
    return 0;
  } catch (err) {
    if (err instanceof PipelineError && err.code === 'CONFIG_INVALID') {
      io.stderr.write(`producer-service stats: ${err.message}\n`);
      return EXIT_CONFIG;
    }
    throw err;
  }
}
