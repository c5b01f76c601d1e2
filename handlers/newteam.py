"""/newteam: an admin creates a team in chat, the site best given by sharing a location."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.access import Actor
from bot.context import AppContext
from bot.i18n import t
from bot.jobs import reschedule_team
from bot.rules.geo import (
    DEFAULT_RADIUS_M,
    RADIUS_MAX_M,
    RADIUS_MIN_M,
    Datum,
    InvalidCoordinates,
    parse_site_input,
    to_wgs84,
    validate_radius,
)
from bot.rules.geo_hints import looks_swapped, parse_radius
from bot.rules.morning import check_cutoff, check_on_time, on_time_end, suggested_cutoff
from bot.rules.names import TEAM_NAME_MAX, clean_team_name
from bot.rules.team_hours import parse_hhmm
from bot.services.teams import TeamDraft, create_invite, create_team, invite_link
from handlers.common import (
    Context,
    actor_of,
    answer_query,
    edit_pressed,
    is_private,
    reply,
)
from handlers.flows import admin_answer, answered_before_step, end_flow, move_flow
from storage.models import FlowState
from storage.teams import DuplicateTeam

FLOW = "newteam"
# What a draft begun before the wizard asked for a cutoff gets.
DEFAULT_CUTOFF = "12:00"
DEFAULT_TIME = "07:30"


def _default_button(lang: str, value: object) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(lang, "button.default", value=value), callback_data="nt:default")]]
    )


async def cmd_newteam(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    if not actor.is_admin:
        await reply(update, t(actor.language, "not_allowed"))
        return
    if not is_private(update):
        await reply(update, t(actor.language, "private_only"))
        return
    await move_flow(update, ctx, actor, FLOW, "name", {})
    await reply(update, t(actor.language, "newteam.ask_name"))


async def _advance(
    update: Update, ctx: AppContext, actor: Actor, step: str, data: dict[str, object]
) -> None:
    await move_flow(update, ctx, actor, FLOW, step, data)
    await _ask(update, ctx, actor, step, data)


async def ask_question(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """The wizard's current question asked again (for an update that already answered it)."""
    await _ask(update, ctx, actor, state.step, state.data)


async def _ask(
    update: Update, ctx: AppContext, actor: Actor, step: str, data: dict[str, object]
) -> None:
    lang = actor.language
    if step == "name":
        await reply(update, t(lang, "newteam.ask_name"))
    elif step == "site":
        await reply(update, t(lang, "newteam.ask_site"))
    elif step == "radius":
        await reply(
            update,
            t(
                lang,
                "newteam.ask_radius",
                min=RADIUS_MIN_M,
                max=RADIUS_MAX_M,
                default=DEFAULT_RADIUS_M,
            ),
            reply_markup=_default_button(lang, DEFAULT_RADIUS_M),
        )
    elif step == "tz":
        default = ctx.settings.timezone
        await reply(
            update,
            t(lang, "newteam.ask_tz", default=default),
            reply_markup=_default_button(lang, default),
        )
    elif step == "time":
        await reply(
            update,
            t(lang, "newteam.ask_time", default=DEFAULT_TIME),
            reply_markup=_default_button(lang, DEFAULT_TIME),
        )
    elif step == "cutoff":
        on_time = parse_hhmm(str(data["time"]))
        default = suggested_cutoff(on_time).strftime("%H:%M")
        await reply(
            update,
            t(
                lang,
                "newteam.ask_cutoff",
                earliest=_hhmm(on_time_end(on_time)),
                default=default,
            ),
            reply_markup=_default_button(lang, default),
        )
    elif step == "confirm":
        point = to_wgs84(float(data["lat"]), float(data["lon"]), str(data["datum"]))  # type: ignore[arg-type]
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(t(lang, "button.confirm"), callback_data="nt:confirm"),
                    InlineKeyboardButton(t(lang, "button.cancel"), callback_data="nt:cancel"),
                ]
            ]
        )
        text = t(
            lang,
            "newteam.confirm",
            name=data["name"],
            lat=point.lat,
            lon=point.lon,
            datum=data["datum"],
            radius=data["radius"],
            tz=data["tz"],
            time=data["time"],
            cutoff=data.get("cutoff", DEFAULT_CUTOFF),
        )
        await reply(update, text, reply_markup=buttons)


