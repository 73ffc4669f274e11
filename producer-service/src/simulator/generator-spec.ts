import { buildWorld, ListeningSimulator, type SimulatedWorld, type SimulationWindow, type WorldOptions } from './listening-simulator.js';
import { MalformedInjector } from './malformed-injector.js';
import { fillBatch, KeyNumbering, type BatchMemory, type PlayBatch } from './play-batch.js';

/** Everything needed to rebuild the same simulation in another thread (plain data only). */
export interface GeneratorSpec {
  world: WorldOptions;
  window: SimulationWindow;
  malformedRatio: number;
  /** Stop after this many valid events (Infinity: until the window ends). */
  maxValid: number;
  batchRecords: number;
}

/** The generating side of a simulation: world, simulator and injector, batch by batch. */
export class BatchGenerator {
  private readonly simulator: ListeningSimulator;
  private readonly injector: MalformedInjector;
  private validLeft: number;
  private exhausted = false;
  private readonly numbering = new KeyNumbering();

  constructor(private readonly spec: GeneratorSpec, world: SimulatedWorld = buildWorld(spec.world)) {
    this.simulator = new ListeningSimulator(world, spec.window);
    this.injector = new MalformedInjector(spec.malformedRatio, spec.window.seed);
    this.validLeft = spec.maxValid;
  }

  /** Every key the batches so far numbered (a batch's keyIds index this). */
  get keys(): readonly string[] {
    return this.numbering.keys;
  }

  next(recycled?: BatchMemory): PlayBatch | undefined {
    if (this.exhausted) return undefined;
    const batch = fillBatch(this.simulator, this.injector, this.spec.batchRecords, this.validLeft, this.numbering, recycled);
    this.validLeft -= batch.valid;
    this.exhausted = batch.exhausted;
    return batch.count > 0 || !batch.exhausted ? batch : undefined;
  }
}
