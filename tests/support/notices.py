"""Where the tests' staff notices go: the staff log only, links on a made-up address."""

from bot.outbox import Notices

NOTICES = Notices(base_url="http://tekkie.test")
