"""`--points ... --scheduler ADDRESS`: the points computed by a Dask cluster's workers (docs/scale.md).

Imported only with --scheduler; it opens the client through cluster.py. The client lists the
files and their sizes and nothing more: workers probe each file (its format and CSV header) and
scan each partition (partitions.py) in a first pass of small tasks, then each partition is a
task that reads its bytes, computes its points with the one-machine code (outcomes.py) under a
program compiled once per worker (ProgramCache), and writes them as one machine would:

- to standard output, handed back and written in order, at most `2 x workers` partitions in flight;
- or, with -o DIR, to a file per partition written by the worker (first under a hidden
  temporary name, renamed by the client in order, so that a partition after an --on-error stop,
  or a task computed twice after a worker died, leaves no file): part-00001.jsonl, ...; with
  CSV, the header alone in part-00000.csv.

What the points print and the error reports go to the client's stderr in order. Ctrl-C or
SIGTERM cancels every task, and the client and a local cluster are shut down (cluster.py).
"""
from __future__ import annotations

import hashlib
import importlib
import io
import os
import pickle
import sys
import uuid
from collections import deque
from typing import Any, NamedTuple, Optional

import click
from distributed import WorkerPlugin

from ..points.partitions import Partition, points_files, probe_file, read_partition, scan_partition
from ..points.reading import BLOCK_POINTS, CsvWriter, Output

# Bytes of the points files per partition, unless --partition-size says: at most PARTITION_BYTES,
# for a partition's results are held in memory (a few times its size) until written, with twice
# as many partitions in flight as workers; and about PARTITIONS_PER_WORKER partitions for each
# worker, so that a small job keeps every worker busy and a slow worker holds up little; but not
# below MIN_PARTITION_BYTES, where the cost of a task would exceed its work.
PARTITION_BYTES = 4 << 20
MIN_PARTITION_BYTES = 64 << 10
PARTITIONS_PER_WORKER = 4
# The most partitions a run may cut its files into: each costs a task of the first pass and one
# of the second (milliseconds each through the scheduler), so a --partition-size far below the
# files' size would look like a hang; past this it is refused, with the size that would do.
MAX_PARTITIONS = 100_000
PLUGIN = "autodiff-programs"


class JobSpec(NamedTuple):
    """What a worker needs to make the command's PointsJob again: the command's points_job
    function ("module:name") and its arguments after config and program, the config, and the
    program's text and name (the worker does not read the program file)."""
    recipe: tuple
    config: Any
    text: str
    filename: str


class ProgramCache(WorkerPlugin):
    """On each worker: the compiled program and its PointsCompute (outcomes.py) of each job, made
    once by the first partition that needs it. A few jobs are kept (one run has one)."""

    name = PLUGIN
    KEEP = 4

    def __init__(self):
        self.made: dict = {}

    def setup(self, worker) -> None:
        self.made = {}

    def computer(self, key: str, spec: JobSpec) -> tuple:
        made = self.made.get(key)
        if made is None:
            from autodiff.diffcore.program import Program
            from autodiff.grammar.source import Source

            from ..points.outcomes import points_compute
            module, _, name = spec.recipe[0].partition(":")
            program = Program(Source(spec.text, spec.filename))
            job = getattr(importlib.import_module(module), name)(spec.config, program, *spec.recipe[1])
            if len(self.made) >= self.KEEP:
                self.made.clear()
            made = self.made[key] = (points_compute(job, spec.config), job.limits)
        return made


class _Stream:
    """One of a Transcript's two streams."""

    def __init__(self, transcript: list, error: bool):
        self.transcript, self.error = transcript, error

    def write(self, text: str) -> None:
        if text:
            if self.transcript and self.transcript[-1][0] == self.error:
                self.transcript[-1] = (self.error, self.transcript[-1][1] + text)
            else:
                self.transcript.append((self.error, text))

    def flush(self) -> None:
        pass


class _PartCsvWriter(CsvWriter):
    """A partition's CSV rows: its header line is the client's to write, once for the whole run.
    `header` is the run's, when the client knows it (a partition computed again: see run_on_cluster)."""

    def __init__(self, stream, header: Optional[list]):
        super().__init__(stream)
        self.header = header

    def _check(self, names: list) -> None:
        if self.header is None:
            self.header = names
        else:
            super()._check(names)


class Done(NamedTuple):
    """A computed partition: what it wrote to stdout and stderr in order, as (is stderr, text)
    (stderr only when its results went to `written`, a file), its failures, the line of the
    failure that stopped it (--on-error stop) or None, and its CSV columns."""
    transcript: list
    failures: int
    stop: Optional[int]
    header: Optional[list]
    written: Optional[str]


