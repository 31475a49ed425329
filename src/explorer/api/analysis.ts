/**
 * "Where the time goes": for the last N requests (traces with an `inference` span), the
 * p50/p95 of each pipeline stage, split cold (the trace loaded a model) vs warm, and
 * grouped by model, sampler, steps and size.
 */
import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import type { ExplorerStore } from '../store/explorer-store.js';
import { firstString, parseLimit } from './params.js';

export const STAGES = ['queue.wait', 'model.load', 'text.encode', 'sampling', 'vae.decode', 'storage.put', 'notify.webhook', 'inference', 'total'] as const;
export type StageName = (typeof STAGES)[number];

export interface StageStats {
  stage: StageName;
  count: number;
  p50_ms: number;
  p95_ms: number;
}

export interface GroupKey {
  model: string | null;
  sampler: string | null;
  steps: number | null;
  size: string | null;
}

export interface StageAnalysis {
  requests: number;
  stages: StageStats[];
  cold: { requests: number; stages: StageStats[] };
  warm: { requests: number; stages: StageStats[] };
  groups: { key: GroupKey; requests: number; stages: StageStats[] }[];
}

interface RequestTiming {
  stagesUs: Map<StageName, number>;
  cold: boolean;
  key: GroupKey;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

function stats(requests: RequestTiming[]): StageStats[] {
  const out: StageStats[] = [];
  for (const stage of STAGES) {
    const values = requests.map((r) => r.stagesUs.get(stage)).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    out.push({
      stage,
      count: values.length,
      p50_ms: Math.round(percentile(values, 50)) / 1000,
      p95_ms: Math.round(percentile(values, 95)) / 1000,
    });
  }
  return out;
}

const STAGE_SET = new Set<string>(STAGES);
/** Pixel-space models have no VAE: their decode step is `image.decode`, the same stage to a reader. */
const STAGE_ALIASES: Record<string, StageName> = { 'image.decode': 'vae.decode' };

function attrString(v: unknown): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}

export function analyzeStages(db: Database.Database, limit: number, service?: string): StageAnalysis {
  // Newest inference spans first; a retried job has several, so dedupe by trace.
  const recent = service
    ? db.prepare("SELECT trace_id FROM spans WHERE name = 'inference' AND service = ? ORDER BY start_us DESC").pluck().iterate(service)
    : db.prepare("SELECT trace_id FROM spans WHERE name = 'inference' ORDER BY start_us DESC").pluck().iterate();
  const idSet = new Set<string>();
  for (const id of recent as IterableIterator<string>) {
    if (idSet.size >= limit) break;
    idSet.add(id);
  }
  const ids = [...idSet];
  const requests: RequestTiming[] = [];
  const spanStmt = db.prepare('SELECT name, start_us, duration_us, attributes FROM spans WHERE trace_id = ?');
  for (const traceId of ids) {
    const spans = spanStmt.all(traceId) as { name: string; start_us: number; duration_us: number; attributes: string }[];
    const stagesUs = new Map<StageName, number>();
    let first = Infinity;
    let last = -Infinity;
    let attrs: Record<string, unknown> = {};
    for (const s of spans) {
      first = Math.min(first, s.start_us);
      last = Math.max(last, s.start_us + s.duration_us);
      const stage = STAGE_ALIASES[s.name] ?? (STAGE_SET.has(s.name) ? (s.name as StageName) : undefined);
      if (stage !== undefined) {
        stagesUs.set(stage, (stagesUs.get(stage) ?? 0) + s.duration_us);
        if (stage === 'inference') attrs = { ...(JSON.parse(s.attributes) as Record<string, unknown>), ...attrs };
        else if (stage === 'sampling') attrs = { ...attrs, ...(JSON.parse(s.attributes) as Record<string, unknown>) };
      }
    }
    if (spans.length) stagesUs.set('total', last - first);
    const width = attrString(attrs['diffusion.width']);
    const height = attrString(attrs['diffusion.height']);
    const steps = attrs['diffusion.steps'];
    requests.push({
      stagesUs,
      cold: stagesUs.has('model.load'),
      key: {
        model: attrString(attrs['diffusion.model.id'] ?? attrs['gen_ai.request.model']),
        sampler: attrString(attrs['diffusion.sampler']),
        steps: typeof steps === 'number' ? steps : typeof steps === 'string' && steps !== '' ? Number(steps) : null,
        size: width && height ? `${width}x${height}` : null,
      },
    });
  }
  const cold = requests.filter((r) => r.cold);
  const warm = requests.filter((r) => !r.cold);
  const groups = new Map<string, { key: GroupKey; members: RequestTiming[] }>();
  for (const r of requests) {
    const k = JSON.stringify(r.key);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { key: r.key, members: [] }));
    g.members.push(r);
  }
  return {
    requests: requests.length,
    stages: stats(requests),
    cold: { requests: cold.length, stages: stats(cold) },
    warm: { requests: warm.length, stages: stats(warm) },
    groups: [...groups.values()]
      .sort((a, b) => b.members.length - a.members.length)
      .map((g) => ({ key: g.key, requests: g.members.length, stages: stats(g.members) })),
  };
}

export function registerAnalysisRoutes(app: FastifyInstance, store: ExplorerStore): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/api/analysis/stages', async (request, reply) => {
    let limit: number;
    try {
      limit = parseLimit(request.query.limit, 100, 10_000);
    } catch (err) {
      return reply.code(400).send({ error: { code: 'DSC_ERR_API_VALIDATION', message: (err as Error).message, field: 'limit' } });
    }
    store.flush();
    return { data: analyzeStages(store.db, limit, firstString(request.query.service) || undefined) };
  });
}
