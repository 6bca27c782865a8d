"""Both enforcement layers: Discord's overwrites and the bot's own check."""

from __future__ import annotations

import discord
import pytest

from bot.storage import posts, reports
from tests.backends import BACKENDS
from tests.e2e.helpers import text_of


def overwrite(world, target_id: int) -> tuple[int, int] | None:
    channel = world.bot.get_channel(world.forum.id)
    for target, value in channel.overwrites.items():
        if target.id == target_id:
            allow, deny = value.pair()
            return allow.value, deny.value
    return None


POST = discord.Permissions(send_messages=True, send_messages_in_threads=True).value


async def start_topic(world, title="Q", asker=None):
    asker = asker or world.member("Asker")
    await asker.slash(world.general, "topic new", forum=world.forum, title=title, body="?")
    return world.thread(title)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_throttle_refuses_a_second_post_within_the_window_and_returns_the_text(world):
    thread = await start_topic(world)
    fast = world.member("Fast")
    await fast.send(thread, "one")
    await fast.send(thread, "two, too soon")
    contents = [m.content for m in thread.history()]
    assert "one" in contents and "two, too soon" not in contents
    dms = "\n".join(world.dm_texts(fast))
    assert "Slow down" in dms and "two, too soon" in dms
    await world.env.advance_time(10)
    await fast.send(thread, "three")
    assert [p.content for p in await world.posts_of(thread)][1:] == ["one", "three"]


async def test_moderators_are_exempt_from_the_throttle(world):
    thread = await start_topic(world)
    mods = world.guild.create_role("Mods")
    await world.admin.slash(world.general, "forumadmin rolemap", forum_role="moderator", discord_role=mods)
    moderator = world.member("Mod", roles=(mods,))
    await moderator.send(thread, "one")
    await moderator.send(thread, "two")
    assert [p.author_role for p in await world.posts_of(thread)][1:] == ["moderator", "moderator"]


async def test_slash_reply_is_throttled_too(world):
    await start_topic(world)
    helper = world.member("Helper")
    await helper.slash(world.general, "reply", topic="#1", body="first")
    result = await helper.slash(world.general, "reply", topic="#1", body="second")
    assert "Slow down" in text_of(result) and result.ephemeral
    assert "Slow down" in repr(world.env.errors)


