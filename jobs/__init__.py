"""Background work on RQ and Redis: queues, the tenant-stamping enqueue helper, the worker."""
