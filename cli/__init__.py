"""The command line: argument parsing (click) and rendering (plain text, JSON, rich); all work
is delegated to diffcore.

    main.py      the entry point: exit codes, interruptions, internal errors
    app.py       the command group; which module defines each command, loaded only to run it
    config.py    what a command was asked, as one record per command (click's values -> config)
    options.py   the options several commands share, declared once for click
    inputs.py    option values -> what diffcore takes (the program, --at values, names)
    basic.py     eval, grad          higher.py   hessian, jacobian, jvp, hvp, grad --order N
    check.py     check               trace.py, graph.py, plot.py   the views
    points/      --points: reading (reading.py, columns.py), outcomes (outcomes.py), writing
                 (blockwrite.py), running a file or a glob (run.py); workers.py, worker processes
    cluster/     --scheduler: check and --points on a Dask cluster (connect.py reaches Dask)
    points_mode.py   a command's --points: this machine (points/) or a cluster (cluster/)
    render.py, layout.py, pager.py, streams.py, report.py, files.py   output, errors, report files

A new command: a module with its config class (config.CommandConfig) and a body declared with
app.command(name, Config, *options), and its entry in app.COMMANDS.

The top floor: may import click, rich, diffcore and grammar; nothing imports it.
"""
