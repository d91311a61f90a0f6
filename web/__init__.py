"""The staff web interface: server-rendered pages under `/` calling the same services as the
API (see docs/web.md). `bp` is the one blueprint the composition root registers; each screen
is a child blueprint of it (`web.clients`, `web.cases`, ...), so endpoint names say the screen.
"""

from __future__ import annotations

from flask import Blueprint

from web import (
    admin,
    aftercare,
    assessments,
    beds,
    calendar,
    cases,
    clients,
    dashboard,
    home,
    placement,
    signin,
    tapers,
    withdrawal,
)
from web.pages import install

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)
SCREENS = (signin, home, clients, assessments, placement, cases, tapers, withdrawal)
for screen in (*SCREENS, calendar, beds, aftercare, dashboard, admin):
    bp.register_blueprint(screen.bp)
install(bp)
