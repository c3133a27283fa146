"""Source citations as a reader sees them: the law, the statistics table or the study, without developer notes.

The data files cite, beside the reader's source, where a developer finds the reasoning: sections of the project's
domain-rules document ("domain-rules §3", "§9.5"), its numbered source list ("S22", "S43-S45") and code or data
paths ("polku/kpi/relations.py", "reference/service_types.csv"). Those stay in the files, for developers, and are
taken out here before a page shows a citation. A law's own section ("906/2019, 17 §") is the reader's and stays.
"""

from __future__ import annotations

import re

_DEV_TOKEN = re.compile(
    r"domain-rules(?:\.md)?(?:\s*§\s*\d[\d.]*(?:\s*[–-]\s*§?\s*\d[\d.]*)?)?"  # domain-rules §3, §1–§2
    r"|§\s*\d[\d.]*(?:\s*[–-]\s*§?\s*\d[\d.]*)?"  # §9.5: the document's numbering (a law writes "17 §")
    r"|\bS\d+(?:\s*[–-]\s*S?\d+)?\b"  # S22, S43-S45, S76–S77
    r"|\bpolku[./][\w./]*"  # polku/kpi/relations.py, polku.provision
    r"|[\w.-]*/[\w./-]*\.(?:py|csv|md|json)\b"  # reference/service_types.csv
    r"|\b[\w-]+\.(?:py|csv|md)\b"  # seed_figures.csv
    r"|\bpolku [a-z_]+ [a-z_]+\b"  # a command: polku labour_force import
    r"|\(seed \d+\)",  # the simulator's seed
)
_CODE_PATH = re.compile(r"\bpolku[./]\w|\w/[\w./-]*\.(?:py|csv|md|json)\b")


def _top_level_clauses(text: str) -> list[str]:
    """``text`` split at the semicolons outside parentheses."""
    clauses, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth == 0:
            clauses.append(text[start:i])
            start = i + 1
    clauses.append(text[start:])
    return clauses


def _outside_parentheses(text: str) -> str:
    return re.sub(r"\([^()]*\)", "", text)


def _tidy(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"[;,]\s*[\w ]+:\s*(?=[.;)]|$)", "", text)  # a label left with nothing after it: "; luvut: ."
        text = re.sub(r"\s*[,;:]\s*(?=[,;:)])", "", text)  # a separator left before another or a closing parenthesis
        text = re.sub(r"\(\s*[,;:]\s*", "(", text)  # ... or after an opening one
        text = re.sub(r"\s*\(\s*\)", "", text)  # parentheses left empty
        text = re.sub(r"\s+([,.;:)])", r"\1", text)
        text = re.sub(r"\s{2,}", " ", text)
    return text.strip(" ,;:")


def reader_source(text: object) -> str:
    """``text`` without the developer notes; a citation made only of them (e.g. "S37") becomes empty."""
    if not text:
        return ""
    clauses = [c for c in _top_level_clauses(str(text)) if not _CODE_PATH.search(_outside_parentheses(c))]
    return _tidy(_DEV_TOKEN.sub("", ";".join(clauses)))


_SETTING_OR_SYNTAX = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\"\w+\"\s*:")  # POLKU_SHARE_RULES_FILE, "key":


def reader_note(text: object) -> str:
    """A data file's note as a reader sees it: :func:`reader_source`, and without the sentences that tell a developer
    how to configure it (a setting's name, a file's syntax)."""
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+", reader_source(text)):
        # A sentence may say what Polku does by default and then, after a semicolon, how to change it: keep the first.
        clauses = [c for c in re.split(r";\s+", sentence) if c and not _SETTING_OR_SYNTAX.search(c)]
        if clauses:
            joined = "; ".join(clauses)
            kept.append(joined if joined[-1] in ".!?" else f"{joined}.")
    return " ".join(kept)
