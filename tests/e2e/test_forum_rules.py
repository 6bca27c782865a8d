"""Per-forum rules, scope and categories (SPEC §1 "Per-forum scope", §4, §6, §7), as members use them."""

from __future__ import annotations

import json

import discord
import pytest
from aiohttp.test_utils import TestClient, TestServer
from simcord.builders import ChannelHandle
from simcord.enums import ChannelType

from bot.storage import audit, create_database, forums, reports
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.e2e.helpers import (
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    errors_text,
    member_overwrite,
    moderator_discord_role,
    text_of,
)

POST_BITS = SEND_MESSAGES | SEND_MESSAGES_IN_THREADS


def role_overwrite(channel: ChannelHandle, role_id: int) -> tuple[int, int]:
    """(allow, deny) of a role's overwrite on the channel, (0, 0) when it has none."""
    for overwrite in channel._channel.overwrites:
        if overwrite.target_id == role_id:
            return int(overwrite.allow), int(overwrite.deny)
    return 0, 0


async def second_forum(world, name: str = "Announcements", category: ChannelHandle | None = None) -> ChannelHandle:
    raw = world.env.backend.create_channel(
        world.guild.id, name, type=ChannelType.FORUM, parent_id=category.id if category else None
    )
    await world.env.settle()
    channel = ChannelHandle(world.env, world.guild, raw)
    assert "Registered" in text_of(await world.admin.slash(world.general, "forumadmin add", channel=channel))
    return channel


async def stored(world, channel: ChannelHandle):  # type: ignore[no-untyped-def]
    found = await world.bot.db.run(forums.by_channel, channel.id)
    assert found is not None
    return found


