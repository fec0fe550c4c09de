"""Remember a function's last result, keyed on the exact bytes of its array arguments.

A live run asks one module for its mixing matrix, its values and its states, all of the same inputs. Where
each of these starts from the same expensive pass (a nonlinear trajectory, the factor projections), the
pass runs once per run instead of three times. The key holds every argument's shape, dtype and bytes, so a
changed input, however small, runs the pass again. The result is shared: callers must not modify it.
"""

import functools

import numpy as np


def _key(value):
    if isinstance(value, np.ndarray):
        return (value.shape, value.dtype.str, value.tobytes())
    if isinstance(value, (tuple, list)):
        return tuple(_key(v) for v in value)
    return (type(value).__name__, repr(value))


def last_call(fn):
    """Decorator: reuse the result of the previous call when every argument is the same."""
    last: dict = {}

    @functools.wraps(fn)
    def wrapper(*args):
        key = tuple(_key(a) for a in args)
        if last.get("key") != key:
            last.clear()  # a call that raises leaves nothing behind
            last.update(result=fn(*args), key=key)
        return last["result"]

    return wrapper
