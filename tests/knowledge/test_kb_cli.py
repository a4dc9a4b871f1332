"""`motcua kb search|eval`: the JSON contract other tools rely on (DESIGN.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.cli import kb as kb_cli
from knowledge.base import KnowledgeBase


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, default=None)
    kb_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


@pytest.fixture(autouse=True)
def shared_kb(monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase) -> None:
    monkeypatch.setattr(kb_cli, "_load_kb", lambda args: kb)


def test_search_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["kb", "search", "dang ky ket hon", "--top", "2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2
    assert set(rows[0]) == {"code", "name", "score"}
    assert rows[0]["code"] == "1.000894"
    assert rows[0]["score"] >= rows[1]["score"]


def test_search_out_of_scope_is_an_empty_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["kb", "search", "thời tiết hôm nay", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_eval_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = tmp_path / "q.jsonl"
    rows = [
        {"query": "đăng ký kết hôn", "expected": ["1.000894"], "aspect": None, "source": "t"},
        {"query": "khai bao tam vang", "expected": ["1.003677"], "aspect": None, "source": "t"},
        {"query": "hi", "expected": [], "aspect": None, "source": "t"},
    ]
    queries.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    assert run(["kb", "eval", str(queries), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in (
        "n_answerable",
        "top1",
        "top3",
        "mrr",
        "n_out_of_scope",
        "abstain_rate",
        "p50_ms",
        "p99_ms",
    ):
        assert key in report
    assert report["n_answerable"] == 2 and report["n_out_of_scope"] == 1
    assert report["top1"] == 1.0 and report["abstain_rate"] == 1.0


def test_eval_of_a_missing_file_fails_cleanly(tmp_path: Path) -> None:
    assert run(["kb", "eval", str(tmp_path / "absent.jsonl")]) == 2


def test_search_explain_shows_the_analysis_the_candidates_and_the_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The age said, the candidates with their features, the doubt on the variant for other
    ages, and the rule."""
    assert run(["kb", "search", "con toi 14 tuoi lam can cuoc o dau", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "content words: 14 tuoi cap the can cuoc" in out
    assert "rewrite: 'con toi 14 tuoi lam can cuoc o dau' -> " in out
    assert "age: 14–15 tuổi" in out and "aspects: place" in out
    assert "[1.014061] Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên" in out
    assert "doubt: for ages dưới 14 tuổi" in out
    assert out.rstrip().splitlines()[-1].startswith("decision: answer by rule clear_winner")


def test_search_explain_json_is_the_trace(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["kb", "search", "con tôi mới sinh thì làm giấy tờ gì", "--explain", "--json"]) == 0
    trace = json.loads(capsys.readouterr().out)
    assert set(trace) == {"query", "analysis", "candidates", "decision"}
    analysis = trace["analysis"]
    assert analysis["corrections"] == {}  # "sinh" is spelled as meant, never "hình"
    assert " ".join(analysis["words"]).startswith("con toi moi sinh")
    assert "documents" in analysis["aspects"]
    assert any("khai sinh" in after for _, after in analysis["rewrites"])
    for c in trace["candidates"]:
        assert abs(sum(c["features"].values()) - c["score"]) <= 0.6  # rounding only
    decision = trace["decision"]
    assert decision["kind"] in ("answer", "choice")
    assert "1.001193" in decision["procedures"]  # birth registration, answered or offered


def test_search_explain_names_the_gate_that_abstained(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["kb", "search", "mua bán điện sinh hoạt cho nhà mới", "--explain", "--json"]) == 0
    decision = json.loads(capsys.readouterr().out)["decision"]
    assert decision == {
        "kind": "abstain",
        "rule": "out_of_scope",
        "reason": "out_of_scope",
        "procedures": [],
    }


def test_search_explain_shows_a_typo_fix_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """ "mua" (rain, or buy) is a word: changing it to "mã" does not make a better question."""
    assert run(["kb", "search", "mai ha noi co mua ko", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "correction refused (reads better as written): mua -> ma" in out
    assert "decision: abstain" in out
