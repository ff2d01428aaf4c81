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

__all__ = [
    "Availability",
    "AvailabilityException",
    "Base",
    "Booking",
    "BookingEvent",
    "BookingStatus",
    "Conversation",
    "InboundDelivery",
    "InboundStatus",
    "IntakeSlot",
    "Lead",
    "LeadStatus",
    "LeadStatusChange",
    "OutboxMessage",
    "OutboxStatus",
    "SlotMode",
    "StaffMember",
    "UtcDateTime",
    "WebchatInboxItem",
    "utcnow",
]
