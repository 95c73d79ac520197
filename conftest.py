"""Keep pytest away from folders that are not tests.

nbgrader's working copies (student editions, submissions) would otherwise be
run by nbval as if they were course notebooks.
"""

collect_ignore_glob = [
    "benchmarks/*", "tools/*", "binder/*", ".venv/*", "build/*",
    "**/.ipynb_checkpoints/*",
    "student/*", "release/*", "submitted/*", "autograded/*", "feedback/*", "source/*",
]
