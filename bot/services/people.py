"""A person as the bot keeps them: who is writing, their language, whether they can be reached."""

from __future__ import annotations

from bot.access import Actor, load_actor
from bot.context import AppContext
from bot.i18n import language_of


async def actor_for(
    ctx: AppContext, user_id: int, language_code: str | None, full_name: str
) -> Actor:
    """The person writing now. Writing to us is news about them: an admin gets a name
    (decisions, roll calls and audits name people, never a raw id), and someone marked
    unreachable no longer blocks the bot (reminders may reach them again)."""
    actor = await load_actor(ctx, user_id, language_code)
    if actor.is_admin and (actor.person is None or not actor.person.name):
        await ctx.storage.people.name_if_unnamed(user_id, full_name, now=ctx.now_ts())
        actor = await load_actor(ctx, user_id, language_code)
    if actor.person is not None and actor.person.unreachable:
        await ctx.storage.people.set_unreachable(user_id, False)
    return actor


async def choose_language(ctx: AppContext, actor: Actor, lang: str) -> Actor:
    """The person's language from now on; the actor as they are with it."""
    await ctx.storage.people.set_language(actor.user_id, lang, now=ctx.now_ts())
    return await load_actor(ctx, actor.user_id, lang)


async def mark_unreachable(ctx: AppContext, user_id: int) -> None:
    """They blocked the bot (or never opened a chat with it)."""
    await ctx.storage.people.set_unreachable(user_id, True)


async def display_name(ctx: AppContext, user_id: int) -> str:
    person = await ctx.storage.people.get(user_id)
    return (person.name if person else None) or str(user_id)


async def reply_language(ctx: AppContext, user_id: int | None, language_code: str | None) -> str:
    """The language to answer in: the stored one, else the person's Telegram language."""
    person = await ctx.storage.people.get(user_id) if user_id is not None else None
    if person is not None and person.language:
        return person.language
    return language_of(language_code)


async def record_implausible_message(
    ctx: AppContext, user_id: int | None, subject: str, after: dict[str, object]
) -> None:
    """A message whose own date cannot be right: refused, and kept in the audit trail."""
    await ctx.storage.audit.record(
        at=ctx.now_ts(), actor_id=user_id, action="message.bad_time", subject=subject, after=after
    )