@pytest.mark.parametrize("backend", BACKENDS)
async def test_an_announcement_forum_refuses_a_participants_post_and_gives_the_text_back(world):
    await world.admin.slash(world.general, "topic new", forum=world.forum, title="News", body="Version 2 is out")
    thread = world.thread("News")
    result = await world.admin.slash(world.general, "forumadmin forum", forum=world.forum, posting="moderators")
    said = text_of(result)
    assert "Saved: posting everyone → moderators" in said and "moderators only" in said and result.ephemeral
    assert "slowmode" in said and "default sort order" in said and "default reaction" in said
    # Discord itself stops members: @everyone is denied starting posts and replying here.
    assert role_overwrite(world.forum, world.guild.default_role.id)[1] & POST_BITS == POST_BITS
    # The bot's own check, for what the overwrites miss: deleted, the text DMed back.
    reader = world.member("Reader")
    await world.unchecked_message(thread, reader, "When is version 3 due?")
    assert "When is version 3 due?" not in [m.content for m in thread.history()]
    dms = "\n".join(world.dm_texts(reader))
    assert "Only moderators post in this forum" in dms and "When is version 3 due?" in dms
    refused = await reader.slash(world.general, "topic new", forum=world.forum, title="Mine", body="hello")
    assert "Only moderators post in this forum" in text_of(refused) and refused.ephemeral
    errors_text(world)  # the expected refusal, seen
    # A keymaster still posts; the change is in the audit log.
    await world.admin.send(thread, "Version 3 in May.")
    assert [p.content for p in await world.posts_of(thread)][-1] == "Version 3 in May."
    entries = await world.bot.db.run(lambda c: audit.entries(c, world.guild.id, limit=20, offset=0))
    assert any(e.action == "forum.rules" for e in entries)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_closed_forum_refuses_new_topics_but_takes_replies(world):
    member = world.member("Asker")
    await member.slash(world.general, "topic new", forum=world.forum, title="Old", body="still open")
    await world.admin.slash(world.general, "forumadmin forum", forum=world.forum, status="closed")
    refused = await member.slash(world.general, "topic new", forum=world.forum, title="New", body="hello")
    assert "This forum is closed: it takes no new topics" in text_of(refused) and refused.ephemeral
    errors_text(world)  # the expected refusal, seen
    assert [t.name for t in world.forum.threads] == ["Old"]
    await world.env.advance_time(30)
    replied = await member.slash(world.general, "reply", topic="#1", body="a reply")
    assert "Replied as" in text_of(replied)
    everyone = role_overwrite(world.forum, world.guild.default_role.id)
    assert everyone[1] & SEND_MESSAGES and not everyone[1] & SEND_MESSAGES_IN_THREADS
    shown = text_of(await world.admin.slash(world.general, "forumadmin forum", forum=world.forum))
    assert "status: closed" in shown and "posting: everyone" in shown


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_hidden_forum_leaves_the_web_archive_and_its_search(world):
    await world.admin.slash(world.general, "topic new", forum=world.forum, title="Otters", body="otters sleep")
    await world.bot.db.flush()

    async def archive() -> tuple[str, str, int, int]:
        await world.bot.db.flush()
        db = create_database(world.bot.settings, readonly=True)
        await db.open(migrate_schema=False)
        try:
            async with TestClient(TestServer(create_app(db))) as client:
                index = await (await client.get("/")).text()
                search = await (await client.get("/search?q=otters")).text()
                topic = (await client.get(f"/topics/1?guild={world.guild.id}")).status
                feed = (await client.get(f"/forums/{forum_id}/feed.xml")).status
                return index, search, topic, feed
        finally:
            await db.close()

    forum_id = (await stored(world, world.forum)).id
    index, search, topic, feed = await archive()
    assert "Discussion" in index and "Otters" in search and topic == 200 and feed == 200
    await world.admin.slash(world.general, "forumadmin forum", forum=world.forum, archive="hidden")
    index, search, topic, feed = await archive()
    assert "Discussion" not in index and "Otters" not in search and topic == 404 and feed == 404
    assert "archive rule to hidden" in index  # the index says why nothing is shown


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_forum_moderator_moderates_their_forum_only(world):
    other = await second_forum(world, "Support")
    asker = world.member("Asker")
    await asker.slash(world.general, "topic new", forum=world.forum, title="Here", body="q1")
    await world.env.advance_time(30)
    await asker.slash(world.general, "topic new", forum=other, title="There", body="q2")
    mia = world.member("Mia", roles=(moderator_discord_role(world),))  # Discord shows her /mod
    given = await world.admin.slash(world.general, "mod role", member=mia, role="moderator", forum=world.forum)
    assert "Moderator" in text_of(given) and "only" in text_of(given)
    closed = await mia.slash(world.general, "mod close", topic="#1", reason="solved")
    assert "closed" in text_of(closed).lower()
    refused = await mia.slash(world.general, "mod close", topic="#2", reason="solved")
    assert "You are not a moderator of the forum Support" in text_of(refused) and refused.ephemeral
    errors_text(world)  # the expected refusal, seen
    topic = await world.topic(world.thread("Here"))
    assert topic is not None and topic.status == "closed"
    # Roles and blocks reach every forum: not for a moderator of one.
    blocked = await mia.slash(world.general, "mod block", member=asker)
    assert "You moderate named forums only" in text_of(blocked)
    errors_text(world)  # the expected refusal, seen
    # The queue: only items of her forum.
    there = next(t for t in other.threads if t.name == "There")
    bad = await world.member("Spammer").send(there, "Cheap watches here")
    shown = await asker.context_menu(there, "Report post", bad)
    await asker.submit_modal(shown, {"reason": "Advertising"})
    queue = text_of(await mia.slash(world.general, "mod queue"))
    assert "Cheap watches here" not in queue
    assert "Cheap watches here" in text_of(await world.admin.slash(world.general, "mod queue"))
    # /forumadmin roles says who holds what where.
    listed = text_of(await world.admin.slash(world.general, "forumadmin roles"))
    assert f"{mia.mention}: Discussion" in listed and "**Blocked**" in listed


