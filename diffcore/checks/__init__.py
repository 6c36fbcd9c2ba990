"""The batch-check runner behind `autodiff check`: run program files, check their assertions
and `# check:` pragmas and, on request, their gradients against finite differences, in this
process or in worker processes.

May import the face of diffcore (Program, derivatives) and everything below it; never the
command line, which renders what this returns.
"""
