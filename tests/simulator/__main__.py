"""Command line: python -m tests.simulator [--host H] [--port P] [--scenario FILE] [--latency S] [--tls-cert F --tls-key F] [--url-file F]
[--verbose]; or python -m tests.simulator --detach [--scenario FILE] [--latency S] [--log F]: started in the background
through tests/simulator_process.py (the one start of the simulator as a process), "PID URL" printed once it serves."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from .scenario import ScenarioError
from .server import Simulator


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.simulator", description="Serve a simulated Vobiz API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--scenario", help="scenario file (.yml, .yaml or .json); default: the bundled demo")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API request")
    parser.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--url-file", help="write the base URL to this file once serving")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--detach", action="store_true",
                        help="start it in the background on a free port of 127.0.0.1, print \"PID URL\" once it serves, and exit "
                             "(SIGTERM to PID stops it); with --scenario, --latency and --log only")
    parser.add_argument("--log", help="with --detach: the file that gets its output")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.detach and (args.tls_cert or args.url_file or args.verbose or args.port or args.host != "127.0.0.1"):
        parser.error("--detach takes --scenario, --latency and --log only")
    if args.log and not args.detach:
        parser.error("--log goes with --detach")
    return args


def write_url_file(path: str, url: str) -> None:
    """Written whole then renamed, so that a process waiting for the file never reads half a URL."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(url + "\n", encoding="utf-8")
    os.replace(partial, target)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.detach:
        from tests.simulator_process import detach  # pylint: disable=import-outside-toplevel  # that module starts this one

        return detach(args.scenario, args.latency or None, args.log)
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    stopping = []
    # the handlers only flag: the loop below does the stopping, outside signal context
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        simulator = Simulator(scenario=args.scenario, latency=args.latency, tls=tls, host=args.host, port=args.port, verbose=args.verbose)
        simulator.start()
    except (OSError, ScenarioError, ValueError) as error:
        print(f"Vobiz simulator cannot start: {error}", file=sys.stderr)
        return 2
    print(f"Vobiz simulator serving {simulator.base_url}", flush=True)
    if args.url_file:
        write_url_file(args.url_file, simulator.base_url)
    while not stopping:
        time.sleep(0.1)
    simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
