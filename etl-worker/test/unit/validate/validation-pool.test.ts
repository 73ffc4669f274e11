import { join } from 'node:path';
import { EventValidator } from '../../../src/validate/event-validator';
import { ValidationPool } from '../../../src/validate/validation-pool';
import { listeningEvent } from '../../fixtures/listening-events';

// Worker threads run compiled code: the pool is tested against dist (built by `tsc -b` before jest).
const WORKER = join(__dirname, '..', '..', '..', 'dist', 'validate', 'validation-worker.js');

describe('ValidationPool (worker threads)', () => {
  let pool: ValidationPool;
  beforeAll(() => {
    pool = new ValidationPool(2, WORKER);
  });
  afterAll(() => pool.close());

  it('gives the same verdicts as the main-thread validator, batch by batch, whichever thread answers', async () => {
    const lines = [
      ...Array.from({ length: 50 }, (_, i) => JSON.stringify(listeningEvent(i))),
      'not json',
      JSON.stringify({ ...listeningEvent(1), ms_played: 'x' }),
      JSON.stringify({ ...listeningEvent(2), mood: 'calm' }),
    ];
    const batches = [lines.slice(0, 20), lines.slice(20, 40), lines.slice(40)];
    const answers = await Promise.all(batches.map((b) => pool.checkLines(b)));
    expect(answers.flat()).toEqual(new EventValidator().checkLines(lines));
    expect(answers.flat().filter((v) => !v.ok).map((v) => !v.ok && v.reason)).toEqual(['not_json', 'breaking_change']);
  });

  it('refuses to start without its compiled worker, instead of validating nothing', () => {
    expect(() => new ValidationPool(1, '/nonexistent/validation-worker.js')).toThrow(/missing/);
  });
});
