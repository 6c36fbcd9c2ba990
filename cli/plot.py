"""`autodiff plot`: a function of one input and its derivatives, in the terminal or as an image.

    autodiff plot samples/sigmoid.expr --wrt x --range -6:6 --order 2 -o sigmoid.png
    autodiff plot -e 'sin(x) * x' --range 0:10

The values come from the engine (Taylor mode, or nested reverse mode where a
primitive has no Taylor rule) through `autodiff.diffcore.views.recorder`. With -o
the picture is drawn by matplotlib, an optional dependency imported only
then; without -o it is drawn in the terminal with braille characters by the
small plotter below, which needs nothing but rich.
"""
from __future__ import annotations

import math
import shutil
import sys

import click
import numpy as np

from autodiff.grammar.source import ProgramError

from .app import command
from .completion import complete_names
from .files import probe, write_atomically
from .inputs import load, parse_at, parse_value
from .options import limit_options, output_options, program_options
from .render import console, dumps
from .report import reported
from .streams import can_encode
from .trace import ViewConfig, color_wanted, strict_status

# Not 'autodiff[plot]': the package index has an unrelated project of that name, and autodiff is
# installed from a clone.
INSTALL_HINT = "pip install matplotlib (or pip install '.[plot]' in your clone of autodiff)"
COLORS = ["bright_cyan", "bright_magenta", "bright_yellow", "bright_green", "bright_red", "bright_blue"]
MARKERS = ["*", "+", "o", "x", "#", "@"]
BRAILLE = 0x2800
# Bit of the braille dot at (column in cell 0..1, row in cell 0..3).
DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


class MissingDependency(ProgramError):
    """An optional dependency a command needs is not installed (exit code 1)."""
    kind = "missing dependency"


# ------------------------------------------------------------------ ticks

