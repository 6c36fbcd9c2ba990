"""The --points mode of a command: on this machine (points/run.py) or, with --scheduler, on a Dask
cluster (cluster/points.py). The one place that chooses, so that neither package knows the other
exists above it: cluster/ uses points/ to read, compute and write; points/ never reaches up.
"""
from __future__ import annotations

import click


def run_points_mode(job, config, recipe: tuple) -> int:
    """Run a command's PointsJob (points/outcomes.py) over --points. `config` is the command's
    (config.py): its program, its PointsSettings and --strict. A cluster's workers make the job
    again from `recipe`: ("module:points_job function", its arguments after config and program)."""
    points = config.points
    if points.as_csv and points.json_lines:
        raise click.UsageError("--csv and --json-lines are alternatives: give one")
    if points.path == "-" and config.program.file == "-":
        raise click.UsageError("the program and --points cannot both come from standard input")
    if points.scheduler is not None:
        from .cluster.connect import distributed_module
        distributed_module()        # without Dask, the usage error that says how to install it
        from .cluster.points import run_on_cluster      # (which imports distributed)
        return run_on_cluster(job, config, recipe)
    from .points.run import run_program_points
    return run_program_points(job, config)
