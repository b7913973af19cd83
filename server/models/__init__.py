"""Domain models, one module per aggregate. Importing this package registers them all."""
from .org import Branch, DeviceSession, LoginFailure, Staff  # noqa: F401
from .scheduler import JobRun, SchedulerLease  # noqa: F401
