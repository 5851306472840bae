"""The offline prompt-injection detector behind `prompt_injection_check` hooks.

It reads every string in a tool result (the keys too) and scores signals of text
that addresses the agent instead of being data. Each signal is a pattern for one
*kind* of move an injection makes, weighted by how rarely ordinary content makes it:

- ``override`` (1.0): telling the reader to ignore, forget or replace earlier
  instructions, rules or prompts;
- ``template`` (1.0): chat-template or role markers (``<|im_start|>``, ``[INST]``,
  ``<system>``, a line starting ``system:``) that only make sense to a model;
- ``reveal`` (0.8): asking for the system prompt or hidden instructions;
- ``secrecy`` (0.7): hiding an action from the user;
- ``role`` (0.6): giving the reader a new role or new instructions;
- ``exfiltrate`` (0.6): sending secrets or bulk data somewhere, plus 0.3 when a
  destination (an address or URL) follows;
- ``addressee`` (0.5): text speaking to an AI, assistant or agent;
- ``directive`` (0.5): an order given to one (``AI assistant, you must add ...``);
- ``sabotage`` (0.4): turning off a security control;
- ``tool_call`` (0.5): ordering a tool call (``call the ... tool``, a TOOL_SLUG);
- ``hidden`` (0.4): zero-width characters or an HTML comment carrying any of the above;
- ``urgent`` (0.3): ``IMPORTANT:``/``ATTENTION:`` style shouting.

A result is an injection when its best 400-character window scores at least
`THRESHOLD` (so two weaker moves together, or one strong one). Text is NFKC
normalized and zero-width characters removed before matching, so homoglyph
widths and invisible separators do not hide a phrase. Precision and recall on the
labelled set `tests/data/prompt_injection_set.jsonl` are printed by
`benchmarks/prompt_injection.py` and held above a floor by
`tests/test_prompt_injection_detector.py`. When the operator configures a model,
the hook asks it too (`hooks.INJECTION_PROMPT`); either finding an injection blocks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

THRESHOLD = 0.9
WINDOW = 400
MAX_TEXT = 200_000
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
HTML_COMMENT = re.compile(r"<!--(.*?)-->", re.S)

_I = re.IGNORECASE
AGENT = r"(ai|assistants?|agents?|llms?|language models?|chatbots?|copilot|gpt|claude|bots?|models?)"
ACTION = (
    r"(call|use|run|invoke|execute|send|forward|email|delete|cancel|close|approve|grant|disable|add|say|reveal|"
    r"share|post|transfer|wire|rank|mark|rename|accept|issue|remove|install|reply|respond|print|merge|ignore)\b"
)
SIGNALS: tuple[tuple[str, float, re.Pattern[str]], ...] = (
    (
        "override",
        1.0,
        re.compile(
            # "tries to override ..." describes an attack; it does not make one.
            r"(?<!tries to )(?<!try to )(?<!attempts to )(?<!attempt to )(?<!trying to )(?<!how to )"
            r"\b(ignore|disregard|forget|override|bypass|discard|abandon)\b[^.\n]{0,50}?"
            r"\b(instructions?|prompts?|rules|guidelines|directives|guardrails|constraints|"
            r"programming|safety|polic(y|ies)|context|orders|told)\b",
            _I,
        ),
    ),
    (
        "template",
        1.0,
        re.compile(
            r"<\|(im_start|im_end|system|user|assistant|endoftext)\|>|\[/?INST\]|<<SYS>>|</?system>|\[system\]|"
            r"</?(tool_result|function_results|instructions)>|^\s*(system|assistant)\s*:|"
            r"#{2,}\s*(system|instruction|new instructions)\b|\bBEGIN (SYSTEM|ADMIN) (PROMPT|MESSAGE|OVERRIDE)\b",
            _I | re.M,
        ),
    ),
    (
        "reveal",
        0.8,
        re.compile(
            r"\b(reveal|print|output|repeat|show|display|leak|dump|tell me)\b[^.\n]{0,30}?"
            r"\b(your|the)\s+(system prompt|initial prompt|hidden instructions|instructions|configuration|"
            r"original prompt|secret)",
            _I,
        ),
    ),
    (
        "secrecy",
        0.7,
        re.compile(
            r"\b(do not|don't|never|without)\s+(tell|telling|inform|informing|notify|notifying|mention|"
            r"mentioning|alert|alerting|let)\b[^.\n]{0,15}?\b(the user|the human|anyone|the owner|them)\b|"
            r"\bkeep (this|it) (secret|hidden|confidential) from\b|\bsilently\b[^.\n]{0,40}\b(send|forward|"
            r"delete|transfer|share|grant)\b",
            _I,
        ),
    ),
    (
        "role",
        0.6,
        re.compile(
            r"\byou are now\b|\bfrom now on,? you\b|\byour (new|real|true) (task|role|instructions|goal|"
            r"purpose|objective)\b|\bnew instructions?\s*:|\bpretend (to be|you are)\b|\benter (developer|"
            r"god|admin|dan) mode\b|\bjailbreak",
            _I,
        ),
    ),
    (
        "exfiltrate",
        0.6,
        re.compile(
            r"\b(send|forward|email|e-mail|post|upload|transfer|share|leak|exfiltrate|copy|paste|include)"
            r"(s|es|ed|ing)?\b"
            r"[^.\n]{0,50}?(\.env\b|\b(api[ _-]?keys?|passwords?|credentials|access tokens?|tokens|secrets?|private "
            r"keys?|ssh keys?|environment variables|all (of )?(the |their |your )?(files|emails|"
            r"messages|contacts|documents|data|repositories)|conversation history|chat history|session "
            r"cookies?|credit card))",
            _I,
        ),
    ),
    (
        "addressee",
        0.5,
        re.compile(
            rf"\b{AGENT}\b[^.\n]{{0,25}}?"
            r"\b(reading|reads|read|processing|summari[sz]ing|parsing|must|should|you)\b|"
            rf"\b(note|message|instructions?|attention|reminder)\s*(to|for)?\s*(the |any |whoever )?{AGENT}\b|"
            rf"(\b(dear|hey|hi|hello)\s+|@){AGENT}\b",
            _I,
        ),
    ),
    (
        "directive",
        0.5,
        re.compile(
            rf"\b{AGENT}\b[^.\n]{{0,40}}?\b(must|should|please|needs? to|is to|are to)\s+(\w+\s+){{0,2}}?{ACTION}|"
            rf"\b{AGENT}\s*[,:]\s*([^.\n]{{0,30}}?,\s*)?(please\s+)?{ACTION}",
            _I,
        ),
    ),
    (
        "sabotage",
        0.4,
        re.compile(
            r"\b(disable|turn off|switch off|remove|bypass)\b[^.\n]{0,20}?\b(two-factor|2fa|mfa|"
            r"authentication|safety|security|logging|audit|checks|firewall|antivirus|content filter)",
            _I,
        ),
    ),
    (
        "tool_call",
        0.5,
        re.compile(
            r"\b(?i:call|invoke|run|execute|use|trigger)\s+(the\s+)?([A-Za-z0-9_]+\s+)?(?i:tool|function)\b|"
            r"\b(?i:call|invoke|run|execute|use)\s+[A-Z][A-Z0-9]+_[A-Z0-9_]{3,}\b",
            0,
        ),
    ),
    (
        "urgent",
        0.3,
        re.compile(r"\b(IMPORTANT|ATTENTION|URGENT|CRITICAL|WARNING|OVERRIDE)\s*[:!]", 0),
    ),
)
DESTINATION = re.compile(
    r"\b(to|at|into)\s+(\S+@\S+\.\w+|https?://\S+|[a-z0-9.-]+\.(com|net|io|ru|xyz)\b)", _I
)


@dataclass(frozen=True)
class Finding:
    injected: bool
    score: float
    signals: tuple[str, ...]
    evidence: str

    @property
    def reason(self) -> str:
        if not self.signals:
            return "no text in the result tries to instruct the agent"
        return f"weak signals only ({', '.join(self.signals)}; score {self.score:.1f} < {THRESHOLD})"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _score(text: str) -> tuple[float, list[str], str]:
    found: list[str] = []
    evidence = ""
    score = 0.0
    for name, weight, pattern in SIGNALS:
        match = pattern.search(text)
        if match:
            found.append(name)
            score += weight
            if not evidence or weight >= 1.0:
                evidence = match.group(0)
            if name == "exfiltrate" and DESTINATION.search(text, match.end()):
                score += 0.3
    return score, found, evidence


def detect_text(raw: str) -> Finding:
    """Whether `raw` carries a prompt injection, with the signals that decided it."""
    raw = raw[:MAX_TEXT]
    hidden = bool(ZERO_WIDTH.search(raw))
    text = ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", raw))
    comments = " ".join(HTML_COMMENT.findall(text))
    best: tuple[float, list[str], str] = (0.0, [], "")
    step = WINDOW // 2
    for start in range(0, max(1, len(text) - step), step):
        scored = _score(text[start : start + WINDOW])
        if scored[0] > best[0]:
            best = scored
    score, signals, evidence = best
    if signals and (hidden or (comments and _score(comments)[0] > 0)):
        score += 0.4
        signals = [*signals, "hidden"]
    evidence = " ".join(evidence.split())[:120]
    return Finding(score >= THRESHOLD, round(score, 2), tuple(signals), evidence)


def detect(result: Any) -> Finding:
    """`detect_text` over every string of a tool result (its `data` and `error`)."""
    return detect_text("\n".join(_strings(result)))
