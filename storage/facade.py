"""`Storage`: the one async interface the bot uses, the same repositories on SQLite and
PostgreSQL (`target` is a path or a `postgresql://` URL)."""

from __future__ import annotations

from pathlib import Path

from storage.audit import AuditRepo
from storage.chain import ChainRepo
from storage.checkins import CheckinRepo
from storage.compliance import ComplianceRepo
from storage.db import open_database
from storage.delivery import DeliveryRepo
from storage.diary import DiaryRepo
from storage.exports import ExportRepo
from storage.flows import FlowRepo
from storage.imports import ImportRepo
from storage.invites import InviteRepo
from storage.leave_requests import RequestRepo
from storage.notice_facts import NoticeFactsRepo
from storage.notifications import NotificationRepo
from storage.people import PeopleRepo
from storage.recalls import RecallRepo
from storage.rollcalls import RollcallRepo
from storage.spoof import SpoofRepo
from storage.teams import TeamRepo
from storage.yearly import YearlyRepo


class Storage:
    def __init__(self, target: Path | str) -> None:
        self.db = open_database(target)
        self.teams = TeamRepo(self.db)
        self.people = PeopleRepo(self.db)
        self.invites = InviteRepo(self.db)
        self.checkins = CheckinRepo(self.db)
        # Evidence (SPEC §6): the hash chains and spoof signals.
        self.chain = ChainRepo(self.db)
        self.spoof = SpoofRepo(self.db)
        self.audit = AuditRepo(self.db)
        self.flows = FlowRepo(self.db)
        self.notifications = NotificationRepo(self.db)
        self.notice_facts = NoticeFactsRepo(self.db)
        self.rollcalls = RollcallRepo(self.db)
        self.compliance = ComplianceRepo(self.db, self.teams)
        self.leave_requests = RequestRepo(self.db)
        self.diary = DiaryRepo(self.db)
        self.delivery = DeliveryRepo(self.db)
        self.exports = ExportRepo(self.db)
        self.recalls = RecallRepo(self.db)
        self.yearly = YearlyRepo(self.db)
        self.imports = ImportRepo(self.db)

    async def open(self) -> Storage:
        await self.db.open()
        return self

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Storage:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
