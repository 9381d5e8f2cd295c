"""The hosts run systemd as PID 1, are not privileged, and converge cleanly."""


def test_systemd_is_pid_one(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"
    assert host.run("systemctl is-system-running").stdout.strip() in ("running", "degraded")


def test_marker_names_the_distribution(host):
    marker = host.file("/etc/openlakes-lab-host")
    assert marker.mode == 0o644
    assert marker.content_string.startswith("Debian ")


def test_host_sees_no_block_device_of_the_machine(host):
    # Unprivileged: /dev holds no disk nodes unless the lab passes its own loop devices.
    out = host.run("find /dev -maxdepth 1 -type b").stdout.split()
    assert out == []
