"""SQLAlchemy 2 models of Tekkie's own database (the shared leads database)."""

from bot.db.models.base import Base, Conversation, UtcDateTime, WebchatInboxItem, utcnow
from bot.db.models.inbound import InboundDelivery, InboundStatus
from bot.db.models.lead import Lead, LeadStatus, LeadStatusChange
from bot.db.models.learning import (
    AnswerFeedback,
    BuildStatus,
    ContentVersion,
    GroupStatus,
    ModelBuild,
    QuestionGroup,
    Reason,
    UnansweredQuestion,
)
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
    "AnswerFeedback",
    "Availability",
    "AvailabilityException",
    "Base",
    "Booking",
    "BookingEvent",
    "BookingStatus",
    "BuildStatus",
    "Campaign",
    "CampaignKind",
    "ContentVersion",
    "Conversation",
    "GroupStatus",
    "InboundDelivery",
    "InboundStatus",
    "IntakeSlot",
    "Lead",
    "LeadStatus",
    "LeadStatusChange",
    "LoginFailure",
    "ModelBuild",
    "OutboxMessage",
    "OutboxStatus",
    "QuestionGroup",
    "Reason",
    "Role",
    "SlotMode",
    "StaffAccount",
    "StaffMember",
    "StaffSession",
    "UnansweredQuestion",
    "UtcDateTime",
    "WebchatInboxItem",
    "utcnow",
]
