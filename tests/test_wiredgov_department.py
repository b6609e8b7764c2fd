"""Wired-Gov's department label is read from where it stands on the page (just above the
title, or under "Latest News from"), never from an invented class name; a navigation link or
a sentence above the title is not a department."""
from __future__ import annotations

from lxml import html

from cleaners.sites.wiredgov import department_from_page

DEPT = "Department for Education"


def _dept(body: str) -> str | None:
    return department_from_page(html.fromstring(f"<html><body>{body}</body></html>"))


def test_label_above_the_title_in_any_container() -> None:
    assert _dept(f"<span>{DEPT}</span><br>|<a href='/p'>Printable version</a><h1>T</h1>") == DEPT
    assert _dept(f"<table><tr><td><b>{DEPT}</b></td></tr></table><h1>T</h1>") == DEPT


def test_label_under_latest_news_when_nothing_stands_above_the_title() -> None:
    page = f"<h1>T</h1><p>Body text.</p><div><h3>Latest News from</h3><h4>{DEPT}</h4></div>"
    assert _dept(page) == DEPT


def test_navigation_and_sentences_are_not_departments() -> None:
    assert _dept("<nav><a href='/depts'>Departments</a></nav><h1>T</h1>") is None
    assert _dept("<p>The minister said today that the plan would go ahead as announced.</p><h1>T</h1>") is None
    assert _dept("<script>var Department = 1;</script><h1>T</h1>") is None
