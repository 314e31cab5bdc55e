"""One :class:`fastapi.APIRouter` per area of the workbench; :func:`~matcher.workbench.web.app.create_app` mounts them.

- :mod:`.session`: health check, log in, log out;
- :mod:`.targets`: the recommended targets, firm and county pages, "加入项目库";
- :mod:`.exports`: the lead list as Excel/CSV and the weekly, half-monthly and monthly reports;
- :mod:`.leads`: the home page, the lead list, entry, routing, acceptance, pre-review, stages, files;
- :mod:`.admin`: users and the audit log;
- :mod:`.api`: the JSON API (the same unit scope).

Every route but the login page and the health check declares ``actor: Scope`` and every POST ``form: Form``
(:mod:`matcher.workbench.web.deps`).
"""
