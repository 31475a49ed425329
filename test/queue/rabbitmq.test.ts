import { RabbitQueueBackend } from '../../src/queue/rabbitmq-queue.js';
import { AMQP_URL, probeTcp } from './servers.js';
import { queueConformance } from './conformance.js';

queueConformance({
  name: 'rabbitmq (amqplib)',
  unavailable: await probeTcp(AMQP_URL, 5672),
  create: () => RabbitQueueBackend.connect({ url: AMQP_URL }),
  childEnv: () => ({ DIFFSCOPE_QUEUE: 'rabbitmq', DIFFSCOPE_AMQP_URL: AMQP_URL }),
});
