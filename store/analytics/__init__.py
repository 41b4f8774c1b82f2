"""Analytics: hot spots, focused governance, scorecards and shift reports (BH 22, HH 26, JM 19,
BH 23, HH 14).

Every figure is counted in SQL (SQLAlchemy Core, the same on SQLite and PostgreSQL) and handed
out as plain frozen dataclasses; a centre's figures over whole local days are summed from the
rollups (`rollups`: per town and day, kept with each write), a unit's and a part day's are
grouped over the tickets; `tables` turns each into rows and columns for the screens, the
CLI and the exports, with each column's definition as translatable text.
"""
