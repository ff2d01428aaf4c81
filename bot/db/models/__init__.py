"""SQLAlchemy 2 models of Tekkie's own database (the shared leads database)."""

from bot.db.models.base import Base, Conversation, UtcDateTime, WebchatInboxItem, utcnow
from bot.db.models.inbound import InboundDelivery, InboundStatus
from bot.db.models.lead import Lead, LeadStatus, LeadStatusChange
from bot.db.models.outbox import OutboxMessage, OutboxStatus
from bot.db.models.scheduling import (
    Availability,
    AvailabilityException,
    Booking,
    BookingEvent,
    BookingStatus,
    IntakeSlot,
    SlotMode,
    StaffMember,
)
from bot.db.models.staff import (
    Campaign,
    CampaignKind,
    LoginFailure,
    Role,
    StaffAccount,
    StaffSession,
)

__all__ = [
    "Availability",
    "AvailabilityException",
    "Base",
    "Booking",
    "BookingEvent",
    "BookingStatus",
    "Campaign",
    "CampaignKind",
    "Conversation",
    "InboundDelivery",
    "InboundStatus",
    "IntakeSlot",
    "Lead",
    "LeadStatus",
    "LeadStatusChange",
    "LoginFailure",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "SlotMode",
    "StaffAccount",
    "StaffMember",
    "StaffSession",
    "UtcDateTime",
    "WebchatInboxItem",
    "utcnow",
]
