"""Build app/countries/world_map.json: Robinson-projected SVG paths of Natural Earth 110m countries."""
# Re-run from the repo root: .venv/bin/python scripts/build_map.py
# Needs npm on PATH; the raw TopoJSON is fetched into a temp dir and never kept.

import json
import math
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pycountry

PACKAGE = "world-atlas@2.0.2"
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "app" / "countries" / "world_map.json"

# Width of the full -180..180 span; 1-decimal coordinates at this size are
# finer than the 110m data itself, so nothing visible is lost to rounding.
WIDTH = 1000
MARGIN = 2

# Features without an ISO numeric id. ISO 3166 has no code for the breakaway
# regions, so they are drawn as part of the state ISO assigns them to; Kosovo
# has only the user-assigned XK, which pycountry does not know, so it is left out.
BY_NAME = {"N. Cyprus": "CY", "Somaliland": "SO"}
SKIP = {"Antarctica", "Kosovo"}

# Robinson's published table (Snyder, Map Projections: A Working Manual),
# every 5 degrees of latitude from 0 to 90: parallel length and distance from equator.
PLEN = [1.0000, 0.9986, 0.9954, 0.9900, 0.9822, 0.9730, 0.9600, 0.9427, 0.9216, 0.8962,
        0.8679, 0.8350, 0.7986, 0.7597, 0.7186, 0.6732, 0.6213, 0.5722, 0.5322]
PDFE = [0.0000, 0.0620, 0.1240, 0.1860, 0.2480, 0.3100, 0.3720, 0.4340, 0.4958, 0.5571,
        0.6176, 0.6769, 0.7346, 0.7903, 0.8435, 0.8936, 0.9394, 0.9761, 1.0000]


def fetch_topology(tmp):
    """Download the world-atlas npm tarball and return (topology, version)."""
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
    tgz = next(Path(tmp).glob("world-atlas-*.tgz"))
    with tarfile.open(tgz) as tar:
        topo = json.load(tar.extractfile("package/countries-110m.json"))
        version = json.load(tar.extractfile("package/package.json"))["version"]
    return topo, version


def decode_arcs(topo):
    """Undo TopoJSON delta encoding and quantization: arcs as lists of (lon, lat)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(arcs, indexes):
    """Join a ring's arcs; a negative index ~i means arc i reversed."""
    points = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def unwrap(ring):
    """Make longitudes continuous, so a ring crossing the antimeridian runs past 180 instead of jumping."""
    out = [ring[0]]
    for lon, lat in ring[1:]:
        prev = out[-1][0]
        lon += 360 * round((prev - lon) / 360)
        out.append((lon, lat))
    if min(lon for lon, _ in out) < -180:
        out = [(lon + 360, lat) for lon, lat in out]
    return out


def clip(ring, east):
    """Clip a ring to one side of lon=180 (Sutherland-Hodgman against a single line)."""
    inside = (lambda p: p[0] >= 180) if east else (lambda p: p[0] <= 180)
    out = []
    for a, b in zip(ring, ring[1:] + ring[:1]):
        if inside(a):
            out.append(a)
        if inside(a) != inside(b):
            t = (180 - a[0]) / (b[0] - a[0])
            out.append((180, a[1] + t * (b[1] - a[1])))
    return out


def split_antimeridian(ring):
    """Cut a ring that crosses the antimeridian into its two halves (Russia, Fiji), else keep it."""
    ring = unwrap(ring)
    if max(lon for lon, _ in ring) <= 180:
        return [ring]
    west = clip(ring, east=False)
    east = [(lon - 360, lat) for lon, lat in clip(ring, east=True)]
    return [r for r in (west, east) if len(r) >= 3]


def robinson(lon, lat):
    """Project degrees to Robinson unit coordinates (y up), interpolating the table linearly."""
    pos = min(abs(lat) / 5, 17.9999)
    i, f = int(pos), pos - int(pos)
    plen = PLEN[i] + f * (PLEN[i + 1] - PLEN[i])
    pdfe = PDFE[i] + f * (PDFE[i + 1] - PDFE[i])
    return 0.8487 * plen * math.radians(lon), math.copysign(1.3523 * pdfe, lat)


def iso2(geometry):
    """ISO 3166-1 alpha-2 code of a feature, by numeric id, then by name; None to skip."""
    name = geometry["properties"]["name"]
    if name in SKIP:
        return None
    if name in BY_NAME:
        return BY_NAME[name]
    country = pycountry.countries.get(numeric=geometry.get("id") or "")
    if country is None:
        try:
            country = pycountry.countries.lookup(name)
        except LookupError:
            print(f"skipped {name!r}: no ISO code")
            return None
    return country.alpha_2


def country_rings(topo, arcs):
    """Map alpha-2 -> list of projected rings, antimeridian-safe."""
    rings = {}
    for geometry in topo["objects"]["countries"]["geometries"]:
        code = iso2(geometry)
        if code is None:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for indexes in polygon:
                for ring in split_antimeridian(ring_points(arcs, indexes)):
                    rings.setdefault(code, []).append([robinson(lon, lat) for lon, lat in ring])
    return rings


def num(tenths):
    """Format an integer count of tenths as the shortest SVG number."""
    text = f"{tenths / 10:.1f}".removesuffix(".0")
    return text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text


def ring_path(points):
    """One closed subpath with relative moves, deltas taken between rounded points so errors don't add up."""
    tenths = []
    for x, y in points:
        p = (round(x * 10), round(y * 10))
        if not tenths or p != tenths[-1]:
            tenths.append(p)
    if len(tenths) > 1 and tenths[-1] == tenths[0]:
        tenths.pop()
    if len(tenths) < 3:
        return ""
    parts = [f"M{num(tenths[0][0])} {num(tenths[0][1])}l"]
    for (x0, y0), (x1, y1) in zip(tenths, tenths[1:]):
        dx, dy = num(x1 - x0), num(y1 - y0)
        sep = "" if parts[-1].endswith("l") or dx.startswith("-") else " "
        parts.append(f"{sep}{dx}{'' if dy.startswith('-') else ' '}{dy}")
    return "".join(parts) + "z"


def to_screen(rings):
    """Scale unit coordinates to pixels, flip y, crop to the drawn area; return (rings, width, height)."""
    scale = WIDTH / (2 * math.pi * 0.8487)
    xs = [x for rs in rings.values() for r in rs for x, _ in r]
    ys = [y for rs in rings.values() for r in rs for _, y in r]
    left, top = min(xs) * scale - MARGIN, max(ys) * scale + MARGIN
    screen = {
        code: [[(x * scale - left, top - y * scale) for x, y in r] for r in rs]
        for code, rs in rings.items()
    }
    return screen, math.ceil(max(xs) * scale + MARGIN - left), math.ceil(top - min(ys) * scale + MARGIN)


def main():
    """Fetch, project and write the map."""
    with tempfile.TemporaryDirectory() as tmp:
        topo, version = fetch_topology(tmp)
    rings, width, height = to_screen(country_rings(topo, decode_arcs(topo)))
    countries = {code: "".join(ring_path(r) for r in rs) for code, rs in sorted(rings.items())}
    data = {
        "viewBox": f"0 0 {width} {height}",
        "source": f"Natural Earth 110m via world-atlas {version}, public domain",
        "countries": {code: d for code, d in countries.items() if d},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(data['countries'])} countries, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
