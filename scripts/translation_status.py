"""How complete each catalog is, for translators: `make translation-status` (or `LOCALE=sv`).

For each language and catalog (messages.po: the interface and the mails; data.po: the data's
texts): how many strings, how many still untranslated, how many fuzzy (their English changed
since they were translated: the old English is shown beside them), and any translation whose
placeholders differ from the English (Babel's own checks). Exits 1 if anything is left to do.
"""

import sys
from pathlib import Path

from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


def status(path):
    """(strings, untranslated, fuzzy, problems) of one catalog."""
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    messages = [m for m in catalog if m.id]
    fuzzy = [m for m in messages if m.fuzzy]
    untranslated = [m for m in messages if not m.fuzzy and not all(
        m.string if isinstance(m.string, tuple) else [m.string])]
    problems = [f"{path.relative_to(TRANSLATIONS.parent)}:{m.lineno}: {error}"
                for m, errors in catalog.check() for error in errors]
    return len(messages), untranslated, fuzzy, problems


def main(locales):
    """Print one line per catalog, then what needs doing; 1 if anything does."""
    left = False
    for directory in sorted(p for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES").is_dir()):
        if locales and directory.name not in locales:
            continue
        for domain in ("messages", "data"):
            total, untranslated, fuzzy, problems = status(directory / "LC_MESSAGES" / f"{domain}.po")
            print(f"{directory.name:8} {domain:8} {total - len(untranslated) - len(fuzzy):4}/{total} translated,"
                  f" {len(untranslated)} untranslated, {len(fuzzy)} fuzzy, {len(problems)} problems")
            for message in untranslated + fuzzy:
                print(f"    line {message.lineno}: {'fuzzy' if message.fuzzy else 'untranslated'}: "
                      f"{message.id if isinstance(message.id, str) else message.id[0]!s:.70}")
                if message.previous_id:
                    print(f"        the English was: {message.previous_id[0]!s:.70}")
            for problem in problems:
                print(f"    {problem}")
            left = left or bool(untranslated or fuzzy or problems)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
