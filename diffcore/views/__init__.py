"""The recorder behind the views (`trace`, `graph`, `plot`): what one run computed, kept as plain
data (the Wengert list, the graph, derivative samples) for the command line to render.

May import the face of diffcore and everything below it; never the command line.
"""
