import { freePorts } from '../../src/local/processes';

describe('freePorts', () => {
  it('never hands out the same port twice in one ask', async () => {
    for (let round = 0; round < 20; round++) {
      const ports = await freePorts(3);
      expect(new Set(ports).size).toBe(3);
      for (const port of ports) expect(port).toBeGreaterThan(0);
    }
  });
});
