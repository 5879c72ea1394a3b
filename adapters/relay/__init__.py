"""What the relay needs besides the store: doorbells to wake it, and leadership among processes."""

from adapters.relay.doorbell import AsyncDoorbell
from adapters.relay.leadership import FileLockLeadership, SoleLeadership

__all__ = ["AsyncDoorbell", "FileLockLeadership", "SoleLeadership"]
