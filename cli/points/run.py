"""Running --points on this machine: the points of one file or a glob of files, in this process
or worker processes (workers.py).

The commands (basic.py, higher.py) reach run_program_points through points_mode.py with their
PointsJob; reading and writing points is reading.py's, computing and writing their outcomes
outcomes.py's.
"""
from __future__ import annotations

import sys
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Optional

from .outcomes import PointsCompute, PointsJob, file_tagger, points_compute, stopped, write_outcomes
from .partitions import points_files
from .reading import CsvWriter, Output, PointsProgress, _flat, open_points, point_blocks, read_points
from ..workers import ordered_map, worker_count


def run_program_points(job: PointsJob, config) -> int:
    """A command's job over its --points on this machine (points_mode.py chooses).
    `config`: the command's (config.py), for its PointsSettings and --strict.
    The points run inside one outer run context without a deadline, which sets up numpy's error
    state once for them all (worker processes inherit it); each point is a run of its own inside
    it, with its own deadline.
    """
    points = config.points
    from autodiff.diffcore.engine.context import RunContext
    computer = points_compute(job, config)
    with RunContext(job.limits.replace(timeout=None)):
        return run_points(points.path, points.format, computer.base_at, computer.compute, points.as_csv,
                          points.on_error, computer.describe_error, points.jobs, computer.compute_block,
                          computer.lanes)


def run_points(path: str, fmt: str, base_at: dict, compute: Callable[[dict], tuple[dict, list]],
               as_csv: bool, on_error: str, describe_error: Callable[[Exception], dict], jobs: int = 1,
               compute_block: Optional[Callable] = None, lanes: Optional[tuple] = None) -> int:
    """Run `compute` once per point; write the results in input order; return the exit code.

    `compute(at)` returns (the JSON document of the result, its CSV columns).
    `compute_block(ats, one)`, when given, computes a block of points at once (diffcore/blocks.py):
    for each, what `compute` returns or the error it raises, or a Lane (diffcore/blocks.py) of a
    block computed in lanes; `one(at)` computes a point alone. `lanes` is then (write, finish,
    whole): `write(block, lines)` gives (CSV column names or None, each lane's JSON line or CSV
    row) for all the lanes of such a block at once (lane k is the point of line lines[k]), or
    None, and then `finish(lane)` gives a lane's result as `compute` would; `whole(results,
    lines)` gives the JSON lines (str) or CSV Rows of a whole block of points at once, or None.
    Points from a file then go in blocks of BLOCK_POINTS (points that arrive live, one by one);
    a CSV file's plain lines are read as columns (pointcolumns.py).
    `describe_error(exc)` turns a program error into a JSON-able dict (kind, message, position).
    With jobs other than 1, points from a file are computed by that many worker processes (0: one
    per usable core, and never more; workers.py);
    points that arrive live (standard input, or output to a terminal) are computed here, one
    by one, each result written at once.
    `path` may be a glob of files (partitions.points_files): they are read in name order, as one
    run, each result saying which file it is from (outcomes.file_tagger).
    """
    computer = PointsCompute(compute, compute_block, lanes, as_csv, base_at, describe_error)
    files = points_files(path)
    live = path == "-" or sys.stdout.isatty()
    out = Output(sys.stdout, live=live)
    writer = CsvWriter(out) if as_csv else None
    failures = 0
    try:
        for name in files:
            tag = file_tagger(name, as_csv) if len(files) > 1 else None
            failed, stop = _run_file(computer, name, fmt, jobs, live, out, writer, on_error, tag)
            failures += failed
            if stop is not None:
                stopped(stop, sys.stderr)
                break
    except BrokenProcessPool:
        out.flush()
        print("autodiff: a worker process died (out of memory, or killed); the results stop here. "
              "Run again with --jobs 1 to compute the points in one process.", file=sys.stderr)
        return 1
    finally:
        out.flush()
    return 1 if failures else 0


def _run_file(computer, path: str, fmt: str, jobs: int, live: bool, out: Output, writer: Optional[CsvWriter],
              on_error: str, tag: Optional[Callable]) -> tuple[int, Optional[int]]:
    """The points of one file, written: (failures, the line that stopped the run or None)."""
    outcomes = iter(())
    with open_points(path) as stream:
        progress = PointsProgress(stream) if PointsProgress.wanted(path) else None
        try:
            if progress is not None:
                progress.start()
            if computer.compute_block is not None and not live:
                blocks = point_blocks(stream, path, fmt)
                outcomes = _flat(ordered_map(computer.outcomes_of_block, blocks, worker_count(jobs),
                                             computer.merged, chunk=1)
                                 if jobs != 1 else map(computer.outcomes_of_block, blocks))
            else:
                points = read_points(stream, path, fmt)
                outcomes = (ordered_map(computer.outcome_in_worker, points, worker_count(jobs), computer.merged)
                            if jobs != 1 and not live else map(computer.outcome, points))
            where = path if path != "-" else "<stdin>"
            return write_outcomes(outcomes, out, writer, where, on_error, sys.stderr, tag, progress)
        finally:
            close = getattr(outcomes, "close", None)
            if close is not None:
                close()                 # stops the workers now, whatever ended the loop
            if progress is not None:
                progress.stop()
            out.flush()
