"""One blueprint per area. `create_app` registers every blueprint in `BLUEPRINTS`.

To add an area: write `server/routes/<area>.py` with `bp = Blueprint("<area>")`, decorate each
handler with `@operation(...)` (server/openapi.py), and append `<area>.bp` here.
"""

from server.routes import backups, db, health, mail, sites

BLUEPRINTS = [health.bp, sites.bp, db.bp, mail.bp, backups.bp]

__all__ = ["BLUEPRINTS"]
