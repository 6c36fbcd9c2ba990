"""--points: reading points (reading.py, columns.py, plaincsv.py), computing their outcomes
(outcomes.py), writing them (blockwrite.py), and running a file or a glob of files
(run.py, partitions.py). Imported only when --points is given."""
