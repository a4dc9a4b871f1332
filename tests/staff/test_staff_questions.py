"""Unanswered questions on SQLite and PostgreSQL: grouped by similarity, linked to a procedure
by an officer, approved by an admin; search answers with the learned phrase after a reload (and
at the next start), not before, and forgets it when the phrase is withdrawn."""

from __future__ import annotations

import pytest

from bot.bootstrap import Services, bootstrap
from bot.config import load_settings
from handlers import texts_vi as t
from handlers.messages import Incoming
from handlers.staff.audit import Actor, Forbidden, Refused
from handlers.staff.questions import Questions
from knowledge.base import KnowledgeBase
from storage import staff_repo

OFFICER = Actor(1, "lan", "officer")
ADMIN = Actor(2, "boss", "admin")
MARRIAGE = "1.000894"  # Thủ tục đăng ký kết hôn


async def _ask(services: Services, text: str, user: str) -> str:
    replies = await services.assistant.handle(Incoming("web", user, text=text))
    return replies[0].text


async def _answered(services: Services, text: str, user: str) -> set[str]:
    """The procedures whose aspect buttons the answer offers (the one answered)."""
    replies = await services.assistant.handle(Incoming("web", user, text=text))
    return {
        b.payload.split(":")[1] for r in replies for b in r.buttons if b.payload.startswith("pa:")
    }


@pytest.mark.slow  # rebuilds the search index
async def test_an_approved_phrase_changes_the_answer(
    staff_services: Services, kb: KnowledgeBase
) -> None:
    services = staff_services
    portal = services.settings.knowledge.portal_url
    not_found = t.NOT_IN_KNOWLEDGE_BASE.format(portal_url=portal)
    for i, text in enumerate(("giấy báo hỷ", "GIAY BAO HY", "làm giấy báo hỷ", "đổi tên cho con")):
        answer = await _ask(services, text, f"asker-{i:015d}")
        if i < 3:
            assert answer == not_found

    questions = Questions(services.sessions, services.kb)
    groups = await questions.groups(OFFICER)
    wedding = next(g for g in groups if "báo hỷ" in g.lead.text.lower())
    # One row per wording (the same words without diacritics count on it), similar ones grouped.
    assert [(m.text, m.count) for m in wedding.members] == [
        ("giấy báo hỷ", 2),
        ("làm giấy báo hỷ", 1),
    ]
    assert wedding.total == 3
    with pytest.raises(Forbidden):
        await questions.groups(Actor(3, "xem", "viewer"))

    ids = [m.id for m in wedding.members if m.id is not None]
    with pytest.raises(Refused) as personal:
        await questions.link(OFFICER, ids, MARRIAGE, "Nguyễn Văn An báo hỷ")
    assert personal.value.reason == "phrase_personal"
    with pytest.raises(Refused) as unknown:
        await questions.link(OFFICER, ids, "9.999999", "giấy báo hỷ")
    assert unknown.value.reason == "unknown_procedure"
    phrase = await questions.link(OFFICER, ids, MARRIAGE, "giấy báo hỷ")
    assert phrase.status == "proposed" and phrase.phrase == "giay bao hy"
    assert all("báo hỷ" not in g.lead.text.lower() for g in await questions.groups(OFFICER))

    assert phrase.id is not None
    with pytest.raises(Forbidden):
        await questions.decide(OFFICER, phrase.id, True)
    assert services.knowledge is not None
    assert not await services.knowledge.reload(services.sessions)  # proposed is not approved
    await questions.decide(ADMIN, phrase.id, True)
    assert await _ask(services, "giấy báo hỷ", "asker-a") == not_found  # until the reload
    assert await services.knowledge.reload(services.sessions)
    answer = await _ask(services, "cho tôi hỏi làm giay bao hy can gi", "asker-b")
    assert answer.startswith("Hồ sơ cần chuẩn bị cho thủ tục “Đăng ký kết hôn”")
    assert await _answered(services, "giấy báo hỷ", "asker-b2") == {MARRIAGE}
    assert "giay bao hy" in services.knowledge.loaded

    # A replica that starts later reads the approved phrases from the database.
    restarted = await bootstrap(load_settings(), kb=kb, notifications=False)
    try:
        assert await _answered(restarted, "giấy báo hỷ", "asker-c") == {MARRIAGE}
    finally:
        await restarted.aclose()

    await questions.decide(ADMIN, phrase.id, False)  # withdrawn
    assert await services.knowledge.reload(services.sessions)
    assert await _ask(services, "giấy báo hỷ", "asker-d") == not_found
    async with services.sessions() as session:
        actions = [e.action for e in await staff_repo.list_audit(session, target_kind="phrase")]
    assert actions == ["phrase_rejected", "phrase_approved", "question_linked"]


async def test_dismissed_questions_leave_the_list(staff_services: Services) -> None:
    await _ask(staff_services, "xin giấy phép nuôi chim yến", "asker-e")
    questions = Questions(staff_services.sessions, staff_services.kb)
    (group,) = await questions.groups(OFFICER)
    await questions.dismiss(OFFICER, [m.id for m in group.members if m.id is not None])
    assert await questions.groups(OFFICER) == []


async def test_the_search_suggests_candidates_to_link(staff_services: Services) -> None:
    """An officer picks among the procedures the search finds instead of typing a code: what
    the assistant offered comes first and is marked; linking with a suggestion works."""
    services = staff_services
    assert services.knowledge is not None
    await _ask(services, "làm căn cước", "asker-f")  # a choice of several
    await _ask(services, "xin giấy phép nuôi chim yến", "asker-g")  # nothing found
    questions = Questions(services.sessions, services.kb, search=services.knowledge)
    groups = {g.lead.text: g for g in await questions.groups(OFFICER)}
    card = groups["làm căn cước"]
    offered = [s for s in card.suggestions if s.offered]
    assert len(offered) >= 2 and card.suggestions[: len(offered)] == tuple(offered)
    assert all("căn cước" in s.name.lower() for s in offered)
    assert 2 <= len(card.suggestions) <= 4
    assert len({s.code for s in card.suggestions}) == len(card.suggestions)
    birds = groups["xin giấy phép nuôi chim yến"]
    assert not any(s.offered for s in birds.suggestions)  # candidates only, none offered
    # Without a search the page asks for the code, as before.
    plain = await Questions(services.sessions, services.kb).groups(OFFICER)
    assert all(g.suggestions == () for g in plain)

    chosen = offered[0]
    ids = [m.id for m in card.members if m.id is not None]
    phrase = await questions.link(OFFICER, ids, chosen.code, "làm căn cước")
    assert phrase.procedure_code == chosen.code and phrase.status == "proposed"
    with pytest.raises(Refused) as missing:
        await questions.link(OFFICER, [m.id for m in birds.members if m.id], "  ", "chim yến")
    assert missing.value.reason == "procedure_missing"
