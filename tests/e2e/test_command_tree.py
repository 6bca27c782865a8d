"""Meta-test: walk the bot's command tree (names, descriptions, guards)."""

from __future__ import annotations

from typing import Any

import discord
from discord import ChannelType, app_commands

from bot.domain.roles import ForumRole
from bot.services.access import required_role, requires
from tests.e2e.helpers import World

PLACEHOLDER = "…"  # discord.py's description when none is given
GUARDED = {
    "mod": (discord.Permissions(manage_threads=True), ForumRole.MODERATOR.key),
    "forumadmin": (discord.Permissions(manage_guild=True), ForumRole.KEYMASTER.key),
}


def leaves(item: Any) -> list[app_commands.Command[Any, ..., Any]]:
    if isinstance(item, app_commands.Group):
        found: list[app_commands.Command[Any, ..., Any]] = []
        for child in item.commands:
            found += leaves(child)
        return found
    return [item]


async def test_names_unique_and_everything_described(world: World) -> None:
    tree = world.bot.tree
    slash = tree.get_commands(type=discord.AppCommandType.chat_input)
    names = [c.name for c in slash]
    assert len(names) == len(set(names)), names
    for menu_type in (discord.AppCommandType.message, discord.AppCommandType.user):
        menus = [c.name for c in tree.get_commands(type=menu_type)]
        assert len(menus) == len(set(menus)), menus
    for root in slash:
        assert root.description and root.description != PLACEHOLDER, root.name
        if isinstance(root, app_commands.Group):
            children = [c.name for c in root.commands]
            assert len(children) == len(set(children)), children
        for command in leaves(root):
            assert command.description and command.description != PLACEHOLDER, command.qualified_name
            assert len(command.parameters) <= 25
            for parameter in command.parameters:
                assert parameter.description and parameter.description != PLACEHOLDER, (
                    f"/{command.qualified_name} {parameter.name} has no description"
                )


async def test_mod_and_forumadmin_are_hidden_and_checked(world: World) -> None:
    roots = {c.name: c for c in world.bot.tree.get_commands(type=discord.AppCommandType.chat_input)}
    for name, (permissions, role) in GUARDED.items():
        group = roots[name]
        assert isinstance(group, app_commands.Group)
        assert group.default_permissions == permissions, name
        commands = leaves(group)
        assert commands
        for command in commands:
            assert required_role(command) == role, f"/{command.qualified_name} lacks the forum-role check"
    moderation = {c.name for c in leaves(roots["mod"])}
    assert {"close", "open", "role", "block", "unblock", "log", "history"} <= moderation


def test_requires_is_found_whatever_the_decorator_order() -> None:
    @app_commands.command(name="below", description="requires under the command decorator")
    @requires(ForumRole.MODERATOR)
    async def below(interaction: discord.Interaction) -> None: ...

    @requires(ForumRole.KEYMASTER)
    @app_commands.command(name="above", description="requires over the command decorator")
    async def above(interaction: discord.Interaction) -> None: ...

    @app_commands.command(name="open", description="unguarded")
    async def unguarded(interaction: discord.Interaction) -> None: ...

    assert required_role(below) == "moderator"
    assert required_role(above) == "keymaster" and above.extras["forum_role"] == "keymaster"
    assert required_role(unguarded) is None


# Options that take a topic, a post, a tag or an imported author, by name (issue 16, part 1);
# forums and channels are Discord's own channel pickers, members its member picker.
COMPLETED = {"topic", "post", "source", "target", "tags", "author"}
FORUM_KINDS = {ChannelType.forum, ChannelType.media, ChannelType.text, ChannelType.news}


async def test_every_topic_post_tag_and_author_option_offers_autocomplete(world: World) -> None:
    seen = set()
    for root in world.bot.tree.get_commands(type=discord.AppCommandType.chat_input):
        for command in leaves(root):
            for parameter in command.parameters:
                if parameter.name in COMPLETED and parameter.type is discord.AppCommandOptionType.string:
                    seen.add(command.qualified_name)
                    assert parameter.autocomplete, f"/{command.qualified_name} {parameter.name} has no autocomplete"
                if parameter.name == "forum":
                    assert parameter.type is discord.AppCommandOptionType.channel, command.qualified_name
                    kinds = set(parameter.channel_types)
                    assert kinds and kinds <= {
                        ChannelType.forum,
                        ChannelType.media,
                        ChannelType.text,
                        ChannelType.news,
                    }, f"/{command.qualified_name} forum offers channels that cannot be forums"
    assert {"forumadmin purge", "mod approve", "topic tags", "forumadmin link-author", "mod log"} <= seen
