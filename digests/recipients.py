"""Digest recipients: each address checked when the settings are loaded, each kept once.

``email-validator`` checks the syntax (a CR/LF, a trailing dot, a missing domain are refused
with its reason); no DNS is asked. It refuses special-use domains, but ``localhost`` is where
a local catcher such as Mailpit delivers (``docker-compose.yml`` mails ``desk@localhost``), so
an address there is checked with its local part alone. Addresses that differ only in letter
case are one person and get one mail: the first spelling is kept.
"""

from __future__ import annotations

LOCAL_DOMAINS = ("localhost",)
STAND_IN_DOMAIN = "example.org"  # a domain the validator accepts, to check a local part alone


class RecipientError(ValueError):
    """A recipient that is not a usable email address; the message is one line naming it."""


def check_address(candidate: str) -> str:
    """The address in normal form (the domain lower-cased).

    Raises:
        email_validator.EmailNotValidError: why it is not an email address.
    """
    from email_validator import validate_email  # only when there are recipients

    local, at, domain = candidate.rpartition("@")
    if at and domain.lower() in LOCAL_DOMAINS:
        checked = validate_email(f"{local}@{STAND_IN_DOMAIN}", check_deliverability=False)
        return f"{checked.local_part}@{domain.lower()}"
    checked = validate_email(candidate, check_deliverability=False, globally_deliverable=False)
    return str(checked.normalized)


def parse_recipients(text: str, *, setting: str = "NEWSMON_DIGEST_TO") -> list[str]:
    """The comma-separated addresses of ``text``, checked and de-duplicated (blanks dropped).

    Raises:
        RecipientError: one line naming the setting, the address and what is wrong with it.
    """
    from email_validator import EmailNotValidError

    seen: dict[str, str] = {}
    for part in text.split(","):
        candidate = part.strip()
        if not candidate:
            continue
        try:
            address = check_address(candidate)
        except EmailNotValidError as exc:
            why = f"{setting}: {candidate!r} is not an email address: {exc}"
            raise RecipientError(why) from exc
        seen.setdefault(address.lower(), address)
    return list(seen.values())