def compute_partition(key: str, spec: JobSpec, part: Partition, tagged: bool, header: Optional[list],
                      out_dir: Optional[str], run: str, index: int) -> Done:
    """A task: the points of `part`, computed and written as one machine does (points.run_points)."""
    import itertools

    from distributed import get_worker

    from autodiff.diffcore.engine.context import RunContext

    from ..points.outcomes import file_tagger, write_outcomes
    from ..points.reading import _flat
    computer, limits = get_worker().plugins[PLUGIN].computer(key, spec)
    points = spec.config.points
    transcript: list = []
    written = None
    handle = None
    if out_dir is not None:
        written = os.path.join(out_dir, f".part-{index:05d}-{run}-{uuid.uuid4().hex[:8]}.tmp")
        handle = open(written, "w", encoding="utf-8", newline="")
    try:
        out = Output(handle if handle is not None else _Stream(transcript, False), live=False)
        writer = _PartCsvWriter(out, header) if points.as_csv else None
        tag = file_tagger(part.path, points.as_csv) if tagged else None
        with RunContext(limits.replace(timeout=None)):
            read = read_partition(part)
            if computer.compute_block is not None:
                blocks = iter(lambda: list(itertools.islice(read, BLOCK_POINTS)), [])
                outcomes = _flat(map(computer.outcomes_of_block, blocks))
            else:
                outcomes = map(computer.outcome_in_worker, read)
            failures, stop = write_outcomes(outcomes, out, writer, part.path, points.on_error,
                                            _Stream(transcript, True), tag)
            out.flush()
    finally:
        if handle is not None:
            handle.close()
    return Done(transcript, failures, stop, writer.header if writer is not None else None, written)


