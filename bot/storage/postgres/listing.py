"""``topics.list_page`` in one statement on PostgreSQL.

The general path sends four or five statements (the stickies, the forums' counters, the
stickies to subtract, the page's ids, the page's rows), each its own round trip and its
own planning; the multi-forum page alone was one sub-select per forum, planned in 1.5 –
2 ms. Here the same parts are ``WITH`` parts of one statement whose text depends only on
the sort and the status filter (the forums are arrays, the page of each forum is one
``LATERAL`` sub-select over its list index), so psycopg prepares it and the server plans
it once per connection:

- ``st``: the stickies that match, numbered in their order (super stickies first);
- ``n``: how many; the rest's ``LIMIT``/``OFFSET`` follow from it as on the general path;
- ``rest``: per forum, the first offset + limit non-sticky topics from the sort's index
  (``LATERAL``), merged, cut to the page, numbered;
- the total: the stickies plus the forums' counters less the matching stickies (the
  unanswered sort: a count of its partial index), as ``topics._count_rest`` does;
- the page's rows, stickies first, each with the total (one row of NULLs and the total
  when the page is empty).

The conditions come from ``topics`` (its ``_filters``, ``_ORDER``, ``_COUNTER``), so both
backends list the same topics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def list_page(
    conn: Any,
    forum_ids: Sequence[int],
    super_forum_ids: Sequence[int],
    *,
    order: str,
    columns: str,
    filters: tuple[list[str], list[object]],
    counter: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Any], int]:
    """The page's topic rows, in order, and the list's total (see the module doc): ``order``
    and ``columns`` are the sort's (``ORDER BY`` and the index's columns), ``filters`` the
    status filter's and the sort's conditions with their parameters, ``counter`` the forums'
    counter of the status filter (None: count the partial index, the unanswered sort)."""
    conditions, filter_params = filters
    where = " AND ".join(conditions)
    forums, supers = [int(i) for i in forum_ids], [int(i) for i in super_forum_ids]
    if counter is None:
        rest_count = f"(SELECT COUNT(*) FROM topics WHERE forum_id = ANY(?::bigint[]) AND sticky = 'none' AND {where})"
        count_params: list[object] = [forums, *filter_params]
    else:
        rest_count = (
            f"GREATEST(0, (SELECT COALESCE(SUM({counter}), 0) FROM forums WHERE id = ANY(?::bigint[])) - "
            f"(SELECT COUNT(*) FROM topics WHERE sticky != 'none' AND forum_id = ANY(?::bigint[]) AND {where}))"
        )
        count_params = [forums, forums, *filter_params]
    sql = (
        "WITH st AS ("
        f"SELECT id, row_number() OVER (ORDER BY sticky = 'super' DESC, {order}) AS list_pos FROM topics "
        "WHERE sticky != 'none' AND ((forum_id = ANY(?::bigint[]) AND sticky = 'sticky') "
        f"OR (forum_id = ANY(?::bigint[]) AND sticky = 'super')) AND {where}"
        "), n AS (SELECT COUNT(*) AS n FROM st), "
        f"rest AS (SELECT id, row_number() OVER (ORDER BY {order}) AS list_pos FROM ("
        "SELECT c.* FROM unnest(?::bigint[]) AS f(forum) CROSS JOIN LATERAL ("
        f"SELECT {columns} FROM topics WHERE forum_id = f.forum AND sticky = 'none' AND {where} "
        f"ORDER BY {order} LIMIT ?) AS c ORDER BY {order} "
        "LIMIT (SELECT GREATEST(0, ? - GREATEST(0, LEAST(?, n - ?))) FROM n) OFFSET (SELECT GREATEST(0, ? - n) FROM n)"
        ") AS c), "
        "page AS (SELECT 0 AS list_part, list_pos, id FROM st WHERE list_pos > ? AND list_pos <= ? "
        "UNION ALL SELECT 1, list_pos, id FROM rest) "
        f"SELECT (SELECT n FROM n) + {rest_count} AS list_total, t.* FROM (SELECT 1) AS one "
        "LEFT JOIN page ON true LEFT JOIN topics t ON t.id = page.id ORDER BY page.list_part, page.list_pos"
    )
    params: list[object] = [
        forums, supers, *filter_params,  # st
        forums, *filter_params, offset + limit,  # rest: each forum's first offset + limit
        limit, limit, offset, offset,  # the rest's LIMIT and OFFSET after the stickies
        offset, offset + limit,  # the stickies on the page
        *count_params,
    ]  # fmt: skip
    rows = conn.execute(sql, params).fetchall()
    total = int(rows[0]["list_total"]) if rows else 0
    return [row for row in rows if row["id"] is not None], total
