"""The batch-check runner behind `autodiff check`: run program files, check their assertions
and `# check:` pragmas and, on request, their gradients against finite differences, in this
process or in worker processes.

    results.py     what checking a file gives (status, problem, mismatches) and the options
    pragmas.py     the `# check:` lines of a file: gradcheck, points, tolerances, wrt
    gradcheck.py   reverse mode against central differences and forward mode
    runner.py      one file (`check_path`) and many (`collect`, `run_checks`): the entry point
    processes.py   worker processes that never outlive the command (also used by --points)

May import the face of diffcore (Program, derivatives) and everything below it; never the
command line, which renders what this returns.
"""