@pytest.mark.parametrize("backend", BACKENDS)
async def test_nobody_moderates_a_forum_whose_channel_they_cannot_view(world):
    await world.admin.slash(world.general, "topic new", forum=world.forum, title="Secret", body="q")
    mods = world.guild.create_role("Mods", permissions=discord.Permissions(manage_threads=True))
    await world.admin.slash(world.general, "forumadmin rolemap", forum_role="moderator", discord_role=mods)
    mod = world.member("Mod", roles=(mods,))
    channel = world.bot.get_channel(world.forum.id)
    member = world.bot.get_guild(world.guild.id).get_member(mod.id)
    await channel.set_permissions(member, view_channel=False)
    await world.env.settle()
    refused = await mod.slash(world.general, "mod close", topic="#1", reason="solved")
    assert "cannot view the forum Discussion's channel" in text_of(refused)
    errors_text(world)  # the expected refusal, seen
    topic = await world.topic(world.thread("Secret"))
    assert topic is not None and topic.status == "open"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_sync_keeps_another_forums_own_overwrites(world):
    await world.admin.slash(world.general, "forumadmin forum", forum=world.forum, posting="moderators")
    everyone = world.guild.default_role.id
    assert role_overwrite(world.forum, everyone)[1] & POST_BITS == POST_BITS
    other = await second_forum(world, "Support")  # registering syncs that forum
    helpers = world.guild.create_role("Helpers")  # a role map change syncs every forum
    await world.admin.slash(world.general, "forumadmin rolemap", forum_role="participant", discord_role=helpers)
    await world.admin.slash(world.general, "forumadmin sync")
    assert role_overwrite(world.forum, everyone)[1] & POST_BITS == POST_BITS
    assert role_overwrite(other, everyone)[1] & POST_BITS == 0
    # The participant role may post in Support, not in the announcement forum.
    assert role_overwrite(world.forum, helpers.id)[1] & POST_BITS == POST_BITS
    assert role_overwrite(other, helpers.id)[0] & POST_BITS == POST_BITS
    assert member_overwrite(world.forum, world.bot.user.id) is not None


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_deny_set_in_discord_before_registering_becomes_the_forums_rule(world):
    raw = world.env.backend.create_channel(world.guild.id, "News", type=ChannelType.FORUM)
    await world.env.settle()
    channel = world.bot.get_channel(raw.id)
    await channel.set_permissions(
        world.bot.get_guild(world.guild.id).default_role, send_messages=False, send_messages_in_threads=False
    )
    await world.env.settle()
    handle = ChannelHandle(world.env, world.guild, raw)
    await world.admin.slash(world.general, "forumadmin add", channel=handle)
    assert (await stored(world, handle)).rules.posting == "moderators"
    assert role_overwrite(handle, world.guild.default_role.id)[1] & POST_BITS == POST_BITS


@pytest.mark.parametrize("backend", BACKENDS)
async def test_bad_rule_and_scope_input_changes_nothing(world):
    raw = world.env.backend.create_channel(world.guild.id, "Loose", type=ChannelType.FORUM)
    await world.env.settle()
    loose = ChannelHandle(world.env, world.guild, raw)
    refused = await world.admin.slash(world.general, "forumadmin forum", forum=loose, posting="moderators")
    assert "is not a registered forum" in text_of(refused) and refused.ephemeral
    errors_text(world)  # the expected refusal, seen
    assert await world.bot.db.run(forums.by_channel, loose.id) is None
    mia = world.member("Mia")
    refused = await world.admin.slash(world.general, "mod role", member=mia, role="moderator", forum=loose)
    assert "is not a registered forum" in text_of(refused)
    errors_text(world)  # the expected refusal, seen
    # A channel that is no forum at all (a plain text channel): refused the same way.
    refused = await world.admin.slash(world.general, "mod role", member=mia, role="moderator", forum=world.general)
    assert "is not a registered forum" in text_of(refused) and refused.ephemeral
    refused = await world.admin.slash(world.general, "forumadmin forum", forum=world.general, status="closed")
    assert "is not a registered forum" in text_of(refused) and refused.ephemeral
    assert await world.bot.db.run(forums.by_channel, world.general.id) is None
    errors_text(world)  # the expected refusals, seen
    refused = await world.admin.slash(world.general, "mod role", member=mia, role="participant", forum=world.forum)
    assert "goes with the Moderator role only" in text_of(refused)
    errors_text(world)  # the expected refusal, seen
    listed = text_of(await world.admin.slash(world.general, "forumadmin roles"))
    assert mia.mention not in listed


