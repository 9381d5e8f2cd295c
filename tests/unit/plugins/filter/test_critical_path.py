"""plugins/filter/plan.py: the whole graph's critical path across slices."""
from __future__ import annotations

from ansible_collections.openlakes.core.plugins.filter.plan import critical_path


def test_the_longest_chain_across_slices_counts_each_node_once():
    rows = [{"name": "a", "type": "release", "depends_on": [], "start": 0.0, "end": 2.0},
            {"name": "b", "type": "release", "depends_on": ["a"], "start": 2.0, "end": 5.0},
            {"name": "c", "type": "release", "depends_on": ["a"], "start": 2.0, "end": 3.0},
            # Slice 02: its check of b (another slice's node) does not replace b's own duration.
            {"name": "b", "type": "require", "depends_on": [], "start": 0.0, "end": 0.01},
            {"name": "d", "type": "release", "depends_on": ["b"], "start": 0.01, "end": 4.01},
            {"name": "skipped", "type": "release", "depends_on": ["d"], "start": None, "end": None}]
    assert critical_path(rows) == 9.0
    assert critical_path([]) == 0.0
