"""The outcome of each point under --points, and writing the outcomes in order.

One machine (points.py, with worker processes: workers.py) and a Dask cluster's workers
(cluster/points.py) compute and write points with these same two pieces, so that their
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

from autodiff.diffcore.blocks import Lane, LaneResults
from autodiff.diffcore.lanecolumns import Columns

from .blockwrite import LaneRun, Rows, csv_block, csv_rows, json_block, json_lines, lanes_only, lanes_written
from .columns import ColumnBlock
from .reading import CsvWriter, Output, Point, PointError, csv_columns, error_document
from ..render import dumps, to_json


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

    def outcomes_of_block(self, block: Any) -> list:
        """The outcomes of a block of points (a list of Points, or a ColumnBlock: pointcolumns.py),
        computed many at once; what a point computed alone prints is captured, to be written with
        its outcome (as a worker does). A block all computed in lanes is written as one text
        (blockwrite.py)."""
        from autodiff.grammar.source import ProgramError
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

        columnar = block.__class__ is ColumnBlock
        if columnar:
            ats: Any = Columns(block.columns, base_at)
            lines = block.lines.tolist()
        else:
            ready = [p for p in block if p.values is not None]
            ats = [{**base_at, **p.values} for p in ready] if base_at else [p.values for p in ready]
            lines = [p.line for p in ready]
        computed = self.compute_block(ats, one)
        write, finish, whole = self.lanes
        fill = whole(computed, lines)
        if fill is not None and (columnar or len(lines) == len(block)) and lanes_only(computed):
            return [(None, True, fill(0, len(lines)), "")]
        if columnar:
            block = [Point(line, {}) for line in lines]
        written = {} if fill is not None else lanes_written(computed, lines, write)
        out: list = []
        run = LaneRun(out, fill)
        position = -1
        for point in block:
            if point.values is None:
                run.end()
                out.append(self.outcome(point))
                continue
            position += 1
            result = computed[position]
            if result.__class__ is Lane:
                if fill is not None:
                    run.add_at(position)
                    continue
                made = written.get(id(result.block))
                if made is not None:
                    run.add(made[0], made[1][result.index], point.line)
                    continue
                result = finish(result)
            run.end()
            said = printed.get(id(ats[position]), "")
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


class PointsJob(NamedTuple):
    """What a command computes at each point, as its points_job function makes it (basic.py,
    higher.py) from its config and its program: on this machine, and on each worker of a cluster
    from the same config (cluster/points.py).

    `compute(at)` gives the JSON document of one point. `block`, for a command that computes many
    points at once (diffcore/blocks.py), is (many, document): `many(ats, one)` gives each point's
    result (or ProgramError, or a Lane of a block computed in lanes, whose lanes are then written
    at once: blockwrite.py), computing a point alone with `one(at)`; `document(result)` is a
    result's JSON document. It is used unless --points-engine per-point. `limits` are each
    point's limits; `base_at` the values of --at.
    """
    program: Any
    base_at: dict
    compute: Callable[[dict], dict]
    derivative_keys: tuple
    limits: Any
    block: Optional[tuple] = None


def points_compute(job: PointsJob, config) -> Any:
    """The outcomes.PointsCompute of a job under `config` (its --csv, --strict, --points-engine)."""
    points, strict, derivative_keys = config.points, config.output.strict, job.derivative_keys

    def finished(document: dict) -> Any:
        try:
            return one_document(document)
        except PointError as exc:
            return exc

    def one_document(document: dict) -> tuple[dict, list]:
        if strict and any(w["kind"] == "non-finite" for w in document.get("warnings", ())):
            raise PointError("the result is not finite (--strict): " +
                             "; ".join(w["message"] for w in document["warnings"] if w["kind"] == "non-finite"))
        out = document.get("output_name") or "f"
        return document, (csv_columns(document, derivative_keys, out) if points.as_csv else [])

    def one(at: dict) -> tuple[dict, list]:
        return one_document(job.compute(at))

    compute_block = lanes = None
    if job.block is not None and points.points_engine == "block":
        from autodiff.grammar.source import ProgramError
        many, document = job.block

        def compute_block(ats: list, alone: Callable) -> list:
            results = many(ats, alone)
            if lanes_only(results):
                return results
            return [r if r.__class__ is Lane or isinstance(r, (ProgramError, PointError, tuple))
                    else finished(document(r)) for r in results]

        def write(block: LaneResults, lines: list) -> Optional[tuple]:
            if points.as_csv:
                return csv_rows(block, lambda doc: csv_columns(doc, derivative_keys, doc.get("output_name") or "f"),
                                document)
            texts = json_lines(block, lines, document, dumps)
            return None if texts is None else (None, texts)

        def whole(results: list, lines: list) -> Any:
            if points.as_csv:
                return csv_block(results, lines, lambda doc: csv_columns(doc, derivative_keys,
                                                                         doc.get("output_name") or "f"), document)
            return json_block(results, lines, document, dumps)
        lanes = (write, lambda lane: finished(document(lane.result())), whole)
    filename = job.program.source.filename
    return PointsCompute(one, compute_block, lanes, points.as_csv, job.base_at,
                         lambda error: error_document(error, filename))


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
