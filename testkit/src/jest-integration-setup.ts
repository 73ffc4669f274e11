// Integration tests talk to real servers on a shared 2-core machine: generous per-test budget,
// while each test still waits for conditions with its own deadlines.
jest.setTimeout(300_000);