async def _take(
    update: Update, ctx: AppContext, actor: Actor, state: FlowState, value: str | None
) -> None:
    """One answer for the current step; `None` means "use the default"."""
    lang = actor.language
    data = dict(state.data)
    step = state.step
    if step == "name":
        try:
            name = clean_team_name(value)
        except ValueError:
            await reply(update, t(lang, "join.text_invalid", max=TEAM_NAME_MAX))
            return
        if await ctx.storage.teams.by_name(name):
            await reply(update, t(lang, "newteam.name_taken", name=name))
        else:
            await _advance(update, ctx, actor, "site", {**data, "name": name})
    elif step == "site":
        try:
            _, datum = parse_site_input(value or "")
            lat, lon = _entered_coordinates(value or "")
        except (InvalidCoordinates, ValueError):
            await reply(update, _site_problem(lang, value or ""))
            return
        await _advance(
            update, ctx, actor, "radius", {**data, "lat": lat, "lon": lon, "datum": datum.value}
        )
    elif step == "radius":
        try:
            radius = validate_radius(parse_radius(value)) if value is not None else DEFAULT_RADIUS_M
        except ValueError:
            await reply(
                update, t(lang, "newteam.radius_invalid", min=RADIUS_MIN_M, max=RADIUS_MAX_M)
            )
            return
        await _advance(update, ctx, actor, "tz", {**data, "radius": radius})
    elif step == "tz":
        tz = (value or ctx.settings.timezone).strip()
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            await reply(update, t(lang, "newteam.tz_invalid"))
            return
        await _advance(update, ctx, actor, "time", {**data, "tz": tz})
    elif step == "time":
        try:
            at = parse_hhmm(value or DEFAULT_TIME)
        except ValueError:
            await reply(update, t(lang, "newteam.time_invalid"))
            return
        problem = check_on_time(at)
        if problem is not None:
            await reply(update, t(lang, problem.key, bound=_hhmm(problem.bound)))
            return
        await _advance(update, ctx, actor, "cutoff", {**data, "time": _hhmm(at)})
    elif step == "cutoff":
        on_time = parse_hhmm(str(data["time"]))
        try:
            cutoff = parse_hhmm(value) if value is not None else suggested_cutoff(on_time)
        except ValueError:
            await reply(update, t(lang, "newteam.time_invalid"))
            return
        problem = check_cutoff(on_time, cutoff)
        if problem is not None:
            await reply(update, t(lang, problem.key, bound=_hhmm(problem.bound)))
            return
        await _advance(update, ctx, actor, "confirm", {**data, "cutoff": _hhmm(cutoff)})


def _hhmm(at: time | None) -> str:
    return at.strftime("%H:%M") if at else "23:59"


def _site_problem(lang: str, text: str) -> str:
    """Unreadable coordinates; pasted in Amap's "lon, lat" order, the swap is offered."""
    try:
        first, second = _entered_coordinates(text)
    except (ValueError, IndexError):
        return t(lang, "newteam.site_invalid")
    if looks_swapped(first, second):
        return t(lang, "newteam.site_swapped", lat=second, lon=first)
    return t(lang, "newteam.site_invalid")


def _entered_coordinates(text: str) -> tuple[float, float]:
    """The numbers as typed (before datum conversion): the site keeps what the admin entered."""
    parts = text.replace(",", " ").replace("，", " ").replace(";", " ").split()
    return float(parts[0]), float(parts[1])


async def on_text(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    text = await admin_answer(update, ctx, actor)
    if text is not None:
        await _take(update, ctx, actor, state, text)


async def on_location(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    message = update.effective_message
    if not actor.is_admin or message is None or message.location is None:
        return
    if state.step != "site":
        await reply(update, t(actor.language, "newteam.site_invalid"))
        return
    loc = message.location
    data = {**state.data, "lat": loc.latitude, "lon": loc.longitude, "datum": Datum.WGS84.value}
    await _advance(update, ctx, actor, "radius", data)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    state = await ctx.storage.flows.get(actor.user_id)
    if await answered_before_step(update, context, ctx, actor, state):
        await answer_query(query)
        return
    if not actor.is_admin or not is_private(update) or state is None or state.flow != FLOW:
        if state is not None and state.flow == FLOW and not actor.is_admin:
            await ctx.storage.flows.clear(actor.user_id)  # no longer an admin: the draft goes
        await answer_query(query, t(actor.language, "button.stale"))
        return
    await answer_query(query)
    await edit_pressed(query, None)
    action = (query.data or "").removeprefix("nt:")
    if action == "default" and state.step in ("radius", "tz", "time", "cutoff"):
        await _take(update, ctx, actor, state, None)
    elif action == "cancel":
        await ctx.storage.flows.clear(actor.user_id)
        await reply(update, t(actor.language, "cancelled"))
    elif action == "confirm" and state.step == "confirm":
        await _create(update, context, ctx, actor, state)


async def _create(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    d = state.data
    draft = TeamDraft(
        name=d["name"],
        lat=float(d["lat"]),
        lon=float(d["lon"]),
        datum=Datum(d["datum"]),
        radius_m=int(d["radius"]),
        timezone=d["tz"],
        on_time=d["time"],
        cutoff=d.get("cutoff", DEFAULT_CUTOFF),  # drafts begun before the cutoff step existed
    )
    try:
        team = await create_team(ctx, draft, actor_id=actor.user_id)
    except DuplicateTeam:
        await end_flow(update, ctx, actor)
        await reply(update, t(actor.language, "newteam.name_taken", name=draft.name))
        return
    # Ended only once the team exists: a crash before this never loses the wizard's answers.
    await end_flow(update, ctx, actor)
    await reschedule_team(context.application, team.id)
    username = context.bot.username
    member = await create_invite(ctx, team, "member", actor_id=actor.user_id)
    supervisor = await create_invite(ctx, team, "supervisor", actor_id=actor.user_id)
    await reply(
        update,
        t(
            actor.language,
            "newteam.created",
            name=team.name,
            days=ctx.settings.invite_days,
            member_link=invite_link(username, member.code),
            supervisor_link=invite_link(username, supervisor.code),
        ),
    )


async def cmd_teams(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    if not actor.is_admin:
        await reply(update, t(actor.language, "not_allowed"))
        return
    teams = await ctx.storage.teams.all()
    if not teams:
        await reply(update, t(actor.language, "teams.none"))
        return
    counts = await ctx.storage.teams.member_counts()
    lines = [
        t(
            actor.language,
            "teams.line",
            name=team.name,
            members=counts.get(team.id, {}).get("member", 0),
            supervisors=counts.get(team.id, {}).get("supervisor", 0),
            tz=team.timezone,
        )
        for team in teams
    ]
    await reply(update, "\n".join(lines))
