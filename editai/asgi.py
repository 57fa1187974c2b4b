from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editai.settings")
application = get_asgi_application()

# As in editai.wsgi: no serving with the development SECRET_KEY when DEBUG is off.
from editai.checks import refuse_insecure_start  # noqa: E402  (needs the app registry set up above)

refuse_insecure_start()
