# SYNTAX TEST "source.python" "routing keys and binding patterns"

Queue('images', media, routing_key='media.image.*')
#                                   ^^^^^^^^^^^^^ meta.routing-key.celery-routing
#                                               ^ keyword.operator.wildcard.one-word.celery-routing
#                                        ^ punctuation.separator.word.celery-routing
#     ^^^^^^^^ - meta.routing-key.celery-routing

task_routes = {'a.b': {'queue': 'x', 'routing_key': 'audit.#'}}
#                                                    ^^^^^^^ meta.routing-key.celery-routing
#                                                          ^ keyword.operator.wildcard.any-words.celery-routing
#                               ^^^ - meta.routing-key.celery-routing

Queue('logs', Exchange('logs', type='topic'), 'log.*.error')
#                                              ^^^^^^^^^^^ meta.routing-key.celery-routing
#                                                  ^ keyword.operator.wildcard.one-word.celery-routing

Queue('plain', media, 'plain.key')
#                      ^^^^^^^^^ meta.routing-key.celery-routing

x = binding(events, "user.#")
#                    ^^^^^^ meta.routing-key.celery-routing
#                         ^ keyword.operator.wildcard.any-words.celery-routing

add.apply_async(queue='q', routing_key="a*b")
#                                       ^^^ meta.routing-key.celery-routing
#                                        ^ - keyword.operator.wildcard.one-word.celery-routing

# routing_key='not.in.a.comment'
#              ^^^^^^ - meta.routing-key.celery-routing

print('routing_key=x.*')
#                  ^^^ - meta.routing-key.celery-routing
