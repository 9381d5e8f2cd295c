"""The openlakes.core lab: real systemd hosts (podman), real block devices
(loop devices) and a real Kubernetes control plane with kwok-simulated nodes.

Everything it starts is recorded in its state file and stopped by PID or ID,
never by name pattern. Everything it writes lives under its state directory
(default: <repo>/.lab) or its cache directory (default: ~/.cache/openlakes-lab).
"""
