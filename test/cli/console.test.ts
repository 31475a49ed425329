/**
 * The renderings of a JSON log line and of the progress display, checked on their own: what the
 * all-in-one prints per DIFFSCOPE_CONSOLE mode, and how a queued generation shows its place.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from '../../src/cli/client/progress.js';
import { consoleRenderer, renderingDestination } from '../../src/cli/console/console-output.js';
import { formatConsoleLine, formatLogRecord } from '../../src/cli/console/log-line.js';
import { paint } from '../../src/cli/terminal.js';
import { LOG_FORMATS, createLogger, runWithRequestScope, withSpan, type LogFormat } from '../../src/telemetry/index.js';
import { setupTracing } from '../telemetry/helpers.js';
import { stripAnsi } from './support/cli-process.js';

const plain = paint(false);

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.setEncoding('utf8').on('data', (c: string) => (text += c));
  return { stream, text: () => text };
}

describe('console lines', () => {
  const line = {
    level: 'ERROR',
    timestamp: '2026-11-25T14:03:07.412Z',
    service: 'inference-worker',
    instance_id: 'h-1',
    version: '0.1.0',
    request_id: 'req_1',
    client_id: 'alice',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
    'error.type': 'DiffscopeError',
    'error.message': 'model shapes-v9 not found',
    'error.stack': 'DiffscopeError: …\n    at x',
    model_id: 'shapes-v9',
    event: 'request_failed',
  };

  it('one readable line: time, service, level, event, fields (request id first), trace shortened', () => {
    const text = formatLogRecord(line, plain);
    const time = new Date(line.timestamp);
    const hh = String(time.getHours()).padStart(2, '0');
    expect(text).toBe(
      `${hh}:${String(time.getMinutes()).padStart(2, '0')}:07.412 inference-worker ERROR request_failed  request_id=req_1 client_id=alice ` +
        'error.type=DiffscopeError error.message="model shapes-v9 not found" model_id=shapes-v9 trace=4bf92f35',
    );
    expect(text).not.toContain('stack');
    expect(text).not.toContain('instance_id');
  });

  it('colours the service and the level on a terminal', () => {
    const text = formatLogRecord(line, paint(true));
    expect(text).toContain('\x1b[35minference-worker');
    expect(text).toContain('\x1b[1m\x1b[31mERROR');
    expect(stripAnsi(text)).toBe(formatLogRecord(line, plain));
  });

  it('a line that is not JSON passes through unchanged', () => {
    expect(formatConsoleLine('    at Object.<anonymous> (/x.js:1:1)', plain)).toBe('    at Object.<anonymous> (/x.js:1:1)');
    expect(formatConsoleLine('{not json', plain)).toBe('{not json');
  });

  it('auto: pretty on a terminal, JSON elsewhere; pretty and json force it; NO_COLOR drops the colours only', () => {
    const pipe = new PassThrough();
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    expect(consoleRenderer('auto', pipe, {})).toBeUndefined();
    expect(consoleRenderer('json', tty, {})).toBeUndefined();
    const json = JSON.stringify(line);
    expect(consoleRenderer('auto', tty, {})!(json)).toContain('\x1b[');
    expect(consoleRenderer('pretty', pipe, {})!(json)).toBe(formatLogRecord(line, plain));
    expect(consoleRenderer('auto', tty, { NO_COLOR: '1' })!(json)).toBe(formatLogRecord(line, plain));
  });

  it('a line in any DIFFSCOPE_LOG_FORMAT renders as the same line in the default format does', async () => {
    setupTracing();
    /** The line each format prints for one event, all inside one request and one span. */
    const printed = await runWithRequestScope({ requestId: 'req_1', clientId: 'alice' }, () =>
      withSpan('inference', {}, () =>
        LOG_FORMATS.map((format: LogFormat) => {
          const raw: string[] = [];
          const logger = createLogger({
            service: 'inference-worker',
            version: '0.1.0',
            format,
            gcpProjectId: 'diffscope-test',
            destination: { write: (s: string) => raw.push(s) },
          });
          logger.warn('request_complete', { status: 'failed', total_ms: 12, url: 'http://h/x', error_code: 'DSC_ERR_INFER_FAILED' });
          return { format, line: raw.join('').trim() };
        }),
      ),
    );
    /** The clock apart (each line has its own millisecond), fields in name order (a format may move one to the end). */
    const rendered = (format: LogFormat, line: string) => {
      const [, time, service, level, event, fields] = /^(\S+) (\S+) +(\S+) +(\S+) {2}(.*)$/.exec(formatConsoleLine(line, plain)) ?? [];
      expect(time, format).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
      return { head: `${service} ${level} ${event}`, fields: (fields ?? '').split(' ').sort() };
    };
    const seed = rendered('seed', printed.find((p) => p.format === 'seed')!.line);
    expect(seed.head).toBe('inference-worker WARN request_complete');
    expect(seed.fields).toEqual([
      'client_id=alice',
      'error_code=DSC_ERR_INFER_FAILED',
      'request_id=req_1',
      'status=failed',
      'total_ms=12',
      expect.stringMatching(/^trace=[0-9a-f]{8}$/),
      'url=http://h/x',
    ]);
    const others = printed.filter((p) => p.format !== 'seed');
    expect(others.map((p) => p.format)).toEqual(['ecs', 'datadog', 'gcp']);
    for (const { format, line } of others) {
      expect(line, format).not.toMatch(/"level":"WARN"/); // really written in another format
      expect(rendered(format, line), format).toEqual(seed);
    }
  });

  it("the supervisor's own logger writes through the same rendering", () => {
    const out = collect();
    const logger = createLogger({
      service: 'supervisor',
      destination: renderingDestination(out.stream, consoleRenderer('pretty', out.stream, {})!),
    });
    logger.info('stack_stopping', { signal: 'SIGTERM' });
    expect(out.text()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} supervisor +INFO +stack_stopping {2}signal=SIGTERM\n$/);
  });
});

describe('generate progress display', () => {
  it('shows the queue position and the estimated start when the server sends them', () => {
    const out = collect();
    const display = new ProgressDisplay({ out: out.stream, live: false, paint: plain });
    display.queued(3, 4_200, false);
    display.queued(3, 4_200, false); // unchanged: not repeated
    display.queued(1, 900, false);
    display.queued(undefined, undefined, true);
    display.started(2);
    expect(out.text()).toBe(
      'queued, position 3, starts in ~4.20 s\nqueued, position 1, starts in ~900 ms\nqueued again (retry)\nrunning (attempt 2)\n',
    );
  });

  it('on a terminal redraws one line: bar, step k/N, it/s and the time left from the recent steps', () => {
    const out = collect();
    const display = new ProgressDisplay({ out: out.stream, live: true, paint: plain });
    display.step(1, 4, 100);
    display.step(2, 4, 100);
    display.done();
    const frames = out.text().split('\r\x1b[2K').filter(Boolean);
    expect(frames[0]).toBe(`▶ ${'█'.repeat(6)}${'░'.repeat(18)}  step 1/4  10.0 it/s  ETA 300 ms`);
    expect(frames[1]).toBe(`▶ ${'█'.repeat(12)}${'░'.repeat(12)}  step 2/4  10.0 it/s  ETA 200 ms`);
  });
});