def _regular_file(path: str) -> int:
    """The size of a points file, which must be a regular file (a pipe cannot be cut)."""
    import stat
    try:
        status = os.stat(path)
    except OSError as exc:
        raise click.UsageError(f"--points {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(status.st_mode):
        raise click.UsageError(f"--points {path}: not a regular file; --scheduler cuts files into partitions")
    return status.st_size


def _output_dir(path: str) -> None:
    try:
        os.makedirs(path, exist_ok=True)
        taken = [n for n in os.listdir(path) if n.startswith("part-")]
    except OSError as exc:
        raise click.UsageError(f"-o {path}: {exc.strerror or exc}") from None
    if taken:
        raise click.UsageError(f"-o {path}: the directory already holds results ({sorted(taken)[0]}, ...); "
                               "give an empty or new directory")


def run_on_cluster(job, config, recipe: tuple) -> int:
    """The points of `config.points` on its scheduler's cluster; the exit code, as run_points's."""
    from .connect import dask_client
    from ..workers import sigterm_raises
    points = config.points
    files = points_files(points.path)
    sizes = [_regular_file(f) for f in files]
    if points.partition_size is not None:       # before a cluster starts or is reached
        _check_partition_count(points.partition_size, sizes)
    if points.output_dir is not None:
        _output_dir(points.output_dir)
    spec = JobSpec(recipe, config, job.program.source.text, job.program.source.filename)
    key = hashlib.sha256(pickle.dumps(spec)).hexdigest()
    run = uuid.uuid4().hex[:12]
    try:
        with sigterm_raises(), dask_client(points.scheduler) as client:
            client.register_plugin(ProgramCache(), name=PLUGIN)
            return _Run(client, spec, key, files, sizes, run).go()
    finally:
        if points.output_dir is not None:       # what a cancelled or repeated task left
            for name in os.listdir(points.output_dir):
                if name.startswith(".part-") and f"-{run}-" in name:
                    try:
                        os.remove(os.path.join(points.output_dir, name))
                    except OSError:
                        pass


def _check_partition_count(size: int, sizes: list) -> None:
    tasks = sum(max(1, -(-length // size)) for length in sizes)
    if tasks > MAX_PARTITIONS:
        fitting = -(-sum(sizes) // MAX_PARTITIONS)
        raise click.UsageError(f"--partition-size {size:,} bytes cuts the points files into {tasks:,} partitions; "
                               f"at most {MAX_PARTITIONS:,}: give at least {fitting:,} bytes (or leave it out)")


class _Run:
    """One run on the cluster: the first pass, then the partitions in order."""

    def __init__(self, client, spec: JobSpec, key: str, files: list, sizes: list, run: str):
        self.client, self.spec, self.key, self.files, self.sizes, self.run = client, spec, key, files, sizes, run
        self.points = spec.config.points
        # The tasks not yet taken: a future keeps its result in the cluster's memory, so each is
        # dropped once taken; these are what an interrupt or a stop cancels.
        self.futures: set = set()
        self.workers = sum(client.nthreads().values()) or 1     # threads, in fact: one task each
        self.width = 5          # digits of the partition files' numbers: set once they are counted

    def submit(self, *args) -> Any:
        future = self.client.submit(*args, pure=False)
        self.futures.add(future)
        return future

    def take(self, futures: list) -> list:
        """The results of `futures`, which are then forgotten."""
        results = self.client.gather(futures)
        self.futures.difference_update(futures)
        return results

    def cancel(self) -> None:
        self.client.cancel(list(self.futures), force=True)

    def go(self) -> int:
        from ..report import Terminated
        try:
            return self._go()
        except (KeyboardInterrupt, Terminated):
            self.cancel()
            raise

    def partitions(self) -> list:
        """Each file's probe and its partitions' scans (the first pass), then the partitions to
        compute: (file index, Partition) or (file index, the header's error)."""
        size = self.points.partition_size or min(PARTITION_BYTES, max(
            MIN_PARTITION_BYTES, -(-sum(self.sizes) // (PARTITIONS_PER_WORKER * self.workers))))
        probes = [self.submit(probe_file, f, self.points.format) for f in self.files]
        probed = self.take(probes)
        scans = []
        for path, length, probe in zip(self.files, self.sizes, probed):
            count = max(1, -(-length // size))
            scans.append([self.submit(scan_partition, path, k * size, min((k + 1) * size, length),
                                      probe.fmt == "csv") for k in range(count)])
        parts: list = []
        for n, (path, probe, futures) in enumerate(zip(self.files, probed, scans)):
            if probe.error is not None:
                parts.append((n, probe.error))
                continue
            line = 1
            for scan in self.take(futures):
                if scan.quote_line is not None and (scan.long_line is None or scan.quote_line < scan.long_line):
                    raise click.UsageError(
                        f"{path}:{line + scan.quote_line}: a quoted CSV cell goes on past the end of its line; "
                        "--scheduler cuts files at line ends, so write each point on one line (or use JSON Lines)")
                if scan.finish > scan.begin or scan.begin == 0:
                    parts.append((n, Partition(path, probe.fmt, scan.begin, scan.finish, line, probe.data_start,
                                               probe.header_lines)))
                if scan.long_line is not None:
                    break               # the file is read no further, as on one machine
                line += scan.newlines
        return parts

    def _go(self) -> int:
        from distributed import KilledWorker

        from ..points.outcomes import stopped
        parts = self.partitions()
        self.width = max(5, len(str(len(parts))))
        tagged = len(self.files) > 1
        out_dir = self.points.output_dir
        out = Output(sys.stdout, live=False)
        header: Optional[list] = None
        failures = 0
        pending: deque = deque()
        todo = iter(enumerate(parts, start=1))

        def start(header: Optional[list] = None, again: Optional[tuple] = None) -> Any:
            """The next partition's task (or `again`'s, knowing the run's CSV columns), queued."""
            index, part = again or next(todo, (None, None))
            if part is None:
                return
            future = None if isinstance(part[1], str) else self.submit(
                compute_partition, self.key, self.spec, part[1], tagged, header, out_dir, self.run, index)
            if again is None:
                pending.append((index, part, future))
            return future
        try:
            for _ in range(2 * self.workers):       # the partitions in flight
                start()
            while pending:
                index, part, future = pending.popleft()
                start()
                if future is None:          # a file whose header cannot be read: as on one machine
                    out.flush()
                    raise click.UsageError(part[1])
                done = self.take([future])[0]
                if header is not None and done.header is not None and done.header != header:
                    # Its first point's columns are not the run's: again, knowing the run's columns,
                    # so that the points that do not fit them fail as they would on one machine.
                    done = self.take([start(header, (index, part))])[0]
                if header is None and done.header is not None:
                    header = done.header
                    self._header(out, header)
                self._write(out, done, index)
                failures += done.failures
                if done.stop is not None:
                    out.flush()
                    stopped(done.stop, sys.stderr)
                    self.cancel()
                    break
        except KilledWorker as exc:
            out.flush()
            print(f"autodiff: the cluster's workers died computing the points ({exc}); the results stop here.",
                  file=sys.stderr)
            self.cancel()
            return 1
        finally:
            out.flush()
        return 1 if failures else 0

    def _header(self, out: Output, header: list) -> None:
        text = io.StringIO()
        CsvWriter(text)._check(header)
        if self.points.output_dir is None:
            out.write(text.getvalue())
            return
        with open(os.path.join(self.points.output_dir, f"part-{0:0{self.width}d}.csv"), "w", encoding="utf-8", newline="") as f:
            f.write(text.getvalue())

    def _write(self, out: Output, done: Done, index: int) -> None:
        for error, text in done.transcript:
            if error:
                out.flush()
                sys.stderr.write(text)
            else:
                out.write(text)
        if done.written is not None:
            extension = "csv" if self.points.as_csv else "jsonl"
            os.replace(done.written, os.path.join(self.points.output_dir, f"part-{index:0{self.width}d}.{extension}"))
