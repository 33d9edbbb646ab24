"""Case IDs: `<prefix>-<YYYYMMDD>-<XXXX>-<XXXX>`, e.g. `C-20261123-7KQ3-XHD2`.

The date is the day the case was opened (the handbooks number registers by date). The
suffix is 40 random bits in Crockford's base 32, which has no I, L, O or U, so it reads
clearly over the phone and a misheard 'O' or 'L' is still understood. Random bits need
no coordination between clones: two agents opening cases in the same second in two
clones collide with a probability of 1 in 2^40; the local clone also retries on a clash.

A seed (`Env.id_seed`, from `CASEKIT_ID_SEED`: for generating the bundled example cases
and test repositories reproducibly, never for real work) derives the suffix from the seed
text instead of random bits.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SUFFIX = f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}"
ID_PATTERN = re.compile(rf"^(?P<prefix>[A-Z]{{1,3}})-(?P<date>\d{{8}})-(?P<suffix>{_SUFFIX})$")
SUFFIX_PATTERN = re.compile(rf"^{_SUFFIX}$")
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True)
class CaseId:
    prefix: str
    day: date
    suffix: str

    def __str__(self) -> str:
        return f"{self.prefix}-{self.day:%Y%m%d}-{self.suffix}"


def seeded_bits(seed: str) -> int:
    """40 bits of the seed's SHA-256: a reproducible stand-in for random bits."""
    return int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:5], "big")


def new_id(prefix: str, day: date, bits: int) -> CaseId:
    """The ID with a suffix made of 40 bits (random ones, drawn by the caller)."""
    chars = [ALPHABET[(bits >> shift) & 31] for shift in range(35, -5, -5)]
    return CaseId(prefix, day, "".join(chars[:4]) + "-" + "".join(chars[4:]))


def normalise(text: str) -> str:
    """Upper-case, and read O as 0 and I/L as 1 in the suffix, as Crockford's base 32 does."""
    text = text.strip().upper()
    parts = text.split("-")
    if len(parts) >= 2:
        parts[-2:] = [p.translate(_READ_AS) for p in parts[-2:]]
    return "-".join(parts)


def parse_id(text: str) -> CaseId | None:
    match = ID_PATTERN.match(normalise(text))
    if not match:
        return None
    try:
        day = date(int(match["date"][:4]), int(match["date"][4:6]), int(match["date"][6:]))
    except ValueError:
        return None
    return CaseId(match["prefix"], day, match["suffix"])


CASES_DIR = "cases"


def relative_case_path(kind: str, case_id: CaseId) -> str:
    return f"{CASES_DIR}/{kind}/{case_id.day:%Y}/{case_id.day:%m}/{case_id}.yaml"
