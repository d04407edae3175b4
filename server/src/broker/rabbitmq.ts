// RabbitMQ side in one import: management API client, AMQP operations, tap.
export * from './rabbitmqManagement';
export * from './rabbitmqAmqp';
export * from './rabbitmqTap';
