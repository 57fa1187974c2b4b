"""The job engine, and only the engine: kinds (registry), the runner a q2 task calls (with the
concrete context), the queue (send, send later, wake deferred jobs), workspaces, and the
`JobContext` Protocol with `job_row` (context). It sits below the services and never imports
them; services and handlers use its public API (context, registry, queue, workspace). The work
lives in the apps' services; the kinds in each app's `handlers` module (library/handlers.py)."""
