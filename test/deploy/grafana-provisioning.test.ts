/**
 * deploy/grafana/provisioning/datasources/diffscope.yaml against a real explorer with a token: the
 * file is expanded the way Grafana expands provisioning files (`${VAR}` from its environment, `$$`
 * for a literal `$`), and the Jaeger data source it defines is then used the way Grafana's proxy
 * uses it (its URL, its custom header): the health check (`/api/services`) and a trace by id
 * answer, and the same requests without the header are refused. The Prometheus data source's
 * exemplar links lead to that data source and to the explorer's trace page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// `yaml` is installed with the OpenTelemetry SDK (sdk-node's configuration package) and with vite.
import { parse } from 'yaml';
import { newTraceId, postJson, tracesPayload } from '../explorer/fixtures.js';
import { startTestExplorer, type TestExplorer } from '../explorer/helpers.js';

const FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'deploy',
  'grafana',
  'provisioning',
  'datasources',
  'diffscope.yaml',
);
const TOKEN = 'grafana-provisioning-test-token';

/** Grafana's expansion of provisioning files: `$$` → `$`, `${NAME}` and `$NAME` → the environment. */
function expandLikeGrafana(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, bare?: string) => {
    if (match === '$$') return '$';
    return env[(braced ?? bare)!] ?? '';
  });
}

interface DataSource {
  name: string;
  uid: string;
  type: string;
  access: string;
  url: string;
  jsonData?: Record<string, any>;
  secureJsonData?: Record<string, string>;
}

describe('Grafana provisioning', () => {
  let explorer: TestExplorer;
  let sources: DataSource[];
  const traceId = newTraceId();

  beforeAll(async () => {
    explorer = await startTestExplorer({ DIFFSCOPE_EXPLORER_TOKEN: TOKEN });
    await postJson(
      explorer.otlpUrl,
      '/v1/traces',
      tracesPayload([
        { traceId, service: 'api-server', name: 'POST /v1/generations', kind: 2, startMs: Date.now() - 1_000, durationMs: 5 },
      ]),
      { authorization: `Bearer ${TOKEN}` },
    );
    await explorer.flush();
    const env = {
      DIFFSCOPE_EXPLORER_URL: explorer.queryUrl,
      DIFFSCOPE_EXPLORER_TOKEN: TOKEN,
      DIFFSCOPE_EXPLORER_PUBLIC_URL: explorer.queryUrl,
      PROMETHEUS_URL: 'http://prometheus.internal:9090',
    };
    const doc = parse(expandLikeGrafana(readFileSync(FILE, 'utf8'), env)) as { apiVersion: number; datasources: DataSource[] };
    expect(doc.apiVersion).toBe(1);
    sources = doc.datasources;
  });
  afterAll(async () => {
    await explorer?.close();
  });

  const jaeger = () => sources.find((s) => s.type === 'jaeger')!;
  /** The headers Grafana's proxy adds for a data source's custom HTTP headers. */
  const customHeaders = (source: DataSource) => {
    const headers: Record<string, string> = {};
    for (let i = 1; source.jsonData?.[`httpHeaderName${i}`]; i++)
      headers[source.jsonData[`httpHeaderName${i}`]] = source.secureJsonData![`httpHeaderValue${i}`];
    return headers;
  };

  it("defines the explorer as a Jaeger data source through Grafana's proxy", () => {
    expect(jaeger()).toMatchObject({ uid: 'diffscope-explorer', access: 'proxy', url: explorer.queryUrl });
    expect(customHeaders(jaeger())).toEqual({ Authorization: `Bearer ${TOKEN}` });
  });

  it('the data source reaches the token-protected explorer: health check and trace by id', async () => {
    const source = jaeger();
    const services = await fetch(`${source.url}/api/services`, { headers: customHeaders(source) });
    expect(services.status).toBe(200);
    expect((await services.json()).data).toContain('api-server');
    const trace = await fetch(`${source.url}/api/traces/${traceId}`, { headers: customHeaders(source) });
    expect(trace.status).toBe(200);
    expect((await trace.json()).data[0].traceID).toBe(traceId);

    expect((await fetch(`${source.url}/api/services`)).status).toBe(401);
  });

  it("Prometheus exemplars carrying trace_id link to that data source and to the explorer's trace page", async () => {
    const prometheus = sources.find((s) => s.type === 'prometheus')!;
    expect(prometheus.url).toBe('http://prometheus.internal:9090');
    const destinations = prometheus.jsonData!.exemplarTraceIdDestinations as Array<{ name: string; datasourceUid?: string; url?: string }>;
    expect(destinations.every((d) => d.name === 'trace_id')).toBe(true);
    expect(destinations.find((d) => d.datasourceUid)?.datasourceUid).toBe(jaeger().uid);
    const external = destinations.find((d) => d.url)!.url!;
    // Grafana fills ${__value.raw} with the exemplar's trace id when the link is clicked.
    expect(external).toBe(`${explorer.queryUrl}/trace/\${__value.raw}`);
    const page = await fetch(external.replace('${__value.raw}', traceId));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });
});
