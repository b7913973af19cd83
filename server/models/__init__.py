"""Domain models, one module per aggregate. Importing this package registers them all."""
from .org import Branch, DeviceSession, LoginFailure, Staff  # noqa: F401
from .scheduler import JobRun, SchedulerLease  # noqa: F401
from .shift import Shift  # noqa: F401  (placeholder until field ops PART A merges)
from .patrol import Checkpoint, CheckpointCode, Patrol  # noqa: F401
from .incident import Incident, IncidentPhoto, Photo  # noqa: F401
