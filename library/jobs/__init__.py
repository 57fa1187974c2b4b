"""The job machinery: kinds (registry), the runner a q2 task calls, workspaces."""