@pytest.mark.parametrize("backend", BACKENDS)
async def test_categories_group_the_forum_list_and_travel_in_the_export(world):
    help_desk = world.guild.create_category("Help desk")
    support = await second_forum(world, "Support", category=help_desk)
    assert (await stored(world, support)).category == "Help desk"
    assert (await stored(world, world.forum)).category is None
    listed = text_of(await world.admin.slash(world.general, "forum list"))
    assert listed.index("Discussion") < listed.index("Help desk") < listed.index("Support")
    # Moved to another category in Discord: the record follows.
    lounge = world.guild.create_category("Lounge")
    await world.bot.get_channel(support.id).edit(category=world.bot.get_channel(lounge.id))
    await world.env.settle()
    assert (await stored(world, support)).category == "Lounge"
    exported = await world.admin.slash(world.general, "forumadmin export")
    attachment = next(m for m in [exported.response, *exported.followups] if m is not None and m.attachments)
    doc = json.loads(await attachment.attachments[0].read())
    assert {f["name"]: f["category"] for f in doc["forums"]} == {"Discussion": None, "Support": "Lounge"}


@pytest.mark.parametrize("backend", BACKENDS)
async def test_catch_up_holds_a_post_the_forums_rules_refuse(world):
    await world.admin.slash(world.general, "topic new", forum=world.forum, title="News", body="Version 2")
    thread = world.thread("News")
    await world.admin.slash(world.general, "forumadmin forum", forum=world.forum, posting="moderators")
    reader = world.member("Reader")
    world.offline_message(thread, reader, "written while the bot was away")
    world.offline_message(thread, world.admin, "a keymaster's note")
    await world.restart()
    recorded = await world.posts_of(thread)
    assert [p.content for p in recorded][1:] == ["written while the bot was away", "a keymaster's note"]
    assert await world.bot.db.run(reports.open_count, world.guild.id) == 1  # the reader's, in /mod queue
    queue = text_of(await world.admin.slash(world.general, "mod queue"))
    assert "written while the bot was away" in queue and "a keymaster's note" not in queue


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_channels_own_slowmode_holds_for_topic_new_and_reply(world):
    """Discord does not hold the bot to a channel's slowmode: /topic new and /reply keep it
    for members (the forum channel's between new topics, the thread's between replies)."""
    world.env.backend.edit_channel(world.forum.id, {"rate_limit_per_user": 60})
    await world.env.settle()
    member = world.member("Asker")
    first = await member.slash(world.general, "topic new", forum=world.forum, title="First", body="one")
    assert "Started topic" in text_of(first), text_of(first)
    await world.env.advance_time(20)  # past the throttle (10 s), within the slowmode (60 s)
    refused = await member.slash(world.general, "topic new", forum=world.forum, title="Second", body="two")
    assert "Slowmode is on here in Discord: you can post here again in 40 seconds." in text_of(refused)
    assert refused.ephemeral and [t.name for t in world.forum.threads] == ["First"]
    errors_text(world)  # the expected refusal, seen
    moderator = world.member("Mod Mia", roles=(moderator_discord_role(world),))
    await world.admin.slash(world.general, "mod role", member=moderator, role="moderator")
    await moderator.slash(world.general, "topic new", forum=world.forum, title="Mods first", body="m")
    await moderator.slash(world.general, "topic new", forum=world.forum, title="Mods again", body="m")
    assert {"Mods first", "Mods again"} <= {t.name for t in world.forum.threads}  # moderators are exempt
    await world.env.advance_time(41)
    again = await member.slash(world.general, "topic new", forum=world.forum, title="Second", body="two")
    assert "Started topic" in text_of(again), text_of(again)

    thread = world.thread("First")
    world.env.backend.edit_channel(thread.id, {"rate_limit_per_user": 30})
    await world.env.settle()
    await world.env.advance_time(15)
    replied = await member.slash(world.general, "reply", topic=f"#{(await world.topic(thread)).number}", body="r1")
    assert "Replied as" in text_of(replied), text_of(replied)
    await world.env.advance_time(15)
    refused = await member.slash(world.general, "reply", topic=f"#{(await world.topic(thread)).number}", body="r2")
    assert "you can post here again in 15 seconds" in text_of(refused), text_of(refused)
    errors_text(world)  # the expected refusal, seen
    assert [p.content for p in await world.posts_of(thread)] == ["one", "r1"]