def nice_ticks(lo: float, hi: float, count: int = 5) -> tuple[list, float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) inside [lo, hi]."""
    span = hi - lo
    if not math.isfinite(span) or span <= 0:
        return [lo], 1.0
    raw = span / max(1, count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude
    for m in (1, 2, 2.5, 5, 10):
        step = m * magnitude
        if step >= raw:
            break
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    k = 0
    while first + k * step <= hi + step * 1e-9 and k < 100:
        ticks.append(first + k * step)
        k += 1
    return ticks, step


def tick_text(value: float, step: float) -> str:
    if value == 0 or abs(value) < step * 1e-9:
        return "0"
    if abs(value) >= 1e6 or abs(value) < 1e-4:
        return f"{value:.3g}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-12))
    if round(step * 10 ** decimals) % 1 or abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-6:
        decimals += 1
    return f"{value:.{decimals}f}"


# ------------------------------------------------------------------ the terminal plotter

class Canvas:
    """A grid of braille cells for several series: 2 x 4 dots per character cell."""

    def __init__(self, columns: int, rows: int, series: int):
        self.columns, self.rows = columns, rows
        self.bits = np.zeros((series, rows, columns), dtype=np.uint8)

    @property
    def width(self) -> int:
        return 2 * self.columns

    @property
    def height(self) -> int:
        return 4 * self.rows

    def dot(self, s: int, x: int, y: int) -> None:
        """Set dot (x, y) of series s; y counts from the bottom."""
        if 0 <= x < self.width and 0 <= y < self.height:
            top = self.height - 1 - y
            self.bits[s, top // 4, x // 2] |= DOT_BITS[x % 2][top % 4]

    def line(self, s: int, x0: int, y0: int, x1: int, y1: int) -> None:
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        for _ in range(dx - dy + 1):
            self.dot(s, x0, y0)
            if x0 == x1 and y0 == y1:
                break
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy


def draw_series(canvas: Canvas, s: int, xs: np.ndarray, ys: np.ndarray, x_range: tuple, y_range: tuple) -> None:
    """Connect consecutive finite points; a non-finite value is a gap; far-off values are clipped."""
    (x0, x1), (lo, hi) = x_range, y_range
    px = np.rint((xs - x0) / (x1 - x0) * (canvas.width - 1)).astype(int)
    finite = np.isfinite(ys)
    scaled = np.where(finite, (ys - lo) / (hi - lo) * (canvas.height - 1), np.nan)
    inside = finite & (scaled >= -0.5) & (scaled <= canvas.height - 0.5)
    clipped = np.clip(np.nan_to_num(scaled), 0, canvas.height - 1)
    py = np.rint(clipped).astype(int)
    n = len(xs)
    for j in range(n):
        if not finite[j]:
            continue
        if j + 1 < n and finite[j + 1] and (inside[j] or inside[j + 1]):
            canvas.line(s, px[j], py[j], px[j + 1], py[j + 1])
        elif inside[j]:
            canvas.dot(s, px[j], py[j])


# The frame's characters: (tick, rule, corner, axis, tick on the axis), in Unicode and in ASCII.
FRAME = {True: ("┤", "│", "└", "─", "┬"), False: ("+", "|", "+", "-", "+")}


def terminal_plot(samples, width: int, height: int, color: bool, title: str, precision: int = 4,
                  unicode: bool = True) -> list:
    """The plot as a list of rich Text lines (plain text when `color` is False; ASCII only, with a
    marker per series instead of braille, when `unicode` is False)."""
    from rich.text import Text

    from autodiff.diffcore.views.recorder import derivative_label, y_limits

    series = samples.values
    count = series.shape[0]
    x0, x1 = float(samples.xs[0]), float(samples.xs[-1])
    lo, hi = y_limits(series)
    y_ticks, y_step = nice_ticks(lo, hi, max(2, min(6, height // 3 + 1)))
    labels = {t: tick_text(t, y_step) for t in y_ticks}
    label_width = max([len(v) for v in labels.values()] + [1])
    columns = max(10, width - label_width - 2)
    rows = max(3, height)
    canvas = Canvas(columns, rows, count)
    # Draw the highest derivative first so that f ends up on top where series cross.
    for s in range(count):
        draw_series(canvas, s, samples.xs, series[s], (x0, x1), (lo, hi))
    use_braille = unicode and (color or count == 1)
    tick, rule, corner, axis_line, axis_tick = FRAME[unicode]

    def row_of(value: float) -> int:
        return int(round((hi - value) / (hi - lo) * rows - 0.5))

    tick_rows = {}
    for t in y_ticks:
        r = row_of(t)
        if 0 <= r < rows and r not in tick_rows:
            tick_rows[r] = labels[t]
    zero_row = row_of(0.0) if lo < 0 < hi else None

    lines = [Text(title, style="bold" if color else "")]
    lines[0].append(f"  ({samples.output_name or 'f'} against {samples.wrt}, {samples.method} mode, "
                    f"{len(samples.xs)} points)", style="dim" if color else "")
    for r in range(rows):
        line = Text()
        label = tick_rows.get(r)
        line.append((label or "").rjust(label_width) + (f" {tick}" if label else f" {rule}"),
                    style="dim" if color else "")
        for c in range(columns):
            cell = canvas.bits[:, r, c]
            present = np.nonzero(cell)[0]
            if present.size == 0:
                if r == zero_row:
                    line.append("┄" if use_braille else "-", style="dim" if color else "")
                else:
                    line.append(" ")
                continue
            top = int(present[0])          # the lowest order (f) wins the cell's colour
            if use_braille:
                bits = int(np.bitwise_or.reduce(cell))
                line.append(chr(BRAILLE + bits), style=COLORS[top % len(COLORS)] if color else "")
            else:
                line.append(MARKERS[top % len(MARKERS)])
        lines.append(line)
    # The x axis, its ticks and their labels.
    x_ticks, x_step = nice_ticks(x0, x1, max(2, min(7, columns // 12)))
    axis = [axis_line] * columns
    label_row = [" "] * columns
    for t in x_ticks:
        c = int(round((t - x0) / (x1 - x0) * (columns - 1)))
        if not 0 <= c < columns:
            continue
        axis[c] = axis_tick
        text = tick_text(t, x_step)
        start = min(max(0, c - len(text) // 2), columns - len(text))
        if all(ch == " " for ch in label_row[max(0, start - 1):start + len(text) + 1]):
            label_row[start:start + len(text)] = list(text)
    lines.append(Text(" " * label_width + f" {corner}" + "".join(axis), style="dim" if color else ""))
    lines.append(Text(" " * (label_width + 2) + "".join(label_row).rstrip()))
    # The legend, and a note on the method and the gaps.
    legend = Text(" " * (label_width + 2))
    for s in range(count):
        mark = "━━ " if use_braille else f"{MARKERS[s % len(MARKERS)]} "
        legend.append(mark, style=COLORS[s % len(COLORS)] if color else "")
        legend.append(derivative_label(s) + ("   " if s < count - 1 else ""))
    lines.append(legend)
    for note in gap_notes(samples):
        lines.append(Text(" " * (label_width + 2) + note, style="dim" if color else ""))
    for line in lines:
        line.truncate(width, overflow="ellipsis")
    return lines


def gap_notes(samples) -> list:
    from autodiff.diffcore.views.recorder import derivative_label
    parts = []
    points = samples.values.shape[1]
    for k in range(samples.values.shape[0]):
        missing = int(np.sum(~np.isfinite(samples.values[k])))
        if missing:
            parts.append(f"{derivative_label(k)} undefined at {missing} of {points} points")
    if samples.errors:
        parts.append(f"the program failed at {samples.errors} point{'s' if samples.errors > 1 else ''} "
                     f"({samples.first_error.message})")
    return [f"gaps: {part}" for part in parts]


# ------------------------------------------------------------------ images with matplotlib

def write_image(samples, path: str, title: str) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependency("writing an image (-o) needs matplotlib, which is not installed",
                                hint=f"{INSTALL_HINT}; or leave out -o to plot in the terminal") from None
    from autodiff.diffcore.views.recorder import derivative_label, y_limits

    fig = Figure(figsize=(8, 5), dpi=150)
    canvas = FigureCanvasAgg(fig)
    formats = canvas.get_supported_filetypes()
    extension = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if extension not in formats:
        raise click.UsageError(f"-o {path}: unknown image format '{extension or '(none)'}'; use one of "
                               + ", ".join(sorted(formats)) + " (e.g. plot.png or plot.svg)")
    ax = fig.add_subplot(1, 1, 1)
    styles = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))]
    for k in range(samples.values.shape[0]):
        ax.plot(samples.xs, samples.values[k], label=derivative_label(k), linewidth=2 if k == 0 else 1.6,
                linestyle=styles[k % len(styles)])
    ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
    ax.set_xlim(samples.xs[0], samples.xs[-1])
    ax.set_ylim(*y_limits(samples.values))
    ax.set_xlabel(samples.wrt)
    out = samples.output_name or "f"
    ax.set_ylabel(f"{out} = f({samples.wrt}) and derivatives" if out != "f" else f"f({samples.wrt}) and derivatives")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    # No creation dates in the file, so that the same plot gives the same bytes.
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(extension)

    def save(target: str) -> None:
        with matplotlib.rc_context({"svg.hashsalt": "autodiff"}):
            fig.savefig(target, format=extension, metadata=metadata)
    # A plot killed half-way leaves the old image whole. (A path that cannot be written at all was
    # refused before the work, by probe(); an error here, a full disk, is an I/O error: exit 1.)
    write_atomically(path, save, "-o")


# ------------------------------------------------------------------ the command

def parse_range(text: str) -> tuple[float, float]:
    left, sep, right = text.partition(":")
    if not sep or not left.strip() or not right.strip():
        raise click.UsageError(f"--range {text!r}: expected A:B, e.g. --range -5:5 or --range 0:2*pi")
    lo = parse_value(left, "--range start")
    hi = parse_value(right, "--range end")
    if np.ndim(lo) or np.ndim(hi):
        raise click.UsageError(f"--range {text!r}: both ends must be numbers")
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        raise click.UsageError(f"--range {text!r}: needs finite A < B")
    if not math.isfinite(hi - lo):
        # The samples and the axes are computed from B - A, which must be a float64 too.
        raise click.UsageError(f"--range {text!r}: too wide (B - A overflows a float64); "
                               "each end at most about 8.9e307 in size")
    return lo, hi


class PlotConfig(ViewConfig):
    """`autodiff plot`: the program, --wrt, --range, --order, --samples, -o (`image`), the
    terminal plot's --width and --height, limits and output."""
    __slots__ = ("program", "limits", "output", "wrt", "span", "order", "samples", "image", "width", "height")


