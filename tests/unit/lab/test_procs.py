"""lab/openlakes_lab/procs.py: processes are stopped by recorded PID, and only
while the PID is still the process that was started."""
import sys

from openlakes_lab import procs


def test_start_and_stop_by_pid(tmp_path):
    entry = procs.start("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path)
    assert procs.alive(entry)
    assert procs.stop(entry, timeout=5)
    assert not procs.alive(entry)


def test_a_reused_pid_is_not_ours(tmp_path):
    entry = procs.start("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path)
    try:
        forged = dict(entry, starttime="1")  # same PID, different start: another process
        assert not procs.alive(forged)
        assert not procs.stop(forged)
        assert procs.alive(entry)
    finally:
        procs.stop(entry, timeout=5)


def test_a_launcher_that_execs_is_recorded_as_the_program_it_runs(tmp_path):
    import shutil
    import time
    sleep = shutil.which("sleep")
    entry = procs.start("exec", [shutil.which("env"), sleep, "60"], tmp_path, exe=sleep)
    try:
        deadline = time.monotonic() + 5
        while not procs.alive(entry) and time.monotonic() < deadline:
            time.sleep(0.05)  # until env has exec'd sleep
        assert procs.alive(entry)
    finally:
        assert procs.stop(entry, timeout=5)
