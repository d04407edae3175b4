// Public API of the broker layer (plain Node; used by the VS Code broker explorer and the CLI).

export * from './errors';
export * from './url';
export * from './types';
export * from './celeryMessage';
export * from './kombuRedis';
export { RabbitManagementClient } from './rabbitmqManagement';
export type { ManagementOptions, RabbitBinding, RabbitExchange, RabbitOverview, RabbitQueue } from './rabbitmqManagement';
export { checkExchange, checkMany, checkQueue, declareRabbit, openAmqp, peekRabbit, publishRabbit, purgeRabbit } from './rabbitmqAmqp';
export type { QueueCheck } from './rabbitmqAmqp';
export { bindingsFor, RabbitTap, startTap } from './rabbitmqTap';
export type { TapEvents, TapOptions, TappedMessage } from './rabbitmqTap';
export { declareRedis, inspectRedis, openRedis, peekRedis, publishRedis, purgeRedis } from './redis';
export type { InspectOptions, RedisInspection, RedisQueueInfo } from './redis';
export * from './snapshot';
export * from './drift';
export * from './plan';
export * from './operations';
export * from './moveBack';
export * from './retry';
export * from './cli-report';
