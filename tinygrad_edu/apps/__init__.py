"""Applications built on the library: the `tinygrad-edu` command and what it runs.

    cli.py            the command line (`tinygrad-edu`, `python -m tinygrad_edu`), which only dispatches
    demo.py           `tinygrad-edu demo`: train the XOR network
    check.py          `tinygrad-edu check`: the table of tutorial_checks' results
    bench/            `tinygrad-edu bench` and the harness that benchmarks/*.py share
    reference/        tutorials A-D in plain NumPy, from their own formulas
    tutorial_checks/  autograd against reference/

They use the library as a user would. The other way round is forbidden: nothing else under
tinygrad_edu/ imports from here (tests/test_layout.py checks it), so the library can be read, and
imported, without its applications.
"""
