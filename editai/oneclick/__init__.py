"""One click: upload done, one request makes the project, cuts its variants, voices, captions
and renders each to a preset and (when asked) publishes them, in one job.

It spans the library (generation, final render) and publishing, so it lives in the project
package, the one layer allowed to import both: `services` (start and run), `jobs` (the job
kind), `api` (POST /api/v1/library/one-click/)."""
