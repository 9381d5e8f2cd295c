# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Kubernetes API client from a kubeconfig. Private to this collection."""
from __future__ import annotations

import os

try:
    from kubernetes import client, config
    HAS_KUBERNETES = True
except ImportError:  # pragma: no cover - reported by the modules
    HAS_KUBERNETES = False

# Every watch stream holds a connection: a plan of many releases waits on many at once.
POOL_SIZE = 256


def api_client(kubeconfig: str = "", context: str = ""):
    cfg = client.Configuration()
    config.load_kube_config(config_file=os.path.expanduser(kubeconfig) if kubeconfig else None,
                            context=context or None, client_configuration=cfg)
    cfg.connection_pool_maxsize = POOL_SIZE
    return client.ApiClient(cfg)
