"""Build data/regions.csv: UN M49 region of every ISO 3166-1 alpha-2 code pycountry knows."""
# Re-run from the repo root: .venv/bin/python scripts/build_regions.py
# Source: the M49 "Region Code" column of OCHA's Countries & Territories Taxonomy,
# as shipped inside the PyPI wheel hdx-python-country 4.2.5. The wheel is only
# downloaded into a temp dir and read here; it is not a dependency of the app.

import csv
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pycountry

PACKAGE = "hdx-python-country==4.2.5"
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "regions.csv"

# The five M49 continental regions; anything else (Antarctica has none) stays empty.
REGIONS = {"002", "019", "142", "150", "009"}


def fetch_taxonomy(tmp):
    """Download the wheel and return the taxonomy CSV rows."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary=:all:", "-d", tmp, PACKAGE],
        check=True,
    )
    wheel = next(Path(tmp).glob("hdx_python_country-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".csv") and "Taxonomy" in n)
        text = zf.read(name).decode("utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


def regions_by_iso2(rows):
    """Map alpha-2 -> zero-padded M49 region code, refusing contradictory rows."""
    regions = {}
    for row in rows:
        iso2 = row["ISO 3166-1 Alpha 2-Codes"].strip()
        if not iso2:
            continue  # sub-national entries such as the Azores carry no code of their own
        code = row["Region Code"].strip()
        region = f"{int(code):03d}" if code else ""
        if regions.get(iso2, region) != region:
            sys.exit(f"{iso2}: conflicting regions {regions[iso2]!r} and {region!r}")
        regions[iso2] = region if region in REGIONS else ""
    return regions


def main():
    """Fetch, map and write the CSV."""
    with tempfile.TemporaryDirectory() as tmp:
        regions = regions_by_iso2(fetch_taxonomy(tmp))
    codes = sorted(c.alpha_2 for c in pycountry.countries)
    missing = [c for c in codes if c not in regions]
    if missing:
        print(f"no M49 entry, left empty: {' '.join(missing)}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["iso2", "region"])
        writer.writerows([code, regions.get(code, "")] for code in codes)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(codes)} codes")


if __name__ == "__main__":
    main()
