"""Run a function in a child process with a wall-clock limit, so that no input can stall the caller.

SymPy may spend minutes on a few hundred characters (its automatic simplification and assumption queries have
no bound) and much of that time inside big-integer arithmetic that holds the interpreter lock: run in a server
thread, it would freeze every other session. In a child process it cannot: the caller waits on a pipe (which
releases the lock) and kills the child when the time is up.

A child is a fork of the caller, which has already imported everything the function needs (SymPy takes a
second to import), so a call costs a few milliseconds, not an interpreter start. (A fork server would start
cleaner children, but in Python 3.11 each of them imports the caller's main script again: for ``streamlit``
that is a second per call.) The child only computes and answers through a pipe; it touches none of the
caller's other threads' state. At most ``MAX_CHILDREN`` run at once.
"""
from __future__ import annotations

import multiprocessing
import threading
from typing import Any, Callable

from cores import usable_cores
from validation import ValidationError

# Where fork does not exist (Windows), children start a new interpreter instead.
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
MAX_CHILDREN = usable_cores()  # more would only share the same cores
CHILDREN = threading.BoundedSemaphore(MAX_CHILDREN)


class OutOfTime(ValidationError):
    """The answer did not come in time (too much work, or too many children busy): it may come another time."""


def _child(function: Callable[[Any], Any], argument: Any, connection) -> None:
    try:
        connection.send((True, function(argument)))
    except ValidationError as error:
        connection.send((False, str(error)))
    except Exception as error:  # noqa: BLE001 - any failure of the library becomes the caller's one-line refusal
        connection.send((False, f"cannot be analysed ({type(error).__name__}: {str(error)[:80]})"))
    finally:
        connection.close()


def call_with_time_limit(function: Callable[[Any], Any], argument: Any, seconds: float, what: str) -> Any:
    """``function(argument)`` computed in a child process; a :class:`ValidationError` naming ``what`` if it
    takes longer than ``seconds``, fails, or if ``MAX_CHILDREN`` children stay busy for ``seconds``.

    ``function`` must be importable by name (a module-level function), for the platforms that spawn.
    """
    context = multiprocessing.get_context(START_METHOD)
    if not CHILDREN.acquire(timeout=seconds):
        raise OutOfTime(f"{what}: the server is busy analysing other input; try again in a moment")
    try:
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(function, argument, sender), daemon=True)
        child.start()
        sender.close()  # the child holds its own copy: end of file now means the child is gone
        answer = None
        try:
            if receiver.poll(seconds):
                answer = receiver.recv()
        except EOFError:  # the child died without answering (killed, out of memory)
            answer = (False, "the analysis stopped without an answer")
        finally:
            receiver.close()
            if answer is None:
                child.kill()  # only a child that is still working: a finished one's id may be reused
            child.join()
    finally:
        CHILDREN.release()
    if answer is None:
        raise OutOfTime(f"{what}: too complex to analyse within {seconds:g} s")
    succeeded, value = answer
    if not succeeded:
        raise ValidationError(value if value.startswith(f"{what}:") else f"{what}: {value}")
    return value
