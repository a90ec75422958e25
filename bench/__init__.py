"""``make bench``: the program board of a reference-size train, timed against the raw SQL it needs.

- ``bench.seed``: writes a train of a given size (teams, iterations, features, dependencies)
  inside a history of other trains and past PIs, in bulk.
- ``bench.measure``: query counts and median server times of the board page and the board
  API, and of the baseline (hand-written SQL for the same rows, plus JSON encoding).
- ``bench.run``: the command line; it works in a database of its own (``artops_bench``).
"""
