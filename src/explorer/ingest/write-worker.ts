/**
 * The write thread: owns the SQLite write connection. Rows arrive from the decode thread and
 * are group-committed (batch-writer.ts); outcomes go to the main thread, which answers each
 * export. Retention runs here too, between commits, so only this thread ever writes.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { StoreWriter } from '../store/store-writer.js';
import { runRetention } from '../store/retention.js';
import { BatchWriter } from './batch-writer.js';
import { SamplingStage } from '../sampling/sampling-stage.js';
import type { WriteRequest, WriteWorkerData, WriterCommand, WriterEvent } from './messages.js';

const options = workerData as WriteWorkerData;
const main = parentPort!;
const send = (event: WriterEvent): void => main.postMessage(event);

// Opening may throw (unreadable or damaged file): the 'error' event tells the main thread.
const store = new StoreWriter({ dbPath: options.dbPath, busyTimeoutMs: options.busyTimeoutMs });
const writer = new BatchWriter({
  store,
  maxSpansPerTrace: options.maxSpansPerTrace,
  lingerMs: options.lingerMs,
  onCommitted: (outcomes) => {
    sampling?.onCommitted(outcomes);
    send({ type: 'written', outcomes });
  },
});
// Every decoded export passes here, whichever receiver it came from: the one place to sample.
const sampling = options.sampling
  ? new SamplingStage({ sampling: options.sampling, writer, report: (report) => send({ type: 'sampling', report }) })
  : undefined;

function command(m: WriterCommand | { type: 'decoder-port'; port: MessagePort }): void {
  if (m.type === 'decoder-port') {
    m.port.on('message', (w: WriteRequest) => {
      const job = { id: w.id, batch: w.batch, rejected: w.rejected, messages: w.messages };
      if (sampling) sampling.accept(job);
      else writer.enqueue(job);
    });
  } else if (m.type === 'retention') {
    writer.commit();
    try {
      const result = runRetention(store, { maxAgeMs: m.maxAgeMs, maxBytes: m.maxBytes, nowMs: m.nowMs });
      if (result.spansDeleted > 0) writer.forgetTraceCounts();
      send({ type: 'retention-done', id: m.id, result });
    } catch (err) {
      writer.forgetTraceCounts();
      send({ type: 'retention-done', id: m.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  } else if (m.type === 'sampling-decide') {
    sampling?.decide(m.nowMs);
    writer.commit();
    send({ type: 'sampling-decided', id: m.id });
  } else if (m.type === 'close') {
    sampling?.close();
    writer.commit();
    store.close();
    send({ type: 'closed' });
    main.close();
  }
}

main.on('message', command);
send({ type: 'ready' });
