"""Background work: one job-queue mechanism (queue.py) and the worker that runs its lanes."""
