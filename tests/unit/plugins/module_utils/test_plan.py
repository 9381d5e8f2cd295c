"""plugins/module_utils/_plan.py: graph validation, scheduling and the critical path."""
from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.openlakes.core.plugins.module_utils import _plan

N = _plan.Node


def test_levels_follow_dependencies():
    nodes = [N("app", ["db", "cache"]), N("db", ["operator"]), N("operator"), N("cache")]
    assert _plan.validate(nodes) == [["cache", "operator"], ["db"], ["app"]]


@pytest.mark.parametrize("nodes,message", [
    ([N("a", ["b"]), N("b", ["a"])], "dependency cycle among: a, b"),
    ([N("a", ["missing"])], "a depends on missing, which is not in the plan"),
    ([N("a"), N("a")], "release names must be unique: a"),
])
def test_invalid_plans_are_refused(nodes, message):
    with pytest.raises(_plan.PlanError, match=message):
        _plan.validate(nodes)


def test_independent_branches_run_concurrently_and_failures_skip_dependents():
    started, lock = {}, threading.Lock()

    def work(node):
        with lock:
            started[node.name] = time.monotonic()
        time.sleep(0.2)
        return node.name != "db", {"name": node.name}

    nodes = [N("db"), N("app", ["db"]), N("cache"), N("ui", ["cache"])]
    out = _plan.run(nodes, work, max_workers=4)
    assert out["db"]["outcome"] == "failed"
    assert out["app"]["outcome"] == "skipped" and out["app"]["blocked_by"] == ["db"]
    assert out["cache"]["outcome"] == "ok" and out["ui"]["outcome"] == "ok"
    assert abs(started["db"] - started["cache"]) < 0.1          # ran together
    assert started["ui"] >= started["cache"] + 0.19             # waited for its dependency


def test_worker_bound_is_respected():
    running, peak, lock = [0], [0], threading.Lock()

    def work(node):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return True, None

    _plan.run([N(f"r{i}") for i in range(8)], work, max_workers=3)
    assert peak[0] == 3


def test_critical_path():
    nodes = [N("a"), N("b", ["a"]), N("c", ["a"]), N("d", ["b", "c"])]
    assert _plan.critical_path(nodes, {"a": 1, "b": 2, "c": 5, "d": 1}) == 7
