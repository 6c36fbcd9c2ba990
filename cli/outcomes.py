"""The outcome of each point under --points, and writing the outcomes in order.

One machine (points.py, with worker processes: workers.py) and a Dask cluster's workers
(cluster_points.py) compute and write points with these same two pieces, so that their
output is the same, byte for byte:

    PointsCompute    a point, or a block of points (diffcore/blocks.py), -> outcomes
    write_outcomes   outcomes -> result lines (stdout, or a partition's file) and error reports

An outcome is (line, True, the JSON line or the CSV columns or Rows, printed) or
(line, False, the error as a dict, printed); `printed` is what the program wrote to stderr
while that point was computed alone, written with the outcome so that it stays in order.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any, Callable, Iterable, NamedTuple, Optional, TextIO

from autodiff.diffcore.blocks import Lane

from .blockwrite import LaneRun, Rows, lanes_written
from .points import CsvWriter, Output, Point, PointError
from .render import dumps, to_json


class PointsCompute(NamedTuple):
    """How to compute points, as run_points documents its arguments (points.py)."""
    compute: Callable[[dict], tuple]
    compute_block: Optional[Callable]
    lanes: Optional[tuple]
    as_csv: bool
    base_at: dict
    describe_error: Callable[[Exception], dict]

    def outcome(self, point: Point) -> tuple:
        """The outcome of one point, computed alone."""
        from autodiff.grammar.source import ProgramError
        if point.values is None:
            return point.line, False, {"kind": "input error", "message": point.error}, ""
        try:
            document, columns = self.compute({**self.base_at, **point.values})
        except ProgramError as exc:
            return point.line, False, self.describe_error(exc), ""
        except PointError as exc:
            return point.line, False, {"kind": "output error", "message": str(exc)}, ""
        return point.line, True, columns if self.as_csv else dumps({"line": point.line, **document}) + "\n", ""

    def outcome_in_worker(self, point: Point) -> tuple:
        # What the program prints goes to stderr; a worker hands it back, to be written in order.
        saved, sys.stderr = sys.stderr, io.StringIO()
        try:
            line, ok, payload, _ = self.outcome(point)
            return line, ok, payload, sys.stderr.getvalue()
        finally:
            sys.stderr = saved

    def outcomes_of_block(self, block: list) -> list:
        """The outcomes of a block of points, computed many at once; what a point computed alone
        prints is captured, to be written with its outcome (as a worker does)."""
        from autodiff.grammar.source import ProgramError
        ready = [p for p in block if p.values is not None]
        printed: dict = {}
        compute, base_at, as_csv = self.compute, self.base_at, self.as_csv

        def one(at: dict) -> Any:
            saved, sys.stderr = sys.stderr, io.StringIO()
            try:
                return compute(at)
            except PointError as exc:
                return exc
            finally:
                printed[id(at)] = sys.stderr.getvalue()
                sys.stderr = saved

        ats = [{**base_at, **p.values} for p in ready] if base_at else [p.values for p in ready]
        computed = self.compute_block(ats, one)
        write, finish = self.lanes
        written = lanes_written(computed, [p.line for p in ready], write)
        results = iter(zip(ats, computed))
        out: list = []
        run = LaneRun(out)
        for point in block:
            if point.values is None:
                run.end()
                out.append(self.outcome(point))
                continue
            at, result = next(results)
            if result.__class__ is Lane:
                made = written.get(id(result.block))
                if made is not None:
                    run.add(made[0], made[1][result.index], point.line)
                    continue
                result = finish(result)
            run.end()
            said = printed.get(id(at), "")
            if isinstance(result, ProgramError):
                out.append((point.line, False, self.describe_error(result), said))
            elif isinstance(result, PointError):
                out.append((point.line, False, {"kind": "output error", "message": str(result)}, said))
            else:
                document, columns = result
                out.append((point.line, True, columns if as_csv else
                            dumps({"line": point.line, **document}) + "\n", said))
        run.end()
        return out

    def merged(self, outcomes: list) -> list:
        """A worker's chunk of outcomes with each run of plain JSON results joined into one
        (fewer objects to hand back, and one write for the main process)."""
        if outcomes and type(outcomes[0]) is list:      # a chunk of blocks
            outcomes = [o for block in outcomes for o in block]
        if self.as_csv:
            return outcomes
        out, run = [], []
        for outcome_ in outcomes:
            if outcome_[1] and not outcome_[3]:
                run.append(outcome_[2])
                continue
            if run:
                out.append((None, True, "".join(run), ""))
                run = []
            out.append(outcome_)
        if run:
            out.append((None, True, "".join(run), ""))
        return out


def file_tagger(path: str, as_csv: bool) -> Callable[[Any], Any]:
    """For a run over several files: a result (a JSON line or lines, CSV columns or Rows) with the
    file it is from, as a first key "file" or a first column `file`. One file's results stay as
    they are, so that one file's output does not change when it is one of several."""
    if as_csv:
        cell = io.StringIO()
        csv.writer(cell, lineterminator="").writerow([path])
        prefix = cell.getvalue() + ","

        def tag_csv(payload: Any) -> Any:
            if payload.__class__ is Rows:
                text = "".join(prefix + row for row in payload.text.splitlines(keepends=True))
                return Rows(["file"] + payload.names, text, payload.lines)
            return [("file", path)] + list(payload)
        return tag_csv
    head = '{"file": ' + json.dumps(path) + ", "

    def tag_json(text: str) -> str:
        # Every JSON line starts with '{'; no JSON text holds a raw newline, so "\n{" starts a line.
        return head + text[1:].replace("\n{", "\n" + head)
    return tag_json


def write_outcomes(outcomes: Iterable, out: Output, writer: Optional[CsvWriter], where: str, on_error: str,
                   err: TextIO, tag: Optional[Callable] = None, progress: Any = None) -> tuple[int, Optional[int]]:
    """Write each outcome: a result to `out` (through `writer` for CSV), a failure as a report on
    `err` (`where`:line: kind: message) and, for JSON Lines, as an error line in `out`; then
    (failures, the line of the failure that stopped the run under --on-error stop, or None).
    `tag`: a file_tagger, when the run has several files. `progress`: a PointsProgress or None."""
    failures = 0
    for line, ok, payload, printed in outcomes:
        if progress is not None:        # a joined run of JSON lines or CSV rows is many points
            progress.advance(1 if line is not None else len(payload.lines) if writer is not None
                             else payload.count("\n"))
        if printed:
            err.write(printed)
        if ok:
            if tag is not None:
                payload = tag(payload)
            if writer is None:
                out.write(payload)
                continue
            try:
                writer.write(payload)
                continue
            except PointError as exc:
                error = {"kind": "output error", "message": str(exc)}
                failed = [(n, error) for n in (payload.lines if payload.__class__ is Rows else [line])]
        else:
            failed = [(line, payload)]
        for line, payload in failed:
            failures += 1
            out.flush()             # the results before it, then its report
            print(f"{where}:{line}: {payload['kind']}: {payload['message']}", file=err)
            if writer is None:
                text = json.dumps(to_json({"line": line, "error": payload})) + "\n"
                out.write(tag(text) if tag is not None else text)
            if on_error == "stop":
                return failures, line
    return failures, None


def stopped(line: int, err: TextIO) -> None:
    print(f"autodiff: stopped at line {line} (--on-error skip would go on)", file=err)
