"""The stand-ins' tests read the plan of the example configurations (tests/unit/plugins/module_utils/values_configs.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins" / "module_utils"))
