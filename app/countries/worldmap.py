"""The world map's geometry, built once by scripts/build_map.py and read once per process."""

import json
from functools import cache
from pathlib import Path

MAP_FILE = Path(__file__).with_name("world_map.json")


@cache
def geometry():
    """(viewBox, [(iso2, path data), ...]) for the server-rendered SVG."""
    data = json.loads(MAP_FILE.read_text(encoding="utf-8"))
    return data["viewBox"], sorted(data["countries"].items())
