/**
 * GET /api/traces/:traceID/image/:k — the k-th image a trace produced (its spans'
 * `diffusion.output_location`, in start order), read from a file:// location. Only files
 * under the configured output directory are served (symlinks resolved first), so a span
 * sent by anyone cannot make the explorer read arbitrary files; and every refusal is the same
 * 404, so it cannot tell anyone which files exist elsewhere on the host either.
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

/** The attribute's locations: one URL, or a JSON array of them; anything else (malformed JSON too) counts as one. */
function locationsIn(value: string): string[] {
  if (!value.startsWith('[')) return [value];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [value];
  } catch {
    return [value];
  }
}

export function outputLocations(store: ExplorerStore, traceId: string): string[] {
  const rows = store.db
    .prepare(`SELECT json_extract(attributes, '$."${OUTPUT_LOCATION}"') AS loc FROM spans WHERE trace_id = ? ORDER BY start_us, id`)
    .pluck()
    .all(traceId);
  const out: string[] = [];
  for (const loc of rows) {
    if (typeof loc !== 'string' || loc === '') continue;
    for (const l of locationsIn(loc)) if (!out.includes(l)) out.push(l);
  }
  return out;
}

/**
 * The file a location names, when it is a regular image file under `root`; undefined for every
 * other case — not file://, malformed, missing, outside the directory, not an image — so the
 * answers are the same whether or not a file exists elsewhere on the host.
 */
async function servableFile(location: string, root: string): Promise<{ file: string; type: string } | undefined> {
  if (!location.startsWith('file://')) return undefined;
  try {
    const file = await realpath(fileURLToPath(location));
    if (!file.startsWith(root + path.sep)) return undefined;
    const type = TYPES[path.extname(file).toLowerCase()];
    const info = await stat(file);
    if (!type || !info.isFile() || info.size > MAX_IMAGE_BYTES) return undefined;
    return { file, type };
  } catch {
    return undefined;
  }
}

const NOT_FOUND = {
  error: {
    code: 'DSC_ERR_API_NOT_FOUND',
    message:
      "no such image: the trace has no k-th output location, or it is not a readable image file under the explorer's output directory",
  },
};

export function registerImageRoute(app: FastifyInstance, store: ExplorerStore, outputDir: string): void {
  app.get<{ Params: { traceID: string; k: string } }>('/api/traces/:traceID/image/:k', async (request, reply) => {
    const traceId = normalizeTraceId(request.params.traceID);
    const k = Number(request.params.k);
    if (!traceId || !Number.isInteger(k) || k < 0)
      return reply.code(400).send({ error: { code: 'DSC_ERR_API_VALIDATION', message: 'bad trace id or image index' } });
    const location = outputLocations(store, traceId)[k];
    const root = await realpath(outputDir).catch(() => undefined);
    const found = location !== undefined && root !== undefined ? await servableFile(location, root) : undefined;
    if (!found) return reply.code(404).send(NOT_FOUND);
    let bytes: Buffer;
    try {
      bytes = await readFile(found.file);
    } catch {
      return reply.code(404).send(NOT_FOUND);
    }
    return reply.type(found.type).header('cache-control', 'private, max-age=3600').send(bytes);
  });
}