@command("plot", PlotConfig,
         program_options,
         click.option("--wrt", "wrt", metavar="NAME", shell_complete=complete_names,
                      help="The input to vary (needed when the program has several); the others keep their --at "
                           "or default values."),
         click.option("--range", "span", default="-5:5", show_default=True, metavar="A:B",
                      help="The interval of the input (each end a constant expression: --range=-pi:pi)."),
         click.option("--order", type=click.IntRange(0, 10), default=1, show_default=True,
                      help="Plot the derivatives up to this order (0: the function alone)."),
         click.option("--samples", "samples", type=click.IntRange(2, 100_000), default=200, show_default=True,
                      help="How many evenly spaced points to evaluate (not --points, which elsewhere names a "
                           "file)."),
         click.option("-o", "--output", "image", metavar="FILE",
                      help="Write an image (.png, .svg, .pdf) with matplotlib instead of drawing in the terminal."),
         click.option("--width", type=click.IntRange(30, 1000), default=None,
                      help="Terminal plot: width in columns (default: the terminal's)."),
         click.option("--height", type=click.IntRange(5, 500), default=20, show_default=True,
                      help="Terminal plot: height of the plotting area in rows."),
         limit_options, output_options)
def plot_command(config: PlotConfig) -> int:
    """Plot a program's output and its derivatives against one scalar input.

    Each point is computed by the engine: all orders at once by Taylor mode,
    or nested reverse mode where a primitive has no Taylor rule. Points where
    the function or a derivative is not finite are left as gaps.
    """
    from autodiff.diffcore.views.recorder import sample_derivatives
    lo, hi = parse_range(config.span)
    image, order, samples_count = config.image, config.order, config.samples
    if image is not None:
        probe(image, "-o")                      # before the work, and before anything is printed
    program = load(config.program)
    limits = config.limits.limits()
    values = parse_at(config.program.at, limits)
    with reported(program):
        samples = sample_derivatives(program, values, config.wrt, lo, hi, samples_count, order,
                                     of=config.program.of, limits=limits)
    file, expr = config.program.file, config.program.expr
    title = program.source.filename if file is not None else (
        f"{expr.strip()}" if expr is not None and len(expr) <= 60 else program.source.filename)
    status = strict_status(config.output, samples.values)      # with --strict a gap is an error
    if image is not None:                   # first: a failure to write it leaves stdout empty
        write_image(samples, image, title)
    if config.output.as_json:
        click.echo(dumps({"program": program.source.filename, "wrt": samples.wrt,
                          "output_name": samples.output_name, "order": order, "method": samples.method,
                          "range": [lo, hi], "points": samples_count, "x": samples.xs,
                          "derivatives": {str(k): samples.values[k] for k in range(order + 1)}}))
    if image is not None:
        click.echo(f"wrote {image}: {', '.join(_labels(order))} of {program.source.filename} for "
                   f"{samples.wrt} in [{lo:g}, {hi:g}] ({samples_count} points, {samples.method} mode)", err=True)
        return status
    if config.output.as_json:
        return status
    columns = config.width or shutil.get_terminal_size((80, 24)).columns
    color = color_wanted()
    lines = terminal_plot(samples, columns, config.height, color, title, config.output.precision,
                          unicode=can_encode(sys.stdout))
    if color:
        out = console(width=max(columns, 30))
        for line in lines:
            out.print(line, no_wrap=True, overflow="crop")
    else:
        click.echo("\n".join(line.plain.rstrip() for line in lines))
    return status


def _labels(order: int) -> list:
    from autodiff.diffcore.views.recorder import derivative_label
    return [derivative_label(k) for k in range(order + 1)]


__all__ = ["plot_command", "terminal_plot", "write_image", "nice_ticks", "MissingDependency"]
