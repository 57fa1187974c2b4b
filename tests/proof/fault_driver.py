"""Seeds a job in a database the test process is not connected to (the throwaway cluster of the
PostgreSQL-restart test), in a process of its own:

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=tests.settings python -m tests.proof.fault_driver <kind> '<params json>'

Prints {"job": ..., "profile": ...}. The job is sent to the queue from outside any profile scope,
like the q2 schedule or an operator command would."""

from __future__ import annotations

import json
import sys


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from library.jobs.queue import job_send
    from library.models import Job
    from profiles.services import profile_create
    from profiles.tenancy import current_profile, profile_scope

    kind, params = sys.argv[1], json.loads(sys.argv[2])
    user = get_user_model().objects.create_user(username="fault", password="not-used-anywhere")
    profile = profile_create(user=user, name="Fault store")
    with profile_scope(profile):
        job = Job.objects.create(kind=kind, params=params)
    assert current_profile() is None
    job_send(job_id=str(job.pk), profile_id=str(profile.pk), kind=kind)
    print(json.dumps({"job": str(job.pk), "profile": str(profile.pk)}))


if __name__ == "__main__":
    main()
