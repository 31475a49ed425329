/**
 * GET /api/traces/:traceID/image/:k — the k-th image a trace produced (its spans'
 * `diffusion.output_location`, in start order), read from a file:// location. Only files
 * under the configured output directory are served (symlinks resolved first), so a span
 * sent by anyone cannot make the explorer read arbitrary files.
 */
import type { FastifyInstance } from 'fastify';
import { realpath, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExplorerStore } from '../store/explorer-store.js';
import { normalizeTraceId } from './params.js';

const OUTPUT_LOCATION = 'diffusion.output_location';
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
const TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

export function outputLocations(store: ExplorerStore, traceId: string): string[] {
  const rows = store.db
    .prepare(`SELECT json_extract(attributes, '$."${OUTPUT_LOCATION}"') AS loc FROM spans WHERE trace_id = ? ORDER BY start_us, id`)
    .pluck()
    .all(traceId) as (string | null)[];
  const out: string[] = [];
  for (const loc of rows) {
    if (typeof loc !== 'string' || loc === '') continue;
    // An attribute may hold one location or a JSON array of them.
    const list = loc.startsWith('[') ? (JSON.parse(loc) as unknown[]).filter((x): x is string => typeof x === 'string') : [loc];
    for (const l of list) if (!out.includes(l)) out.push(l);
  }
  return out;
}

export function registerImageRoute(app: FastifyInstance, store: ExplorerStore, outputDir: string): void {
  app.get<{ Params: { traceID: string; k: string } }>('/api/traces/:traceID/image/:k', async (request, reply) => {
    const traceId = normalizeTraceId(request.params.traceID);
    const k = Number(request.params.k);
    if (!traceId || !Number.isInteger(k) || k < 0) return reply.code(400).send({ error: { code: 'DSC_ERR_API_VALIDATION', message: 'bad trace id or image index' } });
    const location = outputLocations(store, traceId)[k];
    if (!location) return reply.code(404).send({ error: { code: 'DSC_ERR_API_NOT_FOUND', message: 'no such image in this trace' } });
    if (!location.startsWith('file://')) {
      return reply.code(404).send({ error: { code: 'DSC_ERR_API_NOT_FOUND', message: 'image is not in a local file:// location the explorer can read' } });
    }
    let file: string;
    let root: string;
    try {
      file = await realpath(fileURLToPath(location));
      root = await realpath(outputDir);
    } catch {
      return reply.code(404).send({ error: { code: 'DSC_ERR_API_NOT_FOUND', message: 'image file not found' } });
    }
    if (!file.startsWith(root + path.sep)) {
      // 404, not 403: the explorer does not confirm that files exist outside its output directory
      return reply.code(404).send({ error: { code: 'DSC_ERR_API_NOT_FOUND', message: 'image is not under the output directory' } });
    }
    const type = TYPES[path.extname(file).toLowerCase()];
    const info = await stat(file);
    if (!type || !info.isFile() || info.size > MAX_IMAGE_BYTES) {
      return reply.code(404).send({ error: { code: 'DSC_ERR_API_NOT_FOUND', message: 'not an image file' } });
    }
    return reply.type(type).header('cache-control', 'private, max-age=3600').send(await readFile(file));
  });
}
