/**
 * A diffscope deployment made of real processes for end-to-end tests: an explorer (the OTLP
 * sink and trace store), N api-servers, M workers and a notifier, configured by env exactly as
 * an operator would, plus helpers to follow one request through all of them.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ServiceProcess, assertBuilt, eventually, freePort, tempDir, type LogLine } from './harness.js';
import type { JaegerEnvelope, JaegerSpan, JaegerTrace } from '../../src/contract/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TEST_MODELS_DIR = path.join(ROOT, 'test/fixtures/models');

export interface StackOptions {
  queue: 'sqlite' | 'redis' | 'rabbitmq';
  state: 'sqlite' | 'postgres' | 'redis';
  apis?: number;
  workers?: number;
  notifier?: boolean;
  env?: Record<string, string>;
}

export class Stack {
  readonly apis: ServiceProcess[] = [];
  readonly workers: ServiceProcess[] = [];
  notifier?: ServiceProcess;
  explorer?: ServiceProcess;
  readonly apiPorts: number[] = [];
  readonly workerMetricsPorts: number[] = [];
  explorerPort = 0;
  otlpPort = 0;
  readonly dataDir = tempDir('diffscope-e2e-');
  readonly queueName = `e2e_${randomBytes(4).toString('hex')}`;
  private baseEnv: Record<string, string> = {};

  constructor(private readonly options: StackOptions) {}

  async start(): Promise<this> {
    assertBuilt();
    this.explorerPort = await freePort();
    this.otlpPort = await freePort();
    this.baseEnv = {
      DIFFSCOPE_DATA_DIR: this.dataDir.path,
      DIFFSCOPE_MODELS_DIR: TEST_MODELS_DIR,
      DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel',
      DIFFSCOPE_QUEUE: this.options.queue,
      DIFFSCOPE_STATE: this.options.state,
      DIFFSCOPE_QUEUE_NAME: this.queueName,
      DIFFSCOPE_QUEUE_BACKOFF_MS: '200',
      DIFFSCOPE_PROMPT_HASH_SECRET: 'e2e-test-secret-0123456789abcdef',
      DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true',
      DIFFSCOPE_WEBHOOK_SECRET: 'e2e-webhook-secret',
      DIFFSCOPE_EXPLORER_PORT: String(this.explorerPort),
      DIFFSCOPE_OTLP_PORT: String(this.otlpPort),
      DIFFSCOPE_INTRA_OP_THREADS: '1',
      // The first generation's trace has the model load (cold start), as the trace checks expect; a
      // test of the preload turns it on with `env`.
      DIFFSCOPE_WORKER_PRELOAD: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${this.otlpPort}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      ...this.options.env,
    };
    this.explorer = new ServiceProcess('explorer', { ...this.baseEnv, OTEL_SDK_DISABLED: 'true', OTEL_SERVICE_NAME: 'explorer' });
    await this.explorer.waitForEvent('explorer_started', 90_000);
    const starting: Promise<unknown>[] = [];
    for (let i = 0; i < (this.options.apis ?? 1); i++) starting.push(this.addApi());
    for (let i = 0; i < (this.options.workers ?? 1); i++) starting.push(this.addWorker());
    if (this.options.notifier !== false) {
      this.notifier = new ServiceProcess('notifier', { ...this.baseEnv, OTEL_SERVICE_NAME: 'notifier' });
      starting.push(this.notifier.waitForEvent('notifier_started', 90_000));
    }
    await Promise.all(starting);
    return this;
  }

  async addApi(): Promise<ServiceProcess> {
    const port = await freePort();
    const api = new ServiceProcess('api', { ...this.baseEnv, DIFFSCOPE_API_PORT: String(port), OTEL_SERVICE_NAME: 'api-server' });
    this.apis.push(api);
    this.apiPorts.push(port);
    await api.waitForEvent('api_listening', 90_000);
    return api;
  }

  async addWorker(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const metricsPort = await freePort();
    this.workerMetricsPorts.push(metricsPort);
    const worker = new ServiceProcess('worker', {
      ...this.baseEnv,
      OTEL_SERVICE_NAME: 'inference-worker',
      DIFFSCOPE_METRICS_PORT: String(metricsPort),
      ...env,
    });
    this.workers.push(worker);
    await worker.waitForEvent('worker_started', 90_000);
    return worker;
  }

  /** The notifier, when the stack was started without one (e.g. with its own DIFFSCOPE_METRICS_PORT). */
  async addNotifier(env: Record<string, string> = {}): Promise<ServiceProcess> {
    this.notifier = new ServiceProcess('notifier', { ...this.baseEnv, OTEL_SERVICE_NAME: 'notifier', ...env });
    await this.notifier.waitForEvent('notifier_started', 90_000);
    return this.notifier;
  }

  apiUrl(index = 0): string {
    return `http://127.0.0.1:${this.apiPorts[index]}`;
  }

  explorerUrl(): string {
    return `http://127.0.0.1:${this.explorerPort}`;
  }

  all(): ServiceProcess[] {
    return [...this.apis, ...this.workers, ...(this.notifier ? [this.notifier] : [])];
  }

  /** Every JSON line any service wrote about `requestId`. */
  linesFor(requestId: string): LogLine[] {
    return this.all().flatMap((p) => p.lines.filter((l) => l.request_id === requestId));
  }

  async submit(
    body: Record<string, unknown>,
    apiIndex = 0,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: Record<string, any> }> {
    const response = await fetch(`${this.apiUrl(apiIndex)}/v1/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  }

  async status(id: string, apiIndex = 0): Promise<Record<string, any>> {
    const response = await fetch(`${this.apiUrl(apiIndex)}/v1/generations/${id}`);
    return (await response.json()) as Record<string, any>;
  }

  async waitForStatus(id: string, statuses: string[], apiIndex = 0, timeoutMs = 90_000): Promise<Record<string, any>> {
    return eventually(
      async () => {
        const record = await this.status(id, apiIndex);
        return statuses.includes(record.status) ? record : undefined;
      },
      timeoutMs,
      `generation ${id} to reach ${statuses.join('|')}`,
    );
  }

  /** The trace as the explorer's Jaeger API returns it, once it holds at least `minSpans` with these names. */
  async trace(traceId: string, requiredOperations: string[], timeoutMs = 30_000): Promise<JaegerTrace> {
    return eventually(
      async () => {
        const response = await fetch(`${this.explorerUrl()}/api/traces/${traceId}`);
        if (!response.ok) return undefined;
        const trace = ((await response.json()) as JaegerEnvelope<JaegerTrace[]>).data[0];
        const names = new Set(trace?.spans.map((s) => s.operationName));
        return requiredOperations.every((op) => names.has(op)) ? trace : undefined;
      },
      timeoutMs,
      `trace ${traceId} with ${requiredOperations.join(', ')}`,
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((p) => p.stop()));
    await this.explorer?.stop();
    this.dataDir.remove();
  }
}

export function spanByName(trace: JaegerTrace, name: string): JaegerSpan {
  const span = trace.spans.find((s) => s.operationName === name);
  if (!span) throw new Error(`no span "${name}" in trace (has ${trace.spans.map((s) => s.operationName).join(', ')})`);
  return span;
}

export function parentOf(trace: JaegerTrace, span: JaegerSpan): JaegerSpan | undefined {
  const ref = span.references.find((r) => r.refType === 'CHILD_OF') ?? span.references[0];
  return ref ? trace.spans.find((s) => s.spanID === ref.spanID) : undefined;
}

export function serviceOf(trace: JaegerTrace, span: JaegerSpan): string {
  return trace.processes[span.processID]?.serviceName ?? '?';
}
