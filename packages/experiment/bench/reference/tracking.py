"""Reference for `npm run bench -- tracking`: Sacred 0.8.7's log_scalar rate and FileStorageObserver overhead.

Same loop as tracking.bench.ts: STEPS steps, each a fixed amount of arithmetic (WORK inner iterations) and 3
log_scalar calls; timed unobserved (plain function) and inside a Sacred run with a FileStorageObserver.
Prints one JSON line.
"""
import json
import sys
import tempfile
import time

from sacred import Experiment
from sacred.observers import FileStorageObserver

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
WORK = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
CALLS = int(sys.argv[3]) if len(sys.argv) > 3 else 200000


def loop(log):
    acc = 0.0
    for step in range(STEPS):
        for k in range(WORK):
            acc += (k * 0.5) % 3.0
        log("loss", acc / (step + 1), step)
        log("lr", 0.1, step)
        log("acc", step / STEPS, step)
    return acc


def main():
    t0 = time.perf_counter()
    loop(lambda name, value, step: None)
    unobserved = time.perf_counter() - t0

    out = {}
    ex = Experiment("tracking_bench", save_git_info=False)

    @ex.main
    def run(_run):
        t = time.perf_counter()
        loop(_run.log_scalar)
        out["observed"] = time.perf_counter() - t

    @ex.command
    def rate(_run):
        t = time.perf_counter()
        for i in range(CALLS):
            _run.log_scalar("rate", 0.5)
        out["calls_per_s"] = CALLS / (time.perf_counter() - t)

    with tempfile.TemporaryDirectory() as d:
        ex.observers.append(FileStorageObserver(d))
        t = time.perf_counter()
        ex.run(options={"--capture": "sys", "--loglevel": "ERROR"})
        out["observed_total"] = time.perf_counter() - t
        ex.run("rate", options={"--capture": "sys", "--loglevel": "ERROR"})
    print(json.dumps({"unobserved_s": unobserved, **out}))


if __name__ == "__main__":
    main()
