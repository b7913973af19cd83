"""Domain models, one module per aggregate. Importing this package registers them all."""
from .org import Branch, DeviceSession, LoginFailure, Staff  # noqa: F401
from .scheduler import JobRun, SchedulerLease  # noqa: F401
from .shift import Handover, HandoverItem, RosterShift, Shift  # noqa: F401
from .cleaning import CleaningRecord  # noqa: F401
from .contractor import Contractor, ContractorVisit  # noqa: F401
from .floor import Coaching, FloorRound  # noqa: F401
from .patrol import Checkpoint, CheckpointCode, Patrol  # noqa: F401
from .incident import Incident, IncidentPhoto, Photo  # noqa: F401
from .calendar import CalendarDay, CalendarLoad  # noqa: F401
from .secret import AppSecret  # noqa: F401
from .photo_store import PhotoBlob, PhotoUploadPart  # noqa: F401
from .compliance import ComplianceProgress, Obligation, ObligationExcuse  # noqa: F401
from .alert import Alert  # noqa: F401
