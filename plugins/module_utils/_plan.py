# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deploying many releases as a dependency graph. Private to this collection.

Independent releases run concurrently in a bounded pool; a release starts as
soon as every release it depends on is ready; a failure skips its dependents
while independent branches carry on.
"""
from __future__ import annotations

import concurrent.futures as cf
import time
from dataclasses import dataclass, field


class PlanError(ValueError):
    pass


@dataclass
class Node:
    name: str
    depends_on: list = field(default_factory=list)
    payload: object = None


def validate(nodes: list) -> list:
    """Every dependency exists, names are unique, and there is no cycle.
    Returns the nodes grouped in levels (each level depends only on earlier ones)."""
    names = [n.name for n in nodes]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise PlanError(f"release names must be unique: {', '.join(dup)}")
    known = set(names)
    problems = [f"{n.name} depends on {d}, which is not in the plan" for n in nodes for d in n.depends_on if d not in known]
    if problems:
        raise PlanError("; ".join(problems))
    levels, done, rest = [], set(), {n.name: n for n in nodes}
    while rest:
        level = sorted(name for name, n in rest.items() if set(n.depends_on) <= done)
        if not level:
            raise PlanError(f"dependency cycle among: {', '.join(sorted(rest))}")
        levels.append(level)
        done |= set(level)
        for name in level:
            del rest[name]
    return levels


def critical_path(nodes: list, durations: dict) -> float:
    """Longest chain of durations through the dependency graph: the lower bound of any schedule."""
    by = {n.name: n for n in nodes}
    memo: dict = {}

    def finish(name):
        if name not in memo:
            memo[name] = durations.get(name, 0.0) + max((finish(d) for d in by[name].depends_on), default=0.0)
        return memo[name]
    return max((finish(n.name) for n in nodes), default=0.0)


def run(nodes: list, work, max_workers: int = 4) -> dict:
    """Runs `work(node) -> (ok: bool, result)` over the graph.
    Returns {name: {"outcome": ok|failed|skipped, "result", "start", "end", "blocked_by"}}."""
    validate(nodes)
    by = {n.name: n for n in nodes}
    out: dict = {}
    t0 = time.monotonic()
    pending = dict(by)
    running: dict = {}
    with cf.ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        while pending or running:
            for name in sorted(pending):
                node = pending[name]
                failed_deps = [d for d in node.depends_on if d in out and out[d]["outcome"] != "ok"]
                if failed_deps:
                    out[name] = {"outcome": "skipped", "result": None, "start": None, "end": None,
                                 "blocked_by": failed_deps}
                    del pending[name]
                elif all(d in out for d in node.depends_on):
                    running[pool.submit(_timed, work, node, t0)] = name
                    del pending[name]
            if not running:
                continue
            finished = cf.wait(running, return_when=cf.FIRST_COMPLETED).done
            for fut in finished:
                name = running.pop(fut)
                ok, result, start, end = fut.result()
                out[name] = {"outcome": "ok" if ok else "failed", "result": result, "start": start, "end": end,
                             "blocked_by": []}
    return out


def _timed(work, node, t0):
    start = time.monotonic() - t0
    try:
        ok, result = work(node)
    except Exception as exc:  # noqa: BLE001 - one release's crash must not stop the others
        ok, result = False, {"msg": f"{node.name}: unexpected error: {exc}"}
    return ok, result, round(start, 3), round(time.monotonic() - t0, 3)
