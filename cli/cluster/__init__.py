"""--scheduler: check and --points on a Dask cluster (docs/scale.md). connect.py is the one
place that reaches Dask; check.py and points.py run the two commands' work there. Imported
only when --scheduler is given."""
