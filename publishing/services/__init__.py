"""Writes of the publishing app: postiz (client, integrations, status), publications, submit."""
