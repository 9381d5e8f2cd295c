"""tools/render_config_reference.py: docs/core-config.md matches the schema."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_reference_page_is_current():
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "render_config_reference.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_reference_page_lists_every_component():
    text = (REPO / "docs" / "core-config.md").read_text()
    for name in ("longhorn", "minio", "nessie", "trino", "kube_prometheus_stack"):
        assert f"| `{name}` |" in text
