"""The test servers' ports: consecutive, free, and outside the range the kernel hands out by itself."""
from __future__ import annotations

import socket

from tests import conftest
from tests.conftest import PORT_RANGE, free_port


class Picks:
    """A stand-in for ``random.Random`` whose ``randrange`` answers with the given ports in turn."""

    def __init__(self, *ports: int):
        self.ports = list(ports)

    def __call__(self) -> "Picks":
        return self

    def randrange(self, low: int, high: int) -> int:
        assert PORT_RANGE[0] <= low < high <= PORT_RANGE[1]
        return self.ports.pop(0)


def test_free_ports_are_consecutive_free_and_in_their_range():
    first = free_port(3)
    assert PORT_RANGE[0] <= first and first + 3 <= PORT_RANGE[1]
    for port in range(first, first + 3):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_run_of_ports_with_one_in_use_is_passed_over(monkeypatch):
    first = free_port(4)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", first + 1))
        busy.listen()
        monkeypatch.setattr(conftest.random, "Random", Picks(first, first + 2))
        assert free_port(2) == first + 2  # first + 1 is taken: not the run first, first + 1
