"""Treaty, case and moratorium data: the facts the public pages are built from."""
