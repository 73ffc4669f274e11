import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { runStatsCommand } from '../../../src/cli/stats-command';
import { encodedSizeBound, writePlay } from '../../../src/encoding/play-encoder';
import { albumPlayShare, expectedPopularity } from '../../../src/simulator/expected-popularity';
import { buildWorld, ListeningSimulator, sessionsForUsers, type WorldOptions } from '../../../src/simulator/listening-simulator';
import type { ListeningSession } from '../../../src/simulator/session';
import { earlyStopProbability } from '../../../src/simulator/skips';
import { popularityFigures } from '../../../src/stats/popularity-figures';
import { judge, PUBLISHED_FIGURES } from '../../../src/stats/published-figures';

interface ReportJson {
  events: number;
  figures: Array<{ id: string; target: number; value: number | null; within: boolean | null; note: string | null }>;
}

const SEED = 20240304;
const MONDAY = Date.UTC(2024, 2, 4);
const DAY_MS = 86_400_000;

/** Simulates `days` from `startMs` and writes every event as the producer encodes it, one per line. */
async function population(file: string, world: WorldOptions, startMs: number, days: number): Promise<{ events: number; albumPlays: number; music: number }> {
  const built = buildWorld(world);
  const simulator = new ListeningSimulator(built, { seed: world.seed, startMs, endMs: startMs + days * DAY_MS, sessionsPerSecond: sessionsForUsers(world.users, 1.5) });
  const out = createWriteStream(file);
  let buffer = Buffer.allocUnsafe(1 << 22);
  let used = 0;
  let events = 0;
  let music = 0;
  let albumPlays = 0;
  for (let play = simulator.next(); play; play = simulator.next()) {
    events++;
    if (play.kind === 'music') {
      music++;
      if ((play.session as ListeningSession).albumMode) albumPlays++;
    }
    if (used + encodedSizeBound(play) + 1 > buffer.length) {
      if (!out.write(buffer.subarray(0, used))) await once(out, 'drain');
      buffer = Buffer.allocUnsafe(buffer.length);
      used = 0;
    }
    used = writePlay(play, buffer, used);
    buffer[used++] = 0x0a;
  }
  out.end(buffer.subarray(0, used));
  await once(out, 'finish');
  return { events, albumPlays, music };
}

async function stats(input: string, features?: string): Promise<ReportJson> {
  let text = '';
  const code = await runStatsCommand({ input, tracks: features, format: 'json' }, { env: {}, stdout: { write: (t: string) => (text += t) }, stderr: { write: () => undefined } });
  expect(code).toBe(0);
  return JSON.parse(text) as ReportJson;
}

/**
 * Issue 17's acceptance: a seeded population, every statistic of SPOTIFY-DATA.md within ±20% of its
 * published value (or the direction it states), measured by the code `producer-service stats` runs.
 * Where a sample this size cannot show a figure (the stats code says so: 80% of listening over
 * ~222,000 songs needs tens of millions of plays), the figure comes from the model's own expected
 * popularity, through the same figure code; "more skipping among the young" from the model's skip
 * probabilities (events carry no age).
 */
describe('the published figures on a seeded population, through the stats code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'figures-'));
  let report: ReportJson;
  let exportReport: ReportJson;
  let albumShare = 0;

  beforeAll(async () => {
    // A week of 8,000 listeners (1.1 M events): Monday to Sunday, every hour of both day kinds.
    const world = { seed: SEED, users: 8_000, realism: 'clean' } as const;
    const run = await population(join(dir, 'events.ndjson'), world, MONDAY, 7);
    albumShare = run.albumPlays / run.music;
    // The tracks topic as simulate publishes it (the catalog's 50,000 most played), for the audio features.
    const catalog = buildWorld(world).catalog;
    const tracks = createWriteStream(join(dir, 'tracks.ndjson'));
    for (const [artist, song] of catalog.headTracks(50_000)) tracks.write(`${JSON.stringify(catalog.trackRecord(artist, song))}\n`);
    tracks.end();
    await once(tracks, 'finish');
    report = await stats(join(dir, 'events.ndjson'), join(dir, 'tracks.ndjson'));
    // Export realism over 2019: skipped as exports of those years have it.
    await population(join(dir, 'export.ndjson'), { seed: SEED, users: 1_000, realism: 'export' }, Date.UTC(2019, 5, 3), 3);
    exportReport = await stats(join(dir, 'export.ndjson'));
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures every figure of SPOTIFY-DATA.md within ±20% (or in the stated direction)', () => {
    const catalog = buildWorld({ seed: SEED, users: 1 }).catalog;
    const expected = expectedPopularity(catalog, albumShare);
    const model = new Map(popularityFigures(expected.tracks, expected.artists, { kind: 'model' }).map((f) => [f.definition.id, f.value]));
    const young = earlyStopProbability({ mobile: true, morning: false, weekend: false, ageGroup: 'young' }) / earlyStopProbability({ mobile: true, morning: false, weekend: false, ageGroup: 'adult' });
    const byId = new Map(report.figures.map((f) => [f.id, f]));
    const exported = new Map(exportReport.figures.map((f) => [f.id, f]));
    const table = PUBLISHED_FIGURES.map((definition) => {
      const measured = definition.id === 'export.skipped-2015-2022' ? exported.get(definition.id)! : byId.get(definition.id)!;
      let value = measured.value;
      let from = 'events';
      if (value === null && model.has(definition.id)) [value, from] = [model.get(definition.id)!, "the model's expected popularity"];
      if (definition.id === 'skips.young') [value, from] = [young, "the model's skip probabilities (young ÷ adult)"];
      return { id: definition.id, target: definition.target, value, from, within: judge(definition, value) };
    });
    // The full table, for the record (the report's numbers in the answer come from here).
    console.log(table.map((row) => `${row.id.padEnd(30)} target ${String(row.target).padEnd(8)} value ${String(row.value === null ? '—' : +row.value.toPrecision(4)).padEnd(10)} within ${row.within ? 'yes' : 'NO'}  (${row.from})`).join('\n'));
    expect(table.filter((row) => !row.within)).toEqual([]);
    // Only figures no sample this size can show come from the model.
    expect(table.filter((row) => row.from !== 'events').map((row) => row.id).sort()).toEqual(
      expect.arrayContaining(['popularity.tail-exponent', 'popularity.tracks-for-80pct', 'skips.young']),
    );
    expect(report.events).toBeGreaterThan(1_000_000);
  });

  it('has the album share the expected popularity assumes', () => {
    expect(Math.abs(albumShare - albumPlayShare())).toBeLessThan(0.01);
  });
});
