"""Request and response bodies, one module per area; import them from here."""

from backorder.api.schemas.core import *  # noqa: F403
from backorder.api.schemas.outbox import *  # noqa: F403
from backorder.api.schemas.purchasing import *  # noqa: F403
