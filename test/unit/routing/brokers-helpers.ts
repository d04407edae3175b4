export { topicMatch, redisListName, redisTopicPattern, redisTopicMatch, pyRepr, routeMessage, amqpRoute } from '../../../server/src/routing/index';
export { emptyBroker as emptyBrokerForTest } from '../../../server/src/routing/amqp';
