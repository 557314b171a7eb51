"""The consumer's own Python: plain functions the Java side calls by name."""

import sys

from taipan_worker import function


@function
def greet(name: str) -> str:
    return f"Hello, {name}!"


@function
def prefix() -> str:
    return sys.prefix  # where this Python lives: the environment Taipan provisioned
