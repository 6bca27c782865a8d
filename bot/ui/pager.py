"""Previous/Next buttons that keep working after a restart (discord.py DynamicItem).

A button's custom id carries everything needed to draw the page it leads to:
``tk:pg:<kind>:<args>:<page>:<p|n>``. Cogs register a page function per kind on the
bot (``bot.pagers[kind] = fn``); the button calls it and edits the message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from bot.errors import UserFacingError
from bot.failures import Answering, AnsweringView
from bot.i18n import _

log = logging.getLogger(__name__)


@dataclass
class Page:
    embed: discord.Embed
    page: int
    pages: int


PageFn = Callable[[discord.Interaction, str, int], Awaitable[Page]]


def view_for(kind: str, args: str, page: Page) -> discord.ui.View:
    """A persistent view with Previous/Next, or an empty view for a single page."""
    view = AnsweringView(timeout=None)
    if page.pages > 1:
        view.add_item(PageButton(kind, args, max(0, page.page - 1), "p", disabled=page.page <= 0))
        view.add_item(
            PageButton(kind, args, min(page.pages - 1, page.page + 1), "n", disabled=page.page >= page.pages - 1)
        )
    return view


class PageButton(
    Answering,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"tk:pg:(?P<kind>[a-z]+):(?P<args>[^:]*):(?P<page>\d+):(?P<dir>[pn])",
):
    def __init__(self, kind: str, args: str, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Previous") if direction == "p" else _("Next"),
                style=discord.ButtonStyle.secondary,
                custom_id=f"tk:pg:{kind}:{args}:{page}:{direction}",
                disabled=disabled,
            )
        )
        self.kind, self.args, self.page = kind, args, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        return cls(match["kind"], match["args"], int(match["page"]), match["dir"])

    where = "page button"

    async def pressed(self, interaction: discord.Interaction) -> None:
        pagers: dict[str, PageFn] = getattr(interaction.client, "pagers", {})
        render = pagers.get(self.kind)
        if render is None:
            raise UserFacingError(_("These buttons are out of date; run the command again."))
        page = await render(interaction, self.args, self.page)
        await interaction.response.edit_message(embed=page.embed, view=view_for(self.kind, self.args, page))
