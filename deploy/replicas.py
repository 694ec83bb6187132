"""Serve the app to a class: N Streamlit replicas behind nginx, with sticky sessions and websockets.

One machine, one replica per core, nginx on port 8080::

    python deploy/replicas.py

Several machines: start replicas on each of the others, listening on their network address, without a proxy::

    python deploy/replicas.py --replicas 4 --no-proxy --address 0.0.0.0 --cookie-secret SECRET

and on the machine students connect to, add them to the proxy's list::

    python deploy/replicas.py --remote 10.0.0.2:8501 --remote 10.0.0.2:8502 ... --cookie-secret SECRET

Every replica runs with the production settings of ``deploy/config.toml`` and the same cookie secret. The
proxy's configuration, its logs (``access.log`` names the replica each request went to) and the replicas'
logs go to ``--run-dir``. Ctrl-C (or SIGTERM) stops everything this script started.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
APP = DEPLOY.parent / "app.py"
CONFIG = DEPLOY / "config.toml"
NGINX_TEMPLATE = DEPLOY / "nginx.conf.in"
NGINX = "nginx"
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
DEFAULT_PORT = 8080
DEFAULT_FIRST_REPLICA_PORT = 8501
HEALTH_PATH = "/_stcore/health"
START_SECONDS = 60


def streamlit_flags(config: Path = CONFIG) -> list[str]:
    """``--section.option=value`` for every option in ``config``: command-line options override any config
    file Streamlit finds, so the replicas run with these whatever the working directory holds."""
    flags = []
    for section, options in tomllib.loads(config.read_text()).items():
        for option, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags.append(f"--{section}.{option}={text}")
    return flags


def base_path(config: Path = CONFIG) -> str:
    """The path of the site below which ``config`` serves the app (``server.baseUrlPath``; "" at its root)."""
    path = str(tomllib.loads(config.read_text()).get("server", {}).get("baseUrlPath", "")).strip("/")
    return f"/{path}" if path else ""


def replica_command(port: int, address: str, script: Path = APP) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(script), *streamlit_flags(),
            f"--server.port={port}", f"--server.address={address}"]


def nginx_config(listen: str, upstreams: list[str], run_dir: Path) -> str:
    servers = "\n".join(f"        server {upstream};" for upstream in upstreams)
    return (NGINX_TEMPLATE.read_text().replace("@RUN_DIR@", str(run_dir)).replace("@LISTEN@", listen)
            .replace("@SERVERS@", servers))


def wait_until_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{' '.join(map(str, process.args[:4]))} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url + HEALTH_PATH, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing healthy at {url} within {START_SECONDS} s")


def start(args: argparse.Namespace, run_dir: Path, processes: list[subprocess.Popen]) -> None:
    """Start the replicas, wait for them, then the proxy, adding each process to ``processes`` as it starts
    (the proxy last), so the caller can stop whatever started even when a later start fails."""
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": args.cookie_secret}
    local = []
    for index in range(args.replicas):
        port = args.first_port + index
        log = open(run_dir / f"replica-{port}.log", "wb")
        processes.append(subprocess.Popen(replica_command(port, args.address), env=env, stdout=log,
                                          stderr=subprocess.STDOUT))
        local.append(f"127.0.0.1:{port}")
    for process, upstream in zip(processes, local):
        wait_until_healthy(f"http://{upstream}{base_path()}", process)
    if not args.no_proxy:
        for name in TEMP_DIRS:
            (run_dir / name).mkdir(exist_ok=True)
            (run_dir / name).chmod(0o777)  # nginx's workers may run as an unprivileged user
        conf = run_dir / "nginx.conf"
        conf.write_text(nginx_config(f"{args.listen}:{args.port}", local + args.remote, run_dir))
        proxy = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(run_dir), "-e", str(run_dir / "error.log"),
                                  "-g", "daemon off;"])
        processes.append(proxy)
        local_address = "127.0.0.1" if args.listen == "0.0.0.0" else args.listen  # "all addresses" includes this one
        wait_until_healthy(f"http://{local_address}:{args.port}{base_path()}", proxy)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):  # the proxy first: no new requests reach a stopping replica
        process.terminate()
    for process in reversed(processes):
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=os.cpu_count() or 1,
                        help="replicas on this machine (default: one per core)")
    parser.add_argument("--first-port", type=int, default=DEFAULT_FIRST_REPLICA_PORT,
                        help="the first replica's port; the others follow")
    parser.add_argument("--address", default="127.0.0.1",
                        help="where replicas listen (0.0.0.0 for a proxy on another machine)")
    parser.add_argument("--remote", action="append", default=[], metavar="HOST:PORT",
                        help="a replica on another machine, for the proxy (repeat for each)")
    parser.add_argument("--no-proxy", action="store_true", help="start replicas only")
    parser.add_argument("--listen", default="0.0.0.0", help="the proxy's address")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the proxy's port: the class's link")
    parser.add_argument("--cookie-secret", default=secrets.token_hex(32),
                        help="the same on every machine (default: a new random one)")
    parser.add_argument("--run-dir", type=Path, help="configuration and logs (default: a new temporary folder)")
    args = parser.parse_args(argv)
    if args.replicas < 1 and not args.remote:
        parser.error("at least one replica, here or --remote")
    if not args.no_proxy and shutil.which(NGINX) is None:
        parser.error("nginx is not installed (Debian: apt-get install -y nginx)")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_dir = (args.run_dir or Path(tempfile.mkdtemp(prefix="descent-lab-"))).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop cleanly, like Ctrl-C
    processes: list[subprocess.Popen] = []
    try:
        start(args, run_dir, processes)
        where = f"port {args.port}" if not args.no_proxy else f"ports {args.first_port}+"
        print(f"Serving {args.replicas} replicas (+{len(args.remote)} remote) on {where}; logs in {run_dir}",
              flush=True)
        while all(process.poll() is None for process in processes):
            time.sleep(1)
        sys.exit("a replica or the proxy stopped; stopping the rest")
    except KeyboardInterrupt:
        pass
    finally:
        stop(processes)


if __name__ == "__main__":
    main()
