"""The command line: argument parsing and rendering; all work is delegated to diffcore.

The top floor: may import click, rich, diffcore and grammar; nothing imports it.
"""
