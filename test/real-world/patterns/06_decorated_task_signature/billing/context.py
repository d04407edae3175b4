from functools import wraps


def with_context(func):
    """Injects `ctx` itself: callers never pass it."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, ctx={"source": "worker"}, **kwargs)

    return wrapper
