"""Every table, for Alembic and for a database made from the models: the shared ones and
each capability's."""

from service import models  # noqa: F401
from service.allowance import models as allowance  # noqa: F401
from service.assistant import models as assistant  # noqa: F401
from service.bookings import models as bookings  # noqa: F401
from service.cards import models as cards  # noqa: F401
from service.line import models as line  # noqa: F401
from service.support import models as support  # noqa: F401
