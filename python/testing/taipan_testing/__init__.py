"""Taipan's test and benchmark Python side; never installed for users.

- ``taipan_testing.functions``: ``@function``s for the Java and Python tests, ``taipan demo pool``
  and the chaos suite, some of which break their worker on purpose.
- ``taipan_testing.floor``: the benchmark floor, ``python -m taipan_testing.floor --socket PATH``.
- ``taipan_testing.py4j_echo``: the Py4J benchmark peer, ``python -m taipan_testing.py4j_echo``.

Importing this package imports nothing else: the floor must stay a bare loop.
"""
