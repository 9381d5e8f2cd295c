"""Tests import the collection as ansible_collections.openlakes.core
(make links the checkout into .build/collections) and the lab package from lab/."""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for extra in (REPO / ".build" / "collections", REPO / "lab"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))
