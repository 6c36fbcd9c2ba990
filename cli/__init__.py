"""The command line: argument parsing and rendering; all work is delegated to diffcore."""
