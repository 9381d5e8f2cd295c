"""An Iceberg REST client (pyiceberg, from requirements/datapath.txt): creates a namespace and a table
through Nessie's Iceberg REST endpoint and prints what the catalog answered, as JSON. Nessie writes the
table's metadata itself (to MinIO); this client needs no S3 access for that."""
import argparse
import json
import sys

from pyiceberg.catalog import load_catalog
from pyiceberg.schema import Schema
from pyiceberg.types import LongType, NestedField, StringType, TimestamptzType


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--uri", required=True)
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--namespace", required=True)
    ap.add_argument("--table", required=True)
    args = ap.parse_args()
    catalog = load_catalog("openlakes", type="rest", uri=args.uri, warehouse=args.warehouse)
    if (args.namespace,) not in catalog.list_namespaces():
        catalog.create_namespace(args.namespace)
    schema = Schema(NestedField(1, "id", LongType(), required=True), NestedField(2, "kind", StringType()),
                    NestedField(3, "at", TimestamptzType()))
    ident = f"{args.namespace}.{args.table}"
    table = catalog.load_table(ident) if catalog.table_exists(ident) else catalog.create_table(ident, schema=schema)
    json.dump({"namespaces": [list(n) for n in catalog.list_namespaces()], "table": ident,
               "location": table.location(), "metadata_location": table.metadata_location}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
