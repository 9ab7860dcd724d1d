"""Connected calendars: connect one (connect), sync its busy time into the database (sync),
write bookings back (write_back), and the organizer's bookings as a feed (feed).

Syncing and writing back talk to other servers, so they run outside any unit of work and commit
themselves: the worker's lanes call `sync_due_calendars` and `write_back_due`; the organizer's
"sync now" calls `sync_now` after its request's own work (the one request that talks to another
server, bounded by CALENDAR_TIMEOUT). Everything else flushes, as services do.

Several workers may run at once: calendars and write-backs are claimed through jobs.queue, and
only the worker whose claim changed the row does the work. The modules that talk to calendar
servers (and the caldav client) are imported only when a sync or a write runs, so the web
processes don't carry them.

Importing this package registers the worker's two lanes (sync and write_back); callers use the
names below (`calendars.create_calendar(...)`), whichever module holds them.
"""

from .connect import (
    check_address,
    create_calendar,
    delete_calendar,
    list_calendars,
    own_calendar,
    update_calendar,
)
from .feed import feed_for_secret, feed_ics, feed_of, new_feed_secret
from .passwords import decrypt_password, encrypt_password, rotate_passwords
from .settings import deny_private, sync_every
from .sync import SYNC_QUEUE, horizon, sync_due_calendars, sync_now
from .write_back import (
    WRITE_QUEUE,
    queue_write_back,
    subscribe,
    write_back_backlog,
    write_back_due,
)

__all__ = [
    "SYNC_QUEUE",
    "WRITE_QUEUE",
    "check_address",
    "create_calendar",
    "decrypt_password",
    "delete_calendar",
    "deny_private",
    "encrypt_password",
    "feed_for_secret",
    "feed_ics",
    "feed_of",
    "horizon",
    "list_calendars",
    "new_feed_secret",
    "own_calendar",
    "queue_write_back",
    "rotate_passwords",
    "subscribe",
    "sync_due_calendars",
    "sync_every",
    "sync_now",
    "update_calendar",
    "write_back_backlog",
    "write_back_due",
]
