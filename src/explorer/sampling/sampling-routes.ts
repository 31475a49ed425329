/** GET /api/sampling: tail sampling's settings, counts and buffer (the UI's sampling panel). Needs the token like every data route. */
import type { FastifyInstance } from 'fastify';
import type { SamplingStatus } from '../../contract/index.js';
import type { SamplingTotals } from './sampling-totals.js';

export function registerSamplingRoutes(app: FastifyInstance, totals: SamplingTotals): void {
  app.get('/api/sampling', async (): Promise<{ data: SamplingStatus }> => ({ data: totals.status() }));
}
