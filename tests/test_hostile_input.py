"""Formulas written to stall the server are refused quickly, and refusing them never holds the server up.

Each formula here once froze or crashed the app: its constants were evaluated exactly by SymPy (numbers of
astronomically many digits, computed while holding the interpreter lock), or SymPy's own simplification ran
for minutes. Now constants are computed in float64 and SymPy runs in a child process with a time limit.
"""
from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request

import pytest

from landscapes.expression import ANALYSIS_SECONDS, X, Y, compile_expression, parse_expression
from landscapes.registry import get_surface
from deploy.replicas import HEALTH_PATH
from tests.cli_inprocess import run_cli
from validation import ValidationError

REFUSAL_SECONDS = 2.0  # what a student waits at most for "no" to any formula
HEALTH_SECONDS = 0.5  # the longest the server may take to answer its health check during an attack
TICK_SECONDS = 0.01
# SymPy's automatic evaluation runs for minutes while merely building this (an is_real query on tanh turns
# into polynomial gcds); no size limit catches it, only the time limit does.
SYMPY_STALL = ('sinh((((0.5)*(x))/(cos(atan(7))))-((tanh(cosh((exp(((atan(abs((y)*(x))))**-1)+(tan(sinh(sqrt((((cosh'
               '((3)*(x)))**2)**0.5)+(((x)+((sinh(4))+(x)))**-16)))))))*(((sin(x))*((x)+(y)))*(((cos((0.5)*(x)))*(x)'
               ')+(sqrt(sin(((((sqrt(x))**-16)-(((3)-(y))-(x)))*(tanh(cosh((x)+(y)))))*((cos(((y)+((x)*(pi)))+(pi)))'
               '+(sqrt((2)*(atan(y)))))))))))))-(((sinh((exp(sin((x)/((x)+(0.5)))))/(((sqrt(x))/(0.5))*(7))))+(sqrt('
               '(log((((tanh(sinh(6)))*(pi))**-1)*(sqrt(((6)*(pi))-(x)))))*((exp((0.5)**3))*(tanh((9)/(y)))))))*(y))'
               '))')

HOSTILE = {
    "exp(exp(exp(100)))*x": "too large for float64 at column 5: `exp(exp(100))`",
    "sin(exp(exp(20))) + x": "too large for float64 at column 5: `exp(exp(20))`",
    "exp(exp(exp(exp(9)))) + x": "too large for float64",
    "log(log(log(log(log(log(log(log(2)))))))) + x": "undefined or complex",
    "exp(1000)*x": "too large for float64 at column 1: `exp(1000)`",
    "1e308*10*x": "too large for float64",
    "1.7e308*x**2": "in its gradient is too large for float64",  # finite, but its derivative's 3.4e308 is not
    "(1e300*x)**16": "too large for float64",
    "0**-1 + x": "undefined or complex",
    "log(0)*y": "undefined or complex",
    "(-8)**0.5 + x": "undefined or complex",
    "tanh(" * 11 + "x" + ")" * 11: "nested more than 10 deep",
    "*".join(f"sin(x+{k}*y)" for k in range(1, 22)): "derivative is too large",
    SYMPY_STALL: f"too complex to analyse within {ANALYSIS_SECONDS:g} s",
}


@pytest.fixture(scope="module", autouse=True)
def analysis_server_running():
    """The first formula after start also starts the analysis server (about a second); a student on a running
    app does not pay that, so the timings below start from a running one."""
    compile_expression("x**2 + y**2")


@pytest.mark.parametrize("formula, says", HOSTILE.items(), ids=[f[:30] for f in HOSTILE])
def test_a_hostile_formula_is_refused_within_two_seconds_in_one_line(formula, says):
    started = time.perf_counter()
    with pytest.raises(ValidationError) as refusal:
        get_surface(f"expr:{formula}")
    assert time.perf_counter() - started < REFUSAL_SECONDS
    message = str(refusal.value)
    assert message.startswith("expression: ") and "\n" not in message
    assert says in message


def test_the_process_keeps_running_its_other_threads_while_sympy_works():
    gaps = []
    done = threading.Event()

    def tick():
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(TICK_SECONDS)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        with pytest.raises(ValidationError, match="too complex to analyse"):
            compile_expression(SYMPY_STALL + " + y")  # a new text: not answered from the cache
    finally:
        done.set()
        ticker.join()
    assert len(gaps) > ANALYSIS_SECONDS / HEALTH_SECONDS and max(gaps) < HEALTH_SECONDS


def test_formulas_that_are_large_but_fine_pass_every_limit():
    goldstein_price = ("(1 + (x+y+1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))"
                       "*(30 + (2*x-3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))")
    expr = parse_expression(goldstein_price)  # in this process: no time limit, only the limits on the text
    assert expr.subs({X: 0, Y: -1}) == 3
    assert get_surface("expr:sin(2*pi*x) - 3*x").latex == r"f(x, y) = - 3 x + \sin{\left(2 \pi x \right)}"


def test_the_cli_refuses_a_stalling_formula_in_one_line():
    finished = run_cli("trajectory", "--surface", f"expr:{SYMPY_STALL}", "--optimizer", "gd")
    assert finished.returncode == 2
    assert finished.stderr.startswith("cli.py trajectory: error: expression: too complex to analyse")
    assert finished.stderr.count("\n") == 1


@pytest.mark.browser
def test_the_server_answers_its_health_check_while_a_page_tries_a_stalling_formula(chromium, app_url):
    latencies = []
    done = threading.Event()

    def check_health():
        while not done.is_set():
            started = time.perf_counter()
            with urllib.request.urlopen(app_url + HEALTH_PATH, timeout=30) as response:
                assert response.status == 200
            latencies.append(time.perf_counter() - started)
            time.sleep(TICK_SECONDS)

    context = chromium.new_context()
    page = context.new_page()
    page.goto(app_url)  # a running app: its kernels loaded, as when a student arrives with a formula
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    checker = threading.Thread(target=check_health)
    checker.start()
    try:
        formula = urllib.parse.quote(f"expr:{SYMPY_STALL} + x*y")
        page.goto(f"{app_url}/?surface={formula}")
        page.get_by_text("too complex to analyse", exact=False).first.wait_for(timeout=60_000)
    finally:
        done.set()
        checker.join()
        context.close()
    assert len(latencies) > 10 and max(latencies) < HEALTH_SECONDS
    print(f"health checks during the attack: {len(latencies)}, slowest {max(latencies) * 1000:.0f} ms")
