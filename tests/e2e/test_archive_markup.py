"""Discord markup on the archive and in the readable exports, through the real bot: mentions
read as the names Discord resolved when the message was recorded, timestamps as dates,
spoilers hidden (and out of the page's description), never a raw id."""

from __future__ import annotations

import re

import html5lib
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.porting import exports
from bot.storage import create_database
from bot.web.app import create_app
from tests.backends import BACKENDS

T = 1764324000  # 2025-11-28 10:00 UTC


@pytest.mark.parametrize("backend", BACKENDS)
async def test_mentions_timestamps_and_spoilers_read_as_text_on_the_topic_page(world) -> None:  # type: ignore[no-untyped-def]
    staff = world.guild.create_role("Night Staff", mentionable=True)
    asker = world.member("Marzana M")
    helper = world.member("Quiet Quinn")  # never posts: known only from the mention
    await asker.slash(world.general, "topic new", forum=world.forum, title="Markup", body="Who knows?")
    thread = world.thread("Markup")
    body = (
        f"Ask <@{helper.id}> or <@&{staff.id}> in <#{world.general.id}> (or <#{world.forum.id}>); "
        f"not <@123456789012345678>. Since <t:{T}:D>. ||the butler did it|| **done**"
    )
    await world.env.advance_time(30)  # past the posting throttle
    await asker.send(thread, body)
    late = world.member("Late Lou")  # mentioned only in an edit
    await world.env.advance_time(30)
    editor = world.member("Eddie Editor")
    edited = await editor.send(thread, "Nobody yet.")
    await editor.edit(edited, f"Nobody yet. Edit: ask <@{late.id}>.")
    await world.bot.db.flush()

    db = create_database(world.bot.settings, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db))) as client:
            response = await client.get(f"/topics/1?guild={world.guild.id}")
            assert response.status == 200
            html = await response.text()
            feed = await (await client.get(f"/topics/1/feed.xml?guild={world.guild.id}")).text()
            found = await (await client.get(f"/search?q=ask+since&guild={world.guild.id}")).text()
            spoiled = await (await client.get(f"/search?q=butler&guild={world.guild.id}")).text()
        markdown = await db.run(lambda conn: exports.render(conn, "markdown", world.guild.id))
        exported = await db.run(lambda conn: exports.render(conn, "html", world.guild.id))
    finally:
        await db.close()

    assert 'id="post-2"' in html
    post = html[html.index('id="post-2"') :]
    post = post[: post.index("</article>")]
    assert '<span class="mention">@Quiet Quinn</span>' in post
    assert '<span class="mention role">@Night Staff</span>' in post
    assert '<span class="mention channel">#general</span>' in post
    assert '<span class="mention channel">#Discussion</span>' in post  # a forum's channel, by its name
    assert '<span class="mention unknown">@unknown-user</span>' in post
    assert '<time datetime="2025-11-28T10:00:00Z"' in post and ">28 November 2025</time>" in post
    assert '<label class="spoiler"><input type="checkbox"' in post and "the butler did it" in post
    assert "<strong>done</strong>" in post
    for raw in (str(helper.id), str(staff.id), str(world.general.id), "123456789012345678", "&lt;t:", "||"):
        assert raw not in post, raw
    edit = html[html.index('id="post-3"') :]
    assert '<span class="mention">@Late Lou</span>' in edit[: edit.index("</article>")]
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    # The spoiler is never in what search engines read of the page.
    head = html[: html.index("</head>")]
    assert "butler" not in head
    # Feed readers have no stylesheet to hide a spoiler with: the feed withholds it.
    assert "Quiet Quinn" in feed and "butler" not in feed and "[spoiler]" in feed
    description = re.search(r'<meta name="description" content="([^"]*)"', html)
    assert description is not None and "Who knows?" in description.group(1)

    # Search snippets too: names, dates, and the spoiler withheld.
    snippet = found[found.index('<p class="snippet">') :]
    snippet = snippet[: snippet.index("</p>")]
    assert "@Quiet Quinn" in snippet and "@Night Staff" in snippet and "28 November 2025" in snippet
    assert "butler" not in snippet and str(helper.id) not in snippet
    assert 'href="/topics/2?guild=' in spoiled  # the spoiler's words find the post...
    hits = spoiled[spoiled.index('<ol class="hits"') : spoiled.index("</ol>")]
    assert "[spoiler]" in hits and "butler" not in hits  # ...but never show them

    # The exports read the same names: the Markdown export as text, spoilers as written.
    assert "@Quiet Quinn or @Night Staff in #general (or #Discussion); not @unknown-user." in markdown
    assert "Since 28 November 2025. ||the butler did it|| **done**" in markdown
    assert str(helper.id) not in markdown and str(staff.id) not in markdown
    assert '<span class="mention">@Quiet Quinn</span>' in exported and '<label class="spoiler">' in exported
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(exported)
