"""The prompt `/topic new` shows in a forum that requires a tag and got none: the forum's
tags in a select menu; choosing posts the topic (its title and body kept by the view)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.failures import AnsweringView
from bot.i18n import _

Chosen = Callable[[discord.Interaction, list[str]], Awaitable[None]]
PROMPT_SECONDS = 600.0


class TagPrompt(AnsweringView):
    def __init__(self, owner_id: int, tags: list[tuple[str, bool]], on_chosen: Chosen) -> None:
        """``tags``: (name, allowed) of the forum's tags; moderated ones a member may not apply are left out."""
        super().__init__(timeout=PROMPT_SECONDS)
        self.owner_id = owner_id
        self.on_chosen = on_chosen
        offered = [name for name, allowed in tags if allowed][:25]
        menu: discord.ui.Select[TagPrompt] = discord.ui.Select(
            placeholder=_("Choose the topic's tags"),
            min_values=1,
            max_values=min(5, len(offered)),
            options=[discord.SelectOption(label=name[:100], value=name[:100]) for name in offered],
        )
        menu.callback = self._chosen  # type: ignore[method-assign]
        self.menu = menu
        self.add_item(menu)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.owner_id

    async def _chosen(self, interaction: discord.Interaction) -> None:
        self.stop()
        await self.on_chosen(interaction, list(self.menu.values))


def prompt_text(forum_mention: str) -> str:
    return _(
        "{forum} requires a tag on every topic. Choose one or more below and your topic is posted.", forum=forum_mention
    )
