"""Synthetic figures of realistic size, for the example report and the tests.

Calibrated on `data/huisverbod_kengetallen_gepubliceerd.csv`: about 1,500 huisverboden per half
year nationally (8–9 per 100,000 inhabitants), ~40 % extended, ~8 % withdrawn; a municipality of
median size (33,000) sees two or three per half year, so most counts are below 5. Police units
report per unit. Deterministic for a seed. Everything goes through `submissions.store`, exactly
as mail does.
"""

from __future__ import annotations

import csv
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from mailbot.admin import importer
from mailbot.dates.periods import Period
from mailbot.forms import load_form
from mailbot.reports.reference import data_dir
from mailbot.store import orgs
from mailbot.store.models import Organisation
from mailbot.store.submissions import store

PER_CAPITA = 1500 / 17_942_942  # huisverboden per inhabitant per half year
SENDER = "synthetisch@voorbeeld.invalid"
# Share of huisverboden (vraag 1) for the other questions: binomial draws.
SHARES = {"2": 0.04, "3": 0.12, "4": 0.08, "5": 0.40, "6": 0.25, "7a": 0.55, "7b": 0.65,
          "7c": 0.45, "8": 0.05}


@dataclass(frozen=True)
class Plan:
    """How the synthetic world looks."""

    periods: tuple[Period, ...]
    seed: int = 2026
    every: int = 1  # keep every n-th municipality of the reference file
    response: float = 0.9  # the chance that a municipality submits in a period
    corrections: float = 0.05  # the chance that a submission gets a second revision
    police: bool = True


def municipalities(every: int = 1) -> list[importer.ImportRow]:
    """The reference municipalities (every n-th, to keep a test small)."""
    text = (data_dir() / "gemeenten_2025.csv").read_text(encoding="utf-8")
    return importer.read(text)[::every]


def police_units() -> dict[str, int]:
    """Police unit -> its inhabitants, from the veiligheidsregio file."""
    units: dict[str, int] = defaultdict(int)
    with (data_dir() / "veiligheidsregios_2025.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            units[row["politie_eenheid"]] += int(row["inwoners_2024"])
    return dict(units)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal for large)."""
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, count, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def municipal_answers(rng: random.Random, population: int, factor: float) -> dict[str, int]:
    """One municipality's half year."""
    imposed = poisson(rng, population * PER_CAPITA * factor)
    answers = {"1": imposed, **{key: binomial(rng, imposed, p) for key, p in SHARES.items()}}
    answers["9"] = binomial(rng, answers["8"], 0.3)
    answers["10"] = binomial(rng, answers["8"], 0.2)
    return {key: answers[key] for key in load_form("gemeente").keys}


def police_answers(rng: random.Random, population: int, factor: float) -> dict[str, int]:
    """One police unit's half year (incidents, meldingen, aangiften, RiHG, overtredingen)."""
    scale = population / 17_942_942 * factor
    return {"1": poisson(rng, 60_000 * scale), "2": poisson(rng, 43_000 * scale),
            "3": poisson(rng, 12_000 * scale), "4": poisson(rng, 2_300 * scale),
            "5": poisson(rng, 160 * scale)}


def populate(session: Session, now: datetime, plan: Plan) -> None:
    """Register the organisations and store every period's submissions (not committed)."""
    importer.apply(session, now, municipalities(plan.every))
    if plan.police:
        for unit, population in police_units().items():
            org = orgs.add(session, now, f"Politie {unit}", "politie", region=unit)
            org.population = population
            session.add(org)
    rng = random.Random(plan.seed)
    everyone = list(session.exec(select(Organisation).order_by(Organisation.name)))
    for index, period in enumerate(plan.periods):
        factor = 1 + 0.02 * index + (0.05 if period.half == 2 else 0)
        for org in everyone:
            if rng.random() < plan.response:
                _submit(session, rng, org, period, factor, plan)


def _submit(session: Session, rng: random.Random, org: Organisation, period: Period,
            factor: float, plan: Plan) -> None:
    make = municipal_answers if org.kind == "gemeente" else police_answers
    when = datetime.combine(period.end, datetime.min.time(), UTC) + timedelta(days=20)
    form = load_form(org.kind)
    answers = make(rng, org.population or 30_000, factor)
    store(session, when, org, str(period), form, answers, sender=SENDER, person_name=None,
          inbound_id=None)
    if rng.random() < plan.corrections:
        corrected = {key: value + (1 if key == "1" else 0) for key, value in answers.items()}
        store(session, when + timedelta(days=9), org, str(period), form, corrected,
              sender=SENDER, person_name=None, inbound_id=None)
