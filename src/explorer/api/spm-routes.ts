/**
 * Jaeger's metrics query API (Service Performance Monitoring), which Jaeger UI's Monitor tab
 * calls: `/api/metrics/{latencies,calls,errors}` answer a `MetricFamily` (metric names, help
 * text and `service_name` / `operation` labels as Jaeger's Prometheus reader produces them),
 * `/api/metrics/minstep` the smallest step in ms. The numbers come from the stored spans
 * (store/red-metrics.ts), so no span-metrics pipeline or Prometheus is needed.
 *
 * Parameters as Jaeger's query_parser.go reads them: `service` (one or more, required),
 * `spanKind` (one or more, default server), `groupByOperation`, and `endTs`, `lookback`,
 * `step`, `ratePer` in milliseconds (defaults now, 1 h, 5 s, 10 min); `quantile` for latencies.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ExplorerStore } from '../store/explorer-store.js';
import { spanKindNumber } from '../store/span-queries.js';
import { redMetrics, type RedMetric, type RedSeries } from '../store/red-metrics.js';
import { envelope, errorEnvelope } from './jaeger-format.js';
import { BadParamError, firstString } from './params.js';
import { parseGoBool } from './trace-output.js';

type Query = Record<string, string | string[] | undefined>;

/** Points may lie on any millisecond; one per second is the finest step worth drawing. */
export const MIN_STEP_MS = 1000;
/** Prometheus's own ceiling on points per series, kept so one request stays cheap. */
export const MAX_POINTS = 11_000;

const DEFAULTS_MS = { lookback: 3600_000, step: 5_000, ratePer: 600_000 };

export interface MetricFamilyJson {
  name: string;
  type: 'GAUGE';
  help: string;
  metrics: {
    labels: { name: string; value: string }[];
    metricPoints: { gaugeValue: { doubleValue: number }; timestamp: string }[];
  }[];
}

function all(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function msParam(query: Query, name: string, fallback: number): number {
  const raw = firstString(query[name]);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new BadParamError(name, `unable to parse param '${name}': expected an integer number of milliseconds`);
  return Number(raw);
}

interface ParsedMetricsQuery {
  services: string[];
  kinds: number[];
  groupByOperation: boolean;
  endMs: number;
  lookbackMs: number;
  stepMs: number;
  ratePerMs: number;
}

function parseMetricsQuery(query: Query): ParsedMetricsQuery {
  const services = all(query.service).filter((s) => s !== '');
  if (services.length === 0)
    throw new BadParamError('service', "unable to parse param 'service': please provide at least one service name");
  const kindNames = all(query.spanKind);
  const kinds = (kindNames.length ? kindNames : ['server']).map((name) => {
    const kind = spanKindNumber(name);
    if (kind === undefined) throw new BadParamError('spanKind', `unable to parse param 'spanKind': unsupported span kind: '${name}'`);
    return kind;
  });
  const endMs = msParam(query, 'endTs', Date.now());
  const lookbackMs = msParam(query, 'lookback', DEFAULTS_MS.lookback);
  const stepMs = msParam(query, 'step', DEFAULTS_MS.step);
  const ratePerMs = msParam(query, 'ratePer', DEFAULTS_MS.ratePer);
  if (stepMs < MIN_STEP_MS) throw new BadParamError('step', `step must be at least ${MIN_STEP_MS} ms (see /api/metrics/minstep)`);
  if (ratePerMs === 0) throw new BadParamError('ratePer', 'ratePer must be positive');
  if (Math.floor(lookbackMs / stepMs) + 1 > MAX_POINTS) {
    throw new BadParamError('step', `lookback/step asks for more than ${MAX_POINTS} points per series; use a larger step`);
  }
  return {
    services,
    kinds,
    groupByOperation: parseGoBool(firstString(query.groupByOperation), 'groupByOperation') ?? false,
    endMs,
    lookbackMs,
    stepMs,
    ratePerMs,
  };
}

const METRIC_NAMES: Record<RedMetric, string> = {
  latencies: 'service_latencies',
  calls: 'service_call_rate',
  errors: 'service_error_rate',
};

function helpText(metric: RedMetric, quantile: number | undefined, groupByOperation: boolean): string {
  const base =
    metric === 'latencies'
      ? `${(quantile ?? 0).toFixed(2)}th quantile latency, grouped by service`
      : metric === 'calls'
        ? 'calls/sec, grouped by service'
        : 'error rate, computed as a fraction of errors/sec over calls/sec, grouped by service';
  return groupByOperation ? `${base} & operation` : base;
}

export function toMetricFamily(
  metric: RedMetric,
  series: RedSeries[],
  quantile: number | undefined,
  groupByOperation: boolean,
): MetricFamilyJson {
  const name = METRIC_NAMES[metric];
  return {
    name: groupByOperation ? name.replace('service', 'service_operation') : name,
    type: 'GAUGE',
    help: helpText(metric, quantile, groupByOperation),
    metrics: series.map((s) => ({
      // Jaeger UI reads the service from the first label and the operation by name.
      labels:
        s.operation === undefined
          ? [{ name: 'service_name', value: s.service }]
          : [
              { name: 'service_name', value: s.service },
              { name: 'operation', value: s.operation },
            ],
      metricPoints: s.points.map((p) => ({
        gaugeValue: { doubleValue: p.value },
        timestamp: new Date(Math.floor(p.timeUs / 1000)).toISOString(),
      })),
    })),
  };
}

function handle(store: ExplorerStore, metric: RedMetric, query: Query, reply: FastifyReply): FastifyReply | MetricFamilyJson {
  try {
    let quantile: number | undefined;
    if (metric === 'latencies') {
      const raw = firstString(query.quantile);
      quantile = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
      if (!(quantile >= 0 && quantile <= 1))
        throw new BadParamError('quantile', "unable to parse param 'quantile': expected a number from 0 to 1");
    }
    const p = parseMetricsQuery(query);
    const series = redMetrics(store.db, {
      metric,
      services: p.services,
      kinds: p.kinds,
      groupByOperation: p.groupByOperation,
      quantile,
      fromUs: (p.endMs - p.lookbackMs) * 1000,
      toUs: p.endMs * 1000,
      stepUs: p.stepMs * 1000,
      windowUs: p.ratePerMs * 1000,
    });
    return toMetricFamily(metric, series, quantile, p.groupByOperation);
  } catch (err) {
    if (err instanceof BadParamError) return reply.code(400).send(errorEnvelope(400, err.message));
    throw err;
  }
}

export function registerSpmRoutes(app: FastifyInstance, store: ExplorerStore): void {
  for (const metric of ['latencies', 'calls', 'errors'] as const) {
    app.get<{ Querystring: Query }>(`/api/metrics/${metric}`, async (request, reply) => handle(store, metric, request.query, reply));
  }
  app.get('/api/metrics/minstep', async () => envelope(MIN_STEP_MS));
}
