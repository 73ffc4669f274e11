// Entry point of a validation worker thread (see ValidationPool): checks batches of lines with the
// same compiled validator as the main thread and answers in the order asked.
import { parentPort } from 'node:worker_threads';
import { EventValidator } from './event-validator.js';

const validator = new EventValidator();

parentPort?.on('message', (request: { id: number; lines: string[] }) => {
  parentPort!.postMessage({ id: request.id, verdicts: validator.checkLines(request.lines) });
});
