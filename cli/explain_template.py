"""The fixed parts of the explain page: its HTML skeleton, its style and its script.

Kept apart from explain_page.py (which fills them in) so that each reads as what it is.
The script uses no library and touches no network; it only toggles classes:

    .current      the step's tape entry, in the graph, the list and the source
    .future       forward pass: what is not computed yet (dimmed)
    .hidden-b     an adjoint the backward sweep has not reached yet (hidden)
    .active       the edges into the current node (its operands; backward: where it sends)
    body.overview before the first step: everything shown at once (also what prints)
"""

STYLE = r"""
:root { --ink:#1d2330; --dim:#6b7280; --line:#d5d9e0; --hl:#ffe58a; --fw:#1f5fbf; --bw:#b03030; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: #fbfbfd; }
header { position: sticky; top: 0; z-index: 5; background: #fff; border-bottom: 1px solid var(--line);
         padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: center; }
header h1 { font-size: 1.05rem; margin: 0 1rem 0 0; font-family: ui-monospace, Menlo, Consolas, monospace; }
.controls button { font: inherit; padding: .2rem .6rem; border: 1px solid #b8bfcc; background: #f3f5f9;
                   border-radius: 5px; cursor: pointer; }
.controls button:hover { background: #e6eaf2; }
#counter { font-variant-numeric: tabular-nums; color: var(--dim); min-width: 6.5em; display: inline-block; }
#status { flex-basis: 100%; display: flex; gap: .8rem; align-items: baseline; min-height: 1.6em; }
#step-title { font-weight: 600; white-space: nowrap; }
body.phase-forward #step-title { color: var(--fw); }
body.phase-backward #step-title { color: var(--bw); }
#step-text { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13.5px; }
main { padding: 1rem; display: grid; grid-template-columns: minmax(320px, 1fr) minmax(360px, 1.5fr); gap: 1rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .6rem .9rem; min-width: 0; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: .95rem; margin: .1rem 0 .5rem; color: #394150; }
.dim, .note { color: var(--dim); font-size: 13px; }
#source { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.ln { display: flex; gap: .6rem; align-items: baseline; padding: 0 .3rem; border-left: 3px solid transparent;
      white-space: pre; }
.ln .no { color: #a0a6b0; min-width: 2ch; text-align: right; user-select: none; }
.ln.ran { border-left-color: #4a9a5a; }
.ln.skipped { color: #a0a6b0; text-decoration: line-through; text-decoration-color: #c9ccd2; }
.ln.current { background: var(--hl); }
.ln mark { background: #ffc94a; border-radius: 2px; }
.badge { font: 11.5px system-ui, sans-serif; padding: 0 .4rem; border-radius: 9px; white-space: nowrap; }
.dec-true { background: #d9f2dd; color: #1c6b2a; }
.dec-false { background: #fbe0e0; color: #8a1f1f; }
.dec-loop { background: #e2e8f8; color: #27408b; }
.legend-src { font-size: 12px; color: var(--dim); margin-top: .4rem; }
.legend-src span { padding: 0 .3rem; border-left: 3px solid #4a9a5a; }
#graph-box { overflow: auto; max-height: 78vh; }
#graph text { font: 12px ui-monospace, Menlo, Consolas, monospace; text-anchor: middle; fill: var(--ink); }
#graph .node rect { fill: #dde7f7; stroke: #5b7db8; stroke-width: 1.2; }
#graph .node.input rect { fill: #d3ecd3; stroke: #4a8a4a; }
#graph .node.constant rect { fill: #f2f2f2; stroke: #bbb; }
#graph .node.constant text { fill: #555; }
#graph .node.detached rect { fill: #fff4e5; stroke: #c77d1a; stroke-dasharray: 4 3; }
#graph .node.output rect { fill: #f7e1c1; stroke: #b7862e; }
#graph .node.group rect { stroke-width: 2.5; }
#graph .node.unused rect { stroke-dasharray: 5 3; fill: #f6f6f6; stroke: #aaa; }
#graph .node.unused text { fill: #888; }
#graph .node text.head { font-weight: 600; }
#graph .node text.adj { fill: var(--bw); font-weight: 600; }
#graph .node text.note { fill: #999; font-style: italic; }
#graph .node.current rect { fill: var(--hl); stroke: #c99a00; stroke-width: 3; }
#graph .edge path { fill: none; stroke: #888; stroke-width: 1.3; }
#graph .edge.unused path { stroke-dasharray: 5 3; stroke: #bbb; }
#graph .edge.active path { stroke: var(--fw); stroke-width: 2.6; }
body.phase-backward #graph .edge.active path { stroke: var(--bw); }
#graph .edge text { text-anchor: start; font-size: 12px; }
#graph .edge text.contrib { fill: var(--bw); font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
#graph .cut path { stroke: #c77d1a; stroke-width: 1.6; stroke-dasharray: 2 4; fill: none; }
#graph .cut text { fill: #a05a00; font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.future { opacity: .18; }
.hidden-b { visibility: hidden; }
table { border-collapse: collapse; width: 100%; font: 13px ui-monospace, Menlo, Consolas, monospace; }
th, td { text-align: left; padding: .15rem .5rem; border-bottom: 1px solid #eceef2; vertical-align: top; }
th { font: 600 12.5px system-ui, sans-serif; color: #394150; }
th.bcol, td.bcol { background: #fcf4f4; }
td.bcol { color: var(--bw); }
td.id, td.src { color: var(--dim); }
td.name { color: #1d6b74; font-weight: 600; }
tr.unused td { color: #9aa0a8; }
tr.output td.name::after { content: " (output)"; color: var(--dim); font-weight: 400; }
tr.current td { background: var(--hl); }
#plot text { font: 11px system-ui, sans-serif; fill: var(--dim); }
#plot .frame { fill: none; stroke: #ccc; }
#plot .grid { stroke: #eee; }
#plot .series { fill: none; stroke-width: 2; }
#plot .here { stroke: #333; stroke-dasharray: 4 3; }
.legend .key { margin-right: 1rem; }
.swatch { display: inline-block; width: 1.4em; height: .25em; vertical-align: middle; margin-right: .3em; }
footer { padding: 0 1rem 1rem; color: var(--dim); font-size: 12px; }
kbd { border: 1px solid #ccc; border-bottom-width: 2px; border-radius: 3px; padding: 0 .3em; font-size: 11px; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
@media print {
  header { position: static; }
  .controls, #status, footer kbd { display: none; }
  .future { opacity: 1; }
  .hidden-b { visibility: visible; }
  .current, tr.current td, .ln.current { background: none !important; }
  main { display: block; }
  section { break-inside: avoid; margin-bottom: .8rem; }
  #graph-box { max-height: none; overflow: visible; }
}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("lesson-data").textContent);
  var steps = D.steps, current = -1;
  var $ = function (id) { return document.getElementById(id); };
  var all = function (sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); };
  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function markSource(step) {
    all(".ln.current").forEach(function (ln) {
      ln.classList.remove("current");
      ln.querySelector("code").innerHTML = escapeText(ln.dataset.text) || " ";
    });
    if (!step || step.line === null) return null;
    var ln = $("L" + step.line);
    if (!ln) return null;
    ln.classList.add("current");
    var text = ln.dataset.text;
    if (step.end_line === step.line && step.col >= 1 && step.end_col > step.col) {
      var a = step.col - 1, b = step.end_col - 1;
      ln.querySelector("code").innerHTML = escapeText(text.slice(0, a)) + "<mark>" +
        escapeText(text.slice(a, b)) + "</mark>" + escapeText(text.slice(b));
    }
    return ln;
  }
  function show(k) {
    current = Math.max(-1, Math.min(steps.length - 1, k));
    var step = current >= 0 ? steps[current] : null;
    var forward = step && step.phase === "forward";
    document.body.classList.toggle("overview", !step);
    document.body.classList.toggle("phase-forward", !!forward);
    document.body.classList.toggle("phase-backward", !!step && !forward);
    all("[data-f]").forEach(function (el) {
      el.classList.toggle("future", !!forward && Number(el.dataset.f) > current);
    });
    all("[data-b]").forEach(function (el) {
      el.classList.toggle("hidden-b", !!step && (forward || Number(el.dataset.b) > current));
    });
    all(".current").forEach(function (el) { if (!el.classList.contains("ln")) el.classList.remove("current"); });
    all(".edge.active").forEach(function (el) { el.classList.remove("active"); });
    var ln = markSource(step);
    if (!step) {
      $("step-title").textContent = "Overview";
      $("step-text").textContent = "every value and adjoint at once; press \u2192 to walk through the forward pass, then the backward sweep";
      $("counter").textContent = "0 / " + steps.length;
      return;
    }
    var node = $("n-" + step.node), row = $("r" + step.entry);
    if (node) node.classList.add("current");
    if (row) row.classList.add("current");
    all('.edge[data-dst="' + step.node + '"]').forEach(function (el) { el.classList.add("active"); });
    $("step-title").textContent = step.title;
    $("step-text").textContent = step.text;
    $("counter").textContent = (current + 1) + " / " + steps.length;
    // Keep the current node in view inside the graph's own scroll box (the page itself stays put).
    var box = $("graph-box");
    if (node && box) {
      var r = node.getBoundingClientRect(), b = box.getBoundingClientRect();
      if (r.top < b.top || r.bottom > b.bottom) box.scrollTop += (r.top + r.bottom) / 2 - (b.top + b.bottom) / 2;
      if (r.left < b.left || r.right > b.right) box.scrollLeft += (r.left + r.right) / 2 - (b.left + b.right) / 2;
    }
  }
  $("first").addEventListener("click", function () { show(0); });
  $("prev").addEventListener("click", function () { show(current - 1); });
  $("next").addEventListener("click", function () { show(current + 1); });
  $("last").addEventListener("click", function () { show(steps.length - 1); });
  $("overview").addEventListener("click", function () { show(-1); });
  $("backward").addEventListener("click", function () { show(D.forward); });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var moves = {ArrowRight: current + 1, ArrowDown: current + 1, ArrowLeft: current - 1, ArrowUp: current - 1,
                 Home: 0, End: steps.length - 1, Escape: -1};
    if (event.key in moves) { event.preventDefault(); show(moves[event.key]); }
  });
  window.autodiffLesson = {show: show, current: function () { return current; }, steps: steps};
  // page.html#step=7 opens at step 7 (a link for a class, or a screenshot of one step)
  var wanted = /step=(\d+)/.exec(window.location.hash);
  show(wanted ? Number(wanted[1]) - 1 : -1);
})();
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="autodiff explain">
<link rel="icon" href="data:,">
<title>autodiff explain: {title}</title>
<style>{style}</style>
</head>
<body class="overview">
<header>
  <h1>{title}</h1>
  <span class="dim">inputs: {inputs} &nbsp;·&nbsp; output: {output}</span>
  <span class="controls">
    <button id="overview" title="everything at once (Esc)">overview</button>
    <button id="first" title="first step (Home)">|◀</button>
    <button id="prev" title="previous step (←)">◀</button>
    <button id="next" title="next step (→)">▶</button>
    <button id="last" title="last step (End)">▶|</button>
    <button id="backward" title="jump to the backward sweep">backward ↓</button>
    <span id="counter">0 / {total}</span>
  </span>
  <div id="status"><span id="step-title">Overview</span><span id="step-text"></span></div>
</header>
<main>
<section id="source-section"><h2>Source</h2>
<div id="source">
{source}
</div>
<p class="legend-src"><span>a green bar: the line ran</span> &nbsp; struck through: it did not;
badges say what each <code>if</code>/<code>while</code> condition was.</p>
</section>
<section id="graph-section"><h2>Computational graph</h2>
{collapsed}
<div id="graph-box">
{graph}
</div>
<p class="note">Nodes: inputs (green), constants (grey), operations (blue), the output (orange), each with its
forward value; red: the adjoint ∂output/∂node and, on each edge, the contribution sent back along it (a value
used twice receives two contributions, which add up). A dotted orange line is a <code>detach</code>: the value
crosses it, its gradient does not.</p>
</section>
<section id="wengert-section" class="wide"><h2>Wengert list: forward values and adjoints</h2>
{wengert}
</section>
<section id="gradients-section"><h2>Gradients</h2>
{gradients}
</section>
{plot}
</main>
<footer>Keys: <kbd>→</kbd> next step, <kbd>←</kbd> previous, <kbd>Home</kbd> first, <kbd>End</kbd> last,
<kbd>Esc</kbd> overview. Made by <code>autodiff explain</code>; this page needs no network.</footer>
<script type="application/json" id="lesson-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""
