"""Pages speak planners' Chinese: no English words, code paths or metric acronyms in what a user sees."""

from __future__ import annotations

import html
import re

from .conftest import JIA, USERS, actor, version_of


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def test_pages_have_no_english(wb, web) -> None:  # noqa: ANN001
    city, jia = actor(wb, "city"), actor(wb, "jia")
    lid = wb.create_manual(city, {"firm_name": "测试页面有限公司", "firm_id": "T:00000"})
    wb.route(city, lid, version_of(wb, lid), JIA)
    wb.accept(jia, lid, version_of(wb, lid))
    wb.review(jia, lid, version_of(wb, lid), {"score_policy": "10"})
    wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "签约", "contract_amount_wan": "10"})
    allowed = set(USERS)  # user names are the users' own data
    pages = {
        "city": ["/", "/targets", "/leads", f"/leads/{lid}", f"/leads/{lid}/review", "/firms/T:00000", f"/counties/{JIA}",
                 "/reports", "/reports?period=half-month", "/reports?period=month", "/leads/new", "/leads?overdue=1"],
        "jia": ["/", f"/leads/{lid}"],
        "admin": ["/admin/users", "/admin/audit"],
        "boss": [f"/leads/{lid}"],
    }
    for user, urls in pages.items():
        for url in urls:
            r = web(user).get(url)
            assert r.status_code == 200, url
            words = set(re.findall(r"[A-Za-z][A-Za-z_./]{2,}", visible_text(r.text))) - allowed
            assert not words, f"{url} as {user}: {sorted(words)[:10]}"
