"""ragchat's benchmark suite: `python -m bench` (see bench/README.md).

Every measurement that needs its own memory figure or a cold process runs in a
subprocess (`python -m bench.worker TASK IN OUT`); the parent only times, collects and
reports. Ratios are measured in the same run so that a busy machine moves both sides.
"""
