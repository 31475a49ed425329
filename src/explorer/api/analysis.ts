/**
 * "Where the time goes": for the last N requests (traces with an `inference` span), the
 * p50/p95 of each pipeline stage, split cold vs warm, and grouped by model, sampler, steps and
 * size. The stage list, the span → stage mapping and the cold/warm rule are the contract's
 * (src/contract/stages.ts), shared with the UI.
 */
import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import {
  ATTR,
  SPAN,
  STAGES,
  cacheStateOf,
  stageOfSpan,
  type ApiErrorBody,
  type StageAnalysis,
  type StageAnalysisResponse,
  type StageGroupKey,
  type StageName,
  type StageStats,
} from '../../contract/index.js';
import type { ExplorerStore } from '../store/explorer-store.js';
import { firstString, parseLimit } from './params.js';

interface RequestTiming {
  traceId: string;
  stagesUs: Map<StageName, number>;
  cold: boolean;
  key: StageGroupKey;
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
    const values = requests
      .map((r) => r.stagesUs.get(stage))
      .filter((v): v is number => v !== undefined)
      .sort((a, b) => a - b);
    out.push({
      stage,
      count: values.length,
      p50_ms: Math.round(percentile(values, 50)) / 1000,
      p95_ms: Math.round(percentile(values, 95)) / 1000,
    });
  }
  return out;
}

function attrString(v: unknown): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}

function attrBoolean(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined;
}

/** By end-to-end time: the slowest request and the median one (nearest rank), to compare side by side. */
function slowestAndMedian(members: RequestTiming[]): { slowest_trace_id: string; median_trace_id: string } {
  const byTotal = [...members].sort((a, b) => (a.stagesUs.get('total') ?? 0) - (b.stagesUs.get('total') ?? 0));
  const rank = Math.max(1, Math.ceil(byTotal.length / 2));
  return { slowest_trace_id: byTotal[byTotal.length - 1].traceId, median_trace_id: byTotal[rank - 1].traceId };
}

export function analyzeStages(db: Database.Database, limit: number, service?: string): StageAnalysis {
  // Newest inference spans first; a retried job has several, so dedupe by trace.
  const recent = service
    ? db
        .prepare('SELECT trace_id FROM spans WHERE name = ? AND service = ? ORDER BY start_us DESC')
        .pluck()
        .iterate(SPAN.INFERENCE, service)
    : db.prepare('SELECT trace_id FROM spans WHERE name = ? ORDER BY start_us DESC').pluck().iterate(SPAN.INFERENCE);
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
    let inferenceAttrs: Record<string, unknown> = {};
    for (const s of spans) {
      first = Math.min(first, s.start_us);
      last = Math.max(last, s.start_us + s.duration_us);
      const stage = stageOfSpan(s.name);
      if (stage !== undefined) {
        stagesUs.set(stage, (stagesUs.get(stage) ?? 0) + s.duration_us);
        if (stage === SPAN.INFERENCE) {
          inferenceAttrs = JSON.parse(s.attributes) as Record<string, unknown>;
          attrs = { ...inferenceAttrs, ...attrs };
        } else if (stage === SPAN.SAMPLING) attrs = { ...attrs, ...(JSON.parse(s.attributes) as Record<string, unknown>) };
      }
    }
    if (spans.length) stagesUs.set('total', last - first);
    const width = attrString(attrs[ATTR.DIFFUSION_WIDTH]);
    const height = attrString(attrs[ATTR.DIFFUSION_HEIGHT]);
    const steps = attrs[ATTR.DIFFUSION_STEPS];
    const cache = cacheStateOf({
      modelLoadSpan: stagesUs.has(SPAN.MODEL_LOAD),
      cacheHit: attrBoolean(inferenceAttrs[ATTR.DIFFUSION_CACHE_HIT]),
      coldStart: attrBoolean(inferenceAttrs[ATTR.DIFFUSION_COLD_START]),
    });
    requests.push({
      traceId,
      stagesUs,
      cold: cache === 'cold',
      key: {
        model: attrString(attrs[ATTR.DIFFUSION_MODEL_ID] ?? attrs[ATTR.GEN_AI_REQUEST_MODEL]),
        sampler: attrString(attrs[ATTR.DIFFUSION_SAMPLER]),
        steps: typeof steps === 'number' ? steps : typeof steps === 'string' && steps !== '' ? Number(steps) : null,
        size: width && height ? `${width}x${height}` : null,
      },
    });
  }
  const cold = requests.filter((r) => r.cold);
  const warm = requests.filter((r) => !r.cold);
  const groups = new Map<string, { key: StageGroupKey; members: RequestTiming[] }>();
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
      .map((g) => ({ key: g.key, requests: g.members.length, stages: stats(g.members), ...slowestAndMedian(g.members) })),
  };
}

export function registerAnalysisRoutes(app: FastifyInstance, store: ExplorerStore): void {
  app.get<{ Querystring: Record<string, string | undefined>; Reply: StageAnalysisResponse | ApiErrorBody }>(
    '/api/analysis/stages',
    async (request, reply) => {
      let limit: number;
      try {
        limit = parseLimit(request.query.limit, 100, 10_000);
      } catch (err) {
        return reply.code(400).send({ error: { code: 'DSC_ERR_API_VALIDATION', message: (err as Error).message, field: 'limit' } });
      }
      return { data: analyzeStages(store.db, limit, firstString(request.query.service) || undefined) };
    },
  );
}