async def test_closed_dms_get_a_short_notice_in_the_thread_that_deletes_itself(world):
    readers = world.guild.create_role("Readers")
    await world.admin.slash(world.general, "forumadmin rolemap", forum_role="spectator", discord_role=readers)
    thread = await start_topic(world)
    reader = world.member("Reader", roles=(readers,))
    world.close_dms(reader)
    await world.unchecked_message(thread, reader, "let me in")
    notice = thread.history()[-1]
    assert notice.content.startswith(reader.mention)
    assert "You must be a participant to reply to this topic" in notice.content
    assert "let me in" not in [m.content for m in thread.history()]
    await world.env.advance_time(15)
    assert all(m.id != notice.id for m in thread.history())


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_refused_post_heard_twice_is_removed_and_told_once(world):
    """The same message reaching the bot twice (a second unsharded process on the same database,
    a resumed session): the first to claim it in the database refuses it; the other does
    nothing, so one DM, and no failed second removal taken for a post that stays up."""
    thread = await start_topic(world)
    fast = world.member("Fast")
    await fast.send(thread, "one")
    refused = await fast.send(thread, "two, too soon")
    dms = world.dm_texts(fast)
    assert "Slow down" in "\n".join(dms) and len(dms) == 2  # the reason, then the text back
    await world.deliver_again(refused.id)
    assert world.dm_texts(fast) == dms
    assert await world.bot.db.run(posts.by_message, refused.id) is None  # not recorded as held
    assert [p.content for p in await world.posts_of(thread)][1:] == ["one"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_refused_post_the_bot_cannot_delete_is_recorded_flagged_and_held(world):
    readers = world.guild.create_role("Readers")
    await world.admin.slash(world.general, "forumadmin rolemap", forum_role="spectator", discord_role=readers)
    thread = await start_topic(world)
    reader = world.member("Reader", roles=(readers,))
    world.env.inject_error(
        "DELETE", f"/channels/{thread.id}/messages/*", status=403, code=50013, message="Missing Permissions"
    )
    message_id = await world.unchecked_message(thread, reader, "stuck here")
    assert "stuck here" in [m.content for m in thread.history()]
    post = await world.bot.db.run(posts.by_message, message_id)
    assert post is not None and post.flag and "participant" in post.flag
    assert await world.bot.db.run(reports.open_for_post, post.id) == [("held", post.flag)]
    assert "held for the moderators" in "\n".join(world.dm_texts(reader))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_spectators_native_post_is_removed_and_the_text_comes_back(world):
    await world.admin.slash(world.general, "forumadmin settings", default_role="spectator")
    spectator = world.member("Watcher")
    backend_thread = world.env.backend.create_thread(world.forum.id, "My question", spectator.id)
    world.env.backend.create_message(backend_thread.id, spectator.id, "please answer")
    await world.env.settle()
    assert all(t.name != "My question" for t in world.forum.threads)
    dms = "\n".join(world.dm_texts(spectator))
    assert "You must be a participant to start a topic" in dms
    assert "My question" in dms and "please answer" in dms
    assert await world.bot.db.run(lambda c: c.execute("SELECT COUNT(*) FROM topics").fetchone()[0]) == 0


async def test_default_role_spectator_sets_overwrites_and_forum_join_opens_the_door(world):
    everyone = world.guild.default_role.id
    assert overwrite(world, world.bot.user.id)[0] & POST == POST  # the bot keeps its own allow
    result = await world.admin.slash(world.general, "forumadmin settings", default_role="spectator")
    assert "default_role: `spectator`" in text_of(result)
    assert overwrite(world, everyone)[1] & POST == POST
    thread = await start_topic(world, asker=world.admin)  # the owner is a keymaster
    newcomer = world.member("Newcomer")
    try:
        await newcomer.send(thread, "hello?")
    except Exception as error:
        assert "50013" in str(error) or "Missing Permissions" in str(error)
    else:
        raise AssertionError("Discord let a spectator reply")
    joined = await newcomer.slash(world.general, "forum join")
    assert "You are now a **Participant**" in text_of(joined)
    assert overwrite(world, newcomer.id)[0] & POST == POST
    await newcomer.send(thread, "hello!")
    assert (await world.posts_of(thread))[-1].content == "hello!"
    again = await newcomer.slash(world.general, "forum join")
    assert "already" in text_of(again)
    left = await newcomer.slash(world.general, "forum leave")
    assert "Spectator" in text_of(left)
    assert overwrite(world, newcomer.id) is None or overwrite(world, newcomer.id)[0] & POST == 0


async def test_forum_join_when_registration_is_closed_and_leave_without_joining(world):
    await world.admin.slash(world.general, "forumadmin settings", default_role="spectator", registration="closed")
    newcomer = world.member("Newcomer")
    assert "Registration is closed" in text_of(await newcomer.slash(world.general, "forum join"))
    assert "no forum registration" in text_of(await newcomer.slash(world.general, "forum leave"))
    assert len(world.env.errors) == 2


async def test_rolemap_blocked_role_is_denied_and_remove_lifts_it(world):
    trolls = world.guild.create_role("Trolls")
    result = await world.admin.slash(world.general, "forumadmin rolemap", forum_role="blocked", discord_role=trolls)
    assert "Blocked" in text_of(result)
    assert overwrite(world, trolls.id)[1] & POST == POST
    mods = world.guild.create_role("Mods")
    result = await world.admin.slash(world.general, "forumadmin rolemap", forum_role="moderator", discord_role=mods)
    assert "Integrations" in text_of(result)
    await world.admin.slash(world.general, "forumadmin rolemap-remove", discord_role=trolls)
    assert overwrite(world, trolls.id) is None
    missing = await world.admin.slash(world.general, "forumadmin rolemap-remove", discord_role=trolls)
    assert "not in the role map" in text_of(missing)
    world.env.errors  # noqa: B018


async def test_forumadmin_is_for_keymasters_only(world):
    member = world.member("Curious")
    await world.show_to_everyone("forumadmin")  # Discord would hide it; the runtime check still holds
    result = await member.slash(world.general, "forumadmin settings", throttle_seconds=0)
    assert result.ephemeral and "for Keymasters" in text_of(result)
    assert "your forum role is Participant" in text_of(result)
    assert world.env.errors
    shown = await world.admin.slash(world.general, "forumadmin settings")
    assert "throttle_seconds: `10`" in text_of(shown)


async def test_forumadmin_remove_keeps_records_and_stops_recording(world):
    thread = await start_topic(world)
    result = await world.admin.slash(world.general, "forumadmin remove", forum=world.forum)
    assert "no longer a forum" in text_of(result)
    await world.member("Late").send(thread, "after removal")
    assert [p.content for p in await world.posts_of(thread)] == ["?"]
    again = await world.admin.slash(world.general, "forumadmin add", channel=world.forum)
    assert "Registered" in text_of(again) and "Adopted 1 post" in text_of(again)


async def test_the_forum_record_follows_the_channel(world):
    from bot.storage import forums

    world.env.backend.edit_channel(world.forum.id, {"name": "Questions"})
    await world.env.settle()
    forum = await world.bot.db.run(forums.by_channel, world.forum.id)
    assert forum.name == "Questions" and forum.public
    channel = world.bot.get_channel(world.forum.id)
    await channel.set_permissions(channel.guild.default_role, view_channel=False)
    await world.env.settle()
    assert not (await world.bot.db.run(forums.by_channel, world.forum.id)).public
    await channel.delete()
    await world.env.settle()
    assert not (await world.bot.db.run(forums.by_channel, world.forum.id)).registered
