export type {
  CloseOptions,
  ConsumerOptions,
  DeadLetter,
  DeliveredMessage,
  MessageHeaders,
  Processor,
  QueueBackend,
  QueueConsumer,
  QueueProducer,
} from './queue-backend.js';
export { createQueueBackend, consumerOptionsFromConfig, type CreateQueueBackendOptions } from './create-queue-backend.js';
export { SqliteQueueBackend, type SqliteQueueOptions } from './sqlite-queue.js';
