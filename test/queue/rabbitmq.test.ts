import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RabbitQueueBackend } from '../../src/queue/rabbitmq-queue.js';
import { AMQP_URL, probeTcp } from './servers.js';
import { queueConformance, waitFor } from './conformance.js';
import { startTcpProxy } from './tcp-proxy.js';

const unavailable = await probeTcp(AMQP_URL, 5672);

queueConformance({
  name: 'rabbitmq (amqplib)',
  unavailable,
  create: () => RabbitQueueBackend.connect({ url: AMQP_URL }),
  childEnv: () => ({ DIFFSCOPE_QUEUE: 'rabbitmq', DIFFSCOPE_AMQP_URL: AMQP_URL }),
});

describe.skipIf(unavailable !== null)('RabbitQueueBackend reconnection', () => {
  it('resumes consuming after its connection drops', async () => {
    let lost = 0;
    let reconnected = 0;
    // The backend reaches the broker through a proxy the test can cut, as a network failure would.
    const proxy = await startTcpProxy(AMQP_URL, 5672);
    const backend = await RabbitQueueBackend.connect({
      url: proxy.url,
      onConnectionLost: () => lost++,
      onReconnected: () => reconnected++,
    });
    const queue = `dsc-test-${randomUUID().slice(0, 8)}`;
    try {
      const got: string[] = [];
      const consumer = await backend.consume(queue, async (m) => void got.push(m.id), {
        concurrency: 1,
        maxAttempts: 3,
        backoffMs: 50,
        maxBackoffMs: 500,
      });
      const producer = await backend.producer(queue);
      await producer.publish('before', {}, {});
      await waitFor(() => got.includes('before'), 'delivery before the drop');
      expect(proxy.openConnections).toBe(1);
      proxy.dropConnections();
      await waitFor(() => lost === 1 && reconnected === 1, 'reconnect');
      await producer.publish('after', {}, {});
      await waitFor(() => got.includes('after'), 'delivery after the reconnect');
      await consumer.close({ drain: true, timeoutMs: 1_000 });
    } finally {
      await backend.deleteQueue(queue).catch(() => undefined);
      await backend.close();
      await proxy.close();
    }
  });
});
