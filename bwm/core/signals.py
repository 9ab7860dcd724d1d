"""News one feature tells the others (blinker), so a feature never imports those that react.

booking_changed: sent in the transaction of a booking's change (flushed, not committed), with
the booking as sender, kind = "booked" | "confirmed" | "declined" | "rescheduled" | "cancelled"
| "reminder", and now. The calendar write-back and webhooks subscribe: what they queue stands
or falls with the change.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

booking_changed = _signals.signal("booking-changed")
