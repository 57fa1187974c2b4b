from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editai.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse here, as runserver and qcluster do, to serve with the
# development SECRET_KEY or without field encryption keys when DEBUG is off (editai.E001/E002).
from editai.checks import refuse_insecure_start  # noqa: E402  (needs the app registry set up above)

refuse_insecure_start()
