/**
 * `diffscope trace <trace_id | request_id>`: one request as a waterfall in the terminal, read
 * from the explorer (GET /api/traces/{id} and GET /api/logs?trace_id=). A request id is looked up
 * in the logs first (every line inside a request carries both ids). `--compare <id>` sets two
 * requests side by side, stage by stage (GET /api/compare).
 */
import type { JaegerEnvelope, JaegerTrace, LogSearchResponse, TraceComparisonResponse } from '../../contract/index.js';
import type { CommandContext } from '../command-table.js';
import { ClientError, type HttpClient } from '../client/http-client.js';
import { explorerClient } from '../client/servers.js';
import { EXIT } from '../exit-codes.js';
import { colorEnabled, paint } from '../terminal.js';
import { renderComparison } from '../trace/comparison.js';
import { renderWaterfall } from '../trace/waterfall.js';

/** A trace id as the explorer normalises it (up to 32 hex digits, left-padded), or undefined. */
export function asTraceId(id: string): string | undefined {
  const s = id.trim().toLowerCase();
  return /^[0-9a-f]{1,32}$/.test(s) ? s.padStart(32, '0') : undefined;
}

export async function resolveTraceId(explorer: HttpClient, id: string): Promise<string> {
  const traceId = asTraceId(id);
  if (traceId) return traceId;
  const found = await explorer.json<LogSearchResponse>(`/api/logs?${new URLSearchParams({ request_id: id, limit: '1' })}`);
  const withTrace = found.data.find((l) => l.trace_id);
  if (!withTrace?.trace_id) {
    throw new ClientError(
      `no log line of request ${id} in the explorer: not a trace id (32 hex digits), and no request with this id has reached it (yet)`,
    );
  }
  return withTrace.trace_id;
}

async function loadTrace(explorer: HttpClient, traceId: string): Promise<JaegerEnvelope<JaegerTrace[]>> {
  try {
    return await explorer.json<JaegerEnvelope<JaegerTrace[]>>(`/api/traces/${traceId}`);
  } catch (error) {
    if (error instanceof ClientError && error.status === 404) {
      throw new ClientError(
        `trace ${traceId} is not in the explorer (spans arrive in batches a few seconds after the request; try again)`,
        404,
      );
    }
    throw error;
  }
}

export async function runTrace(context: CommandContext): Promise<number> {
  const { values } = context;
  const explorer = explorerClient(context.config);
  const asJson = values.json === true;
  const colors = paint(!asJson && colorEnabled(process.stdout));
  const traceId = await resolveTraceId(explorer, context.positional[0]);

  if (typeof values.compare === 'string') {
    const other = await resolveTraceId(explorer, values.compare);
    const q = new URLSearchParams([
      ['trace_id', traceId],
      ['trace_id', other],
    ]);
    const comparison = await explorer.json<TraceComparisonResponse>(`/api/compare?${q}`);
    process.stdout.write((asJson ? JSON.stringify(comparison) : renderComparison(comparison.data, colors)) + '\n');
    return EXIT.OK;
  }

  const envelope = await loadTrace(explorer, traceId);
  if (asJson) {
    process.stdout.write(JSON.stringify(envelope) + '\n');
    return EXIT.OK;
  }
  const trace = envelope.data[0];
  const logs =
    values.logs === false
      ? []
      : (await explorer.json<LogSearchResponse>(`/api/logs?${new URLSearchParams({ trace_id: traceId, limit: '5000' })}`)).data;
  process.stdout.write(renderWaterfall(trace, { paint: colors, logs, barWidth: 40 }) + '\n');
  return EXIT.OK;
}
