# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The StatsD exporter: StatsD lines in on UDP and TCP (the `statsd` port), Prometheus metrics out (`metrics`), for
components that speak StatsD only (Airflow, layer 04, sends to statsd_exporter's `statsd` Service). Private to this
collection."""
from __future__ import annotations


def statsd_exporter(u, release: dict) -> dict:
    image = u.image(release)
    listen = u.comp["provides"]["services"]
    return {
        "image": {"repository": image["repository"], "tag": image["tag"]},
        "statsd": {"udpPort": int(listen["statsd"]["port"]), "tcpPort": int(listen["statsd"]["port"])},
        "service": {"port": int(listen["metrics"]["port"])},
        "resources": u.resources(),
    }


def monitors(u) -> list:
    return [u.monitor({"app.kubernetes.io/name": "prometheus-statsd-exporter",
                       "app.kubernetes.io/instance": "statsd-exporter"})]


RELEASES = {"statsd-exporter": statsd_exporter}
